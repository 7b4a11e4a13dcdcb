import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

/** The gate itself: an incompatible workflow change must make the committed histories fail. */
describe('determinism gate', () => {
  it('rejects a workflow change that running orders could not replay', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(import.meta.dirname, 'incompatible', 'workflows.ts'),
      webpackConfigHook: (config) => {
        config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
        return config;
      },
    });
    const history = JSON.parse(readFileSync(join(import.meta.dirname, 'histories', 'rejected-by-manager.json'), 'utf8'));
    await expect(Worker.runReplayHistory({ workflowBundle: { code } }, history, 'gate-check')).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});

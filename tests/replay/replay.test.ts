import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';

/**
 * The determinism gate: every committed history (recorded by `npm run replay:record`) must replay
 * against the current workflow code. A failure means running orders would break on deploy: guard
 * the change with `patched()` instead of re-recording.
 */
const dir = join(import.meta.dirname, 'histories');
const histories = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('committed workflow histories replay', () => {
  it('has histories to replay', () => {
    expect(histories.length).toBeGreaterThan(0);
  });

  it.each(histories)('%s', async (file) => {
    const history = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, file.replace(/\.json$/, '')),
    ).resolves.toBeUndefined();
  });
});

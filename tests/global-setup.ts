import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { ensureTemporalCli } from '../runtime/temporal-cli.js';
import { bundleWorkflows, installRuntime } from '../runtime/temporal.js';
import { ORDO_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { createTestDatabase } from './support/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
    /** A fresh Postgres database for this run, or '' when none is reachable (tests use PGlite). */
    postgresUrl: string;
  }
}

/**
 * Once per `npm test`: one Temporal dev server (the CLI Ordo builds or finds, never a download),
 * one workflow bundle, and one fresh Postgres database (created here, dropped at the end).
 */
export default async function setup(project: TestProject) {
  installRuntime('warn');
  const [cli, { code }, postgres] = await Promise.all([ensureTemporalCli(), bundleWorkflows(), createTestDatabase()]);
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: cli }, ip: '127.0.0.1', searchAttributes: ORDO_SEARCH_ATTRIBUTES },
  });
  const bundleDir = mkdtempSync(join(tmpdir(), 'ordo-test-'));
  const workflowBundlePath = join(bundleDir, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, code);

  project.provide('temporalAddress', env.address);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('postgresUrl', postgres?.url ?? '');

  return async () => {
    await env.teardown();
    await postgres?.drop();
  };
}

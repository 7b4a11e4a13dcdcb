import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { NativeConnection, WorkflowBundleOption } from '@temporalio/worker';
import { buildApp, TMF622_BASE } from '../api/app.js';
import { keyResolver, parseEnvKeys } from '../api/auth.js';
import { openDatabase, type Database } from '../db/client.js';
import { type Config, publicUrl } from './config.js';
import { createWorker } from './temporal.js';
import { createSouthbound } from '../activities/southbound/registry.js';

/** Opens the configured database: Postgres at DATABASE_URL, else embedded PGlite under DATA_DIR. */
export async function openConfiguredDatabase(config: Config): Promise<Database> {
  return openDatabase(config.DATABASE_URL ? { url: config.DATABASE_URL } : { pgliteDir: join(config.DATA_DIR, 'pglite') });
}

/** Waits until the namespace answers (a freshly started server takes a moment). */
export async function waitForNamespace(client: Client, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.workflowService.describeNamespace({ namespace: client.options.namespace });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Temporal namespace "${client.options.namespace}" is not reachable: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export async function buildConfiguredApp(config: Config, database: Database, temporal: Client) {
  return buildApp({
    orders: { db: database.db, temporal, taskQueue: config.TEMPORAL_TASK_QUEUE, tmfBaseUrl: `${publicUrl(config)}${TMF622_BASE}` },
    keys: keyResolver(database.db, parseEnvKeys(config.API_KEYS)),
    health: {
      database: () => database.ping(),
      temporal: () => temporal.workflowService.getSystemInfo({}),
    },
    logger: { level: config.LOG_LEVEL },
    rateLimit: { limit: config.RATE_LIMIT_PER_MINUTE },
  });
}

/** The worker as configured; `workflowBundle` overrides the prebuilt/bundled code (fault tests pass one to restart fast). */
export async function createConfiguredWorker(config: Config, database: Database, connection: NativeConnection, workflowBundle?: WorkflowBundleOption) {
  return createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    deps: { db: database.db, southbound: createSouthbound(database.db, process.env) },
    ...(workflowBundle ? { workflowBundle } : {}),
  });
}

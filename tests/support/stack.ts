import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import { type AppDeps, buildApp, TMF622_BASE } from '../../api/app.js';
import { keyResolver, parseEnvKeys } from '../../api/auth.js';
import { storeCatalog } from '../../db/catalog.js';
import { type Database, openDatabase } from '../../db/client.js';
import { DEMO_CATALOG } from '../../domain/catalog.js';
import { ROLES, type Role } from '../../domain/roles.js';
import { connectClient, createWorker, installRuntime } from '../../runtime/temporal.js';
import { createSouthbound } from '../../activities/southbound/registry.js';
import { copyTemplateDatabase } from './postgres.js';

export const TMF_BASE_URL = `http://ordo.test${TMF622_BASE}`;

/** A fresh database for the caller: a copy of the run's migrated Postgres template, else an in-memory PGlite. */
export async function openTestDatabase(kind: 'default' | 'pglite' = 'default'): Promise<Database> {
  const url = inject('postgresUrl');
  if (url && kind === 'default') return openDatabase({ url: await copyTemplateDatabase(url), poolSize: 4 });
  const database = await openDatabase({ pglite: 'memory' });
  await database.migrate();
  return database;
}

/** Embedded PGlite, and the real Postgres of this run when one is reachable: for suites that run on both. */
export const testDrivers = () => [
  { kind: 'pglite', open: () => openTestDatabase('pglite') },
  ...(inject('postgresUrl') ? [{ kind: 'postgres', open: () => openTestDatabase('default') }] : []),
];

export interface TestStack {
  database: Database;
  temporal: Client;
  worker: Worker;
  app: FastifyInstance;
  taskQueue: string;
  /** Headers authenticating as `role`. */
  as(role: Role): { authorization: string };
  /** Another API on the same database, Temporal and keys, with some settings of its own (the caller closes it). */
  buildApp(extra?: Partial<Pick<AppDeps, 'logger' | 'bodyLimit' | 'rateLimit' | 'onRoute'>>): Promise<FastifyInstance>;
  close(): Promise<void>;
}

/**
 * Everything Ordo runs, for one test file: the real Temporal dev server of this run, a worker on a
 * task queue of its own, the real database, and the API driven through `inject`.
 */
export async function startTestStack(): Promise<TestStack> {
  if (!Runtime._instance) installRuntime('warn');
  const address = inject('temporalAddress');
  const database = await openTestDatabase();
  await storeCatalog(database.db, DEMO_CATALOG);

  const taskQueue = `test-${randomUUID()}`;
  const temporal = await connectClient({ address }, 'default');
  const connection = await NativeConnection.connect({ address });
  const worker = await createWorker({ connection, namespace: 'default', taskQueue, deps: { db: database.db, southbound: createSouthbound(database.db, {}) }, workflowBundle: { codePath: inject('workflowBundlePath') } });
  const running = worker.run();

  const keys = Object.fromEntries(ROLES.map((role) => [role, `test_${role}_${randomBytes(12).toString('hex')}`])) as Record<Role, string>;
  const deps: AppDeps = {
    orders: { db: database.db, temporal, taskQueue, tmfBaseUrl: TMF_BASE_URL },
    keys: keyResolver(database.db, parseEnvKeys(Object.entries(keys).map(([role, key]) => `${role}:${key}`).join(','))),
    health: { database: () => database.ping(), temporal: () => temporal.workflowService.getSystemInfo({}) },
  };
  const app = await buildApp(deps);

  return {
    database,
    temporal,
    worker,
    app,
    taskQueue,
    as: (role) => ({ authorization: `Bearer ${keys[role]}` }),
    buildApp: (extra = {}) => buildApp({ ...deps, ...extra }),
    async close() {
      await app.close();
      worker.shutdown();
      await running;
      await connection.close();
      await temporal.connection.close();
      await database.close();
    },
  };
}

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import postgres from 'postgres';
import { createSouthbound } from '../activities/southbound/registry.js';
import { buildApp, TMF622_BASE } from '../api/app.js';
import { keyResolver, parseEnvKeys } from '../api/auth.js';
import { storeCatalog } from '../db/catalog.js';
import { type Database, openDatabase } from '../db/client.js';
import { DEMO_CATALOG } from '../domain/catalog.js';
import { SERVER_TUNING } from '../runtime/dev-server.js';
import { ensureTemporalCli } from '../runtime/temporal-cli.js';
import { connectClient, createWorker, installRuntime } from '../runtime/temporal.js';
import { ORDO_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

/**
 * The stack a benchmark measures: a Temporal dev server of its own, a fresh Postgres database
 * (PGlite when no server answers), the worker and the HTTP API listening on a loopback port —
 * the real parts, in one process, as `npm start` runs them.
 */
export async function startBenchStack() {
  installRuntime('warn');
  const cli = await ensureTemporalCli();
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: cli }, ip: '127.0.0.1', searchAttributes: ORDO_SEARCH_ATTRIBUTES, extraArgs: process.env.BENCH_SERVER_ARGS === undefined ? SERVER_TUNING : process.env.BENCH_SERVER_ARGS.split(' ').filter(Boolean) } });
  const { database, drop, kind } = await benchDatabase();
  await storeCatalog(database.db, DEMO_CATALOG);
  const taskQueue = 'bench';
  const temporal = await connectClient({ address: env.address }, 'default');
  const worker = await createWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue, deps: { db: database.db, southbound: createSouthbound(database.db, {}) } });
  const running = worker.run();
  const key = `bench_${randomBytes(12).toString('hex')}`;
  const app = await buildApp({
    orders: { db: database.db, temporal, taskQueue, tmfBaseUrl: `http://127.0.0.1${TMF622_BASE}` },
    keys: keyResolver(database.db, parseEnvKeys(`api_client:${key},admin:${key}x`)),
    health: { database: () => database.ping(), temporal: () => temporal.workflowService.getSystemInfo({}) },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    base,
    env,
    temporal,
    database,
    databaseKind: kind,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    /** A manager's decisions (approvals, change requests) are made with the admin key. */
    adminHeaders: { authorization: `Bearer ${key}x`, 'content-type': 'application/json' },
    workerMemory: () => process.memoryUsage().rss,
    async close() {
      await app.close();
      worker.shutdown();
      await running;
      await temporal.connection.close();
      await database.close();
      await drop();
      await env.teardown();
    },
  };
}

async function benchDatabase(): Promise<{ database: Database; drop: () => Promise<void>; kind: string }> {
  const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = postgres(serverUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await admin`select 1`;
  } catch {
    await admin.end({ timeout: 1 }).catch(() => {});
    const database = await openDatabase({ pglite: 'memory' });
    await database.migrate();
    return { database, drop: async () => {}, kind: 'PGlite (in memory)' };
  }
  const name = `ordo_bench_${Date.now().toString(36)}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolSize: 10 });
  await database.migrate();
  return {
    database,
    kind: 'PostgreSQL',
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}

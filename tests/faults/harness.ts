import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.js';
import { keyResolver, parseEnvKeys } from '../../api/auth.js';
import { storeCatalog } from '../../db/catalog.js';
import { type Database, openDatabase } from '../../db/client.js';
import { putSystemSettings } from '../../db/simulator.js';
import { type Catalog, DEMO_CATALOG } from '../../domain/catalog.js';
import type { ProductOrder } from '../../domain/order.js';
import { SYSTEMS } from '../../domain/plan.js';
import type { ProductOrderCreate } from '../../domain/tmf622/schemas.js';
import { connectClient } from '../../runtime/temporal.js';
import { internetItem, orderOf } from '../support/flows.js';
import { PRODUCT_ORDER_PATH } from '../support/orders.js';
import { copyTemplateDatabase } from '../support/postgres.js';
import { openOrders } from './invariants.js';

/** Where the fault scenarios run: what the test run (or the drill) set up once. */
export interface FaultEnv {
  /** A Temporal server shared by the scenarios that do not restart it. */
  temporalAddress: string;
  /** The Temporal CLI, for the scenario that runs (and restarts) a server of its own. */
  temporalCli: string;
  /** A prebuilt workflow bundle, so worker processes start in seconds. */
  bundlePath: string;
  /** A migrated Postgres database; each scenario works in a copy of it. */
  templateDatabaseUrl: string;
  log?: (line: string) => void;
}

/**
 * The demo catalog with a retry policy on every task sized to ride out the faults (40 attempts,
 * 500 ms doubling to at most 2 s: over a minute of failures). The demo's default is 3 attempts from
 * 1 s, after which a step parks in fallout; in trials it rode out the 20 s database outage too, at
 * attempt 2–3 of 3 (postgres.js makes queries wait through its reconnect backoff rather than fail
 * each one), and a killed worker costs each step it was running one attempt. The raised budget keeps
 * the fault tests from depending on that timing; `npm run fault:drill -- --demo-retries` runs with
 * the demo's own.
 */
export const FAULT_CATALOG: Catalog = {
  ...DEMO_CATALOG,
  specifications: DEMO_CATALOG.specifications.map((spec) => ({
    ...spec,
    tasks: spec.tasks.map((t) => ({ ...t, retry: { maximumAttempts: 40, initialIntervalMs: 500, backoffCoefficient: 2, maximumIntervalMs: 2000 } })),
  })),
};

/** One scenario's world: a database of its own, a task queue of its own, an in-process API. */
export interface Scenario {
  name: string;
  database: Database;
  databaseUrl: string;
  taskQueue: string;
  temporalAddress: string;
  temporal: Client;
  /** The API in this process (driven with `inject`), for submitting and reading. */
  app: FastifyInstance;
  /** `API_KEYS` for API processes: the same keys, so the same Idempotency-Key names the same order. */
  apiKeys: string;
  headers: { authorization: string };
  /** A fulfilment manager's, for approvals. */
  managerHeaders: { authorization: string };
  close(): Promise<void>;
}

export async function openScenario(env: FaultEnv, name: string, opts: { temporalAddress?: string; latencyMs?: number; catalog?: Catalog | undefined } = {}): Promise<Scenario> {
  const databaseUrl = await copyTemplateDatabase(env.templateDatabaseUrl);
  const database = await openDatabase({ url: databaseUrl, poolSize: 4 });
  await storeCatalog(database.db, opts.catalog ?? FAULT_CATALOG);
  // Slow southbound systems keep the orders in flight when the fault hits.
  for (const system of SYSTEMS) await putSystemSettings(database.db, system, { latencyMs: opts.latencyMs ?? 300, errorRate: 0 });

  const temporalAddress = opts.temporalAddress ?? env.temporalAddress;
  const taskQueue = `fault-${name}-${randomUUID().slice(0, 8)}`;
  const temporal = await connectClient({ address: temporalAddress }, 'default');
  const key = `fault_${randomBytes(12).toString('hex')}`;
  const apiKeys = `api_client:${key}`;
  const app = await buildApp({
    orders: { db: database.db, temporal, taskQueue, tmfBaseUrl: 'http://ordo.fault/tmf-api/productOrderingManagement/v4' },
    keys: keyResolver(database.db, parseEnvKeys(`${apiKeys},fulfilment_manager:${key}m`)),
    health: { database: () => database.ping(), temporal: () => temporal.workflowService.getSystemInfo({}) },
  });
  return {
    name,
    database,
    databaseUrl,
    taskQueue,
    temporalAddress,
    temporal,
    app,
    apiKeys,
    headers: { authorization: `Bearer ${key}` },
    managerHeaders: { authorization: `Bearer ${key}m` },
    async close() {
      await app.close();
      await temporal.connection.close();
      await database.close();
    },
  };
}

/** A residential internet order (auto-approved in the demo catalog; four southbound steps). */
export const residentialOrder = (): ProductOrderCreate => orderOf([internetItem('1')], 'residential');

/** An enterprise internet order: it waits for a manager's approval, then runs the same four southbound steps. */
export const enterpriseOrder = (): ProductOrderCreate => orderOf([internetItem('1')], 'enterprise');

/** Submits `n` orders through the scenario's API, `concurrency` at a time; resolves with their ids. */
export async function submitOrders(s: Scenario, n: number, concurrency = 10, order = residentialOrder): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += concurrency) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(concurrency, n - i) }, async () => {
        const res = await s.app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: { ...s.headers, 'idempotency-key': randomUUID() }, payload: order() });
        if (res.statusCode !== 201) throw new Error(`submit failed ${res.statusCode}: ${res.body}`);
        return res.json<ProductOrder>().id;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

/** Waits until every order of `ids` is terminal in the read model; resolves with how long it took. */
export async function drain(s: Scenario, ids: readonly string[], timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const open = await openOrders(s.database.db, ids);
    if (open.length === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${s.name}: ${open.length} of ${ids.length} orders not terminal after ${timeoutMs} ms (e.g. ${open.slice(0, 3).join(', ')})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resolves once `probe` is true (polling), or throws after `timeoutMs`. */
export async function until(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A small seeded PRNG (mulberry32), so a run's "random" fault points can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

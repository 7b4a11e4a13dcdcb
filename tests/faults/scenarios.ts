import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { orders, orderTransitions } from '../../db/schema.js';
import type { Catalog } from '../../domain/catalog.js';
import type { ProductOrder } from '../../domain/order.js';
import { orderWorkflowId } from '../../workflows/messages.js';
import { PRODUCT_ORDER_PATH } from '../support/orders.js';
import { drain, enterpriseOrder, type FaultEnv, openScenario, residentialOrder, type Scenario, seeded, sleep, submitOrders, until } from './harness.js';
import { checkInvariants, effectCount, type InvariantReport, openOrders } from './invariants.js';
import { type Child, startApiProcess, startWorkerProcess, superviseWorker, type SupervisedWorker } from './processes.js';
import { startTcpProxy } from './tcp-proxy.js';
import { startFileBackedServer } from './temporal-server.js';

/** Southbound steps of the residential internet order: allocate and configure the modem, activate the line, start billing. */
const STEPS_PER_ORDER = 4;

/** One fault as it was applied: when (ms since the first order), and how many orders were open then. */
export interface FaultRecord {
  kind: string;
  atMs: number;
  /** Orders not yet terminal when the fault hit. */
  openOrders: number;
  /** Southbound effects recorded when the fault hit. */
  effects: number;
  detail?: string;
  /** Counts particular to the fault (e.g. workflows started by the API that was killed). */
  counts?: Record<string, number>;
}

export interface ScenarioReport {
  scenario: string;
  orders: number;
  faults: FaultRecord[];
  /** From the end of the last fault (worker back, server back, database back) to every order terminal. */
  drainMs: number;
  totalMs: number;
  /** Activity attempts beyond the first (remote and local), over every order's history: the retries the faults caused. */
  activityRetries: number;
  /**
   * Times the worker process exited on its own and was started again (as a supervisor would): the
   * scenario goes on, and the caller fails it (with what the worker wrote to stderr).
   */
  workerCrashes: Array<{ atMs: number; how: string; stderr: string }>;
  invariants: InvariantReport;
  /** Broken invariants, and what the scenario checks on top of them (e.g. the retried submissions). */
  violations: string[];
}

/** Ends each scenario: waits for the orders to drain, then checks the invariants. */
async function finish(s: Scenario, opts: { name: string; ids: string[]; acknowledged: string[]; faults: FaultRecord[]; started: number; recovered: number; drainTimeoutMs: number; worker?: Child | SupervisedWorker; extra?: string[] }): Promise<ScenarioReport> {
  // A drain that times out is a finding, not a crash: the checker then says what is stuck.
  const stuck: string[] = await drain(s, opts.ids, opts.drainTimeoutMs).then(
    () => [],
    (error: Error) => [
      error.message,
      ...(opts.worker ? [`the worker process is ${opts.worker.alive() ? 'running' : 'gone'}; its stderr ends: ${opts.worker.stderr().slice(-1500) || '(nothing)'}`] : []),
    ],
  );
  if (stuck.length > 0) stuck.push(await describeStuck(s, opts.ids));
  const drainMs = Date.now() - opts.recovered;
  const totalMs = Date.now() - opts.started;
  const invariants = await checkInvariants({ db: s.database.db, temporal: s.temporal, taskQueue: s.taskQueue, acknowledged: opts.acknowledged });
  const activityRetries = await retriesOf(s.temporal, opts.ids);
  const workerCrashes = opts.worker && 'crashes' in opts.worker ? opts.worker.crashes.map((c) => ({ atMs: c.at - opts.started, how: String(c.how), stderr: c.stderr })) : [];
  return { scenario: opts.name, orders: invariants.orders, faults: opts.faults, drainMs, totalMs, activityRetries, workerCrashes, invariants, violations: [...stuck, ...(opts.extra ?? []), ...invariants.violations] };
}

/** What the first order still open is waiting for, as its workflow's description says. */
async function describeStuck(s: Scenario, ids: string[]): Promise<string> {
  const [id] = await openOrders(s.database.db, ids);
  if (!id) return 'no order is open any more';
  try {
    const { raw, status } = await s.temporal.workflow.getHandle(orderWorkflowId(id)).describe();
    const activities = (raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} state ${a.state} attempt ${a.attempt}${a.lastFailure?.message ? ` (${a.lastFailure.message.slice(0, 200)})` : ''}`);
    const task = raw.pendingWorkflowTask ? `workflow task state ${raw.pendingWorkflowTask.state} attempt ${raw.pendingWorkflowTask.attempt}` : 'no workflow task pending';
    return `order ${id}: workflow ${status.name}, ${task}; pending activities: ${activities.join('; ') || 'none'}`;
  } catch (error) {
    return `order ${id}: could not describe its workflow (${(error as Error).message})`;
  }
}

async function retriesOf(temporal: Client, ids: string[]): Promise<number> {
  let retries = 0;
  for (let i = 0; i < ids.length; i += 10) {
    const counts = await Promise.all(
      ids.slice(i, i + 10).map(async (id) => {
        const history = await temporal.workflow.getHandle(orderWorkflowId(id)).fetchHistory();
        return (history.events ?? []).reduce((n, e) => n + Math.max(0, attemptOf(e) - 1), 0);
      }),
    );
    retries += counts.reduce((a, b) => a + b, 0);
  }
  return retries;
}

/** The attempt an activity event records: the started event of a (remote) activity, or a local activity's marker. */
function attemptOf(e: NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>[number]): number {
  if (e.activityTaskStartedEventAttributes) return e.activityTaskStartedEventAttributes.attempt ?? 1;
  const marker = e.markerRecordedEventAttributes;
  const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : undefined;
  if (!data) return 1;
  try {
    return (JSON.parse(Buffer.from(data).toString()) as { attempt?: number }).attempt ?? 1;
  } catch {
    return 1;
  }
}

/** A worker process for the scenario: its server, task queue and database, the prebuilt bundle. */
const workerSettings = (env: FaultEnv, s: Scenario) => ({ temporalAddress: s.temporalAddress, taskQueue: s.taskQueue, databaseUrl: s.databaseUrl, bundlePath: env.bundlePath });

const snapshot = async (s: Scenario, ids: string[], started: number, kind: string, detail?: string): Promise<FaultRecord> => ({
  kind,
  atMs: Date.now() - started,
  openOrders: (await openOrders(s.database.db, ids)).length,
  effects: await effectCount(s.database.db),
  ...(detail ? { detail } : {}),
});

export interface WorkerKillOptions {
  /** The catalog the orders run with (default: FAULT_CATALOG). */
  catalog?: Catalog;
  orders: number;
  kills: number;
  seed: number;
  /** The 1st, 3rd, … kill comes a random 200 ms … this long after the worker came up. */
  killWindowMs?: number;
  drainTimeoutMs?: number;
}

/**
 * SIGKILL the worker process at random points while the orders run, and start a new one each time.
 * Half the orders are submitted before the first kill, the other half while no worker runs. The 1st,
 * 3rd, … kill strike at a random time after the worker came up (early, they tend to hit workflow
 * tasks and projections); the 2nd, 4th, … once a random share of the southbound steps has taken
 * effect, so they hit steps in flight. Each kill strands what the worker was running: workflow tasks
 * come back after their 10 s timeout, southbound calls after their 30 s heartbeat timeout.
 */
export async function workerKillScenario(env: FaultEnv, o: WorkerKillOptions): Promise<ScenarioReport> {
  const rng = seeded(o.seed);
  const s = await openScenario(env, 'worker-kill', { catalog: o.catalog });
  const settings = workerSettings(env, s);
  let worker: Child | undefined = await startWorkerProcess(settings);
  try {
    const started = Date.now();
    const firstHalf = Math.ceil(o.orders / 2);
    const ids = await submitOrders(s, firstHalf);
    const faults: FaultRecord[] = [];
    for (let k = 0; k < o.kills; k++) {
      if (k % 2 === 0) await sleep(200 + rng() * ((o.killWindowMs ?? 1500) - 200));
      else {
        const due = Math.max(1, Math.floor(((o.orders * STEPS_PER_ORDER * (k + 1)) / (o.kills + 2)) * (0.5 + rng() / 2)));
        await until(async () => (await effectCount(s.database.db)) >= due, 90_000, `${due} effects before kill ${k + 1}`);
      }
      const record = await snapshot(s, ids, started, 'worker SIGKILL', `pid ${worker.pid}`);
      worker.kill('SIGKILL');
      const how = await worker.exited;
      faults.push({ ...record, detail: `${record.detail} ended by ${how}` });
      worker = undefined;
      if (k === 0) ids.push(...(await submitOrders(s, o.orders - firstHalf)));
      worker = await startWorkerProcess(settings);
    }
    env.log?.(`worker-kill: ${o.kills} kills done, draining ${ids.length} orders`);
    return await finish(s, { name: 'worker-kill', ids, acknowledged: ids, faults, started, recovered: Date.now(), drainTimeoutMs: o.drainTimeoutMs ?? 120_000, worker });
  } finally {
    await worker?.stop();
    await s.close();
  }
}

export interface ApprovalKillOptions {
  /** The catalog the orders run with (default: FAULT_CATALOG). */
  catalog?: Catalog;
  orders: number;
  seed: number;
  drainTimeoutMs?: number;
}

/**
 * Managers approve every order at once and the worker is SIGKILLed 0–50 ms after the first decision
 * reaches the read model: among the workflow tasks it strands, approvals taken and projected (a
 * local activity, ADR 0011) but not yet answered. A manager whose call fails (503) sends the
 * approval again, as a person would. Each approval must end answered — 200, or a 409 that the order
 * is no longer awaiting approval when a retried one finds it approved — and every order completes
 * once, approved once.
 */
export async function approvalKillScenario(env: FaultEnv, o: ApprovalKillOptions): Promise<ScenarioReport> {
  const rng = seeded(o.seed);
  const s = await openScenario(env, 'approval-kill', { catalog: o.catalog });
  const settings = workerSettings(env, s);
  let worker: Child | undefined = await startWorkerProcess(settings);
  try {
    const started = Date.now();
    const ids = await submitOrders(s, o.orders, 10, enterpriseOrder);
    await until(async () => (await awaitingApproval(s, ids)) === ids.length, 60_000, 'every order awaiting approval');
    let answered = 0;
    const calls = ids.map((id) => approveUntilAnswered(s, id).then((a) => (answered++, a)));
    // Strike once the first decision is in the read model (its answer on its way), a random moment later.
    await until(async () => (await approvalsOf(s, ids)).size > 0, 20_000, 'a first approval in the read model');
    await sleep(rng() * 50);
    const record = await snapshot(s, ids, started, 'worker SIGKILL during approvals', `pid ${worker.pid}`);
    const projectedAtKill = (await approvalsOf(s, ids)).size;
    const answeredAtKill = answered;
    worker.kill('SIGKILL');
    const how = await worker.exited;
    worker = await startWorkerProcess(settings);
    const answers = await Promise.all(calls);
    const unanswered = answers.flatMap((a, i) => (a.ok ? [] : [`the approval of order ${ids[i]} ended ${a.last}`]));
    // Answered means the read model holds the decision (ADR 0008): each order's timeline has it, once.
    const approvals = await approvalsOf(s, ids);
    const approvedOnce = ids.flatMap((id) => (approvals.get(id) === 1 ? [] : [`order ${id} was approved ${approvals.get(id) ?? 0} times in its timeline`]));
    const counts = { projectedAtKill, answeredAtKill, approvalsRetried: answers.filter((a) => a.attempts > 1).length };
    env.log?.(`approval-kill: ${counts.approvalsRetried} approvals sent again, draining ${ids.length} orders`);
    const faults = [{ ...record, detail: `${record.detail} ended by ${how}`, counts }];
    return await finish(s, { name: 'approval-kill', ids, acknowledged: ids, faults, started, recovered: Date.now(), drainTimeoutMs: o.drainTimeoutMs ?? 120_000, worker, extra: [...unanswered, ...approvedOnce] });
  } finally {
    await worker?.stop();
    await s.close();
  }
}

/** How many approvals each order's timeline in the read model holds (orders with none are absent). */
async function approvalsOf(s: Scenario, ids: string[]): Promise<Map<string, number>> {
  const rows = await s.database.db
    .select({ orderId: orderTransitions.orderId, n: sql<number>`count(*)::int` })
    .from(orderTransitions)
    .where(and(inArray(orderTransitions.orderId, ids), eq(orderTransitions.entity, 'order'), eq(orderTransitions.reasonCode, 'APPROVED')))
    .groupBy(orderTransitions.orderId);
  return new Map(rows.map((r) => [r.orderId, r.n]));
}

/** How many of the orders the read model shows awaiting approval. */
async function awaitingApproval(s: Scenario, ids: string[]): Promise<number> {
  const [row] = await s.database.db
    .select({ n: sql<number>`count(*)::int` })
    .from(orders)
    .where(and(inArray(orders.id, ids), eq(orders.subState, 'awaitingApproval')));
  return row?.n ?? 0;
}

/** A manager's approval, sent again after a 503 (up to 5 times); a retry that finds the order approved is an answer too. */
async function approveUntilAnswered(s: Scenario, id: string): Promise<{ ok: boolean; attempts: number; last: string }> {
  let last = '';
  for (let attempt = 1; attempt <= 5; attempt++) {
    const res = await s.app.inject({ method: 'POST', url: `/api/orders/${id}/approval`, headers: s.managerHeaders, payload: { decision: 'approve' } });
    last = `${res.statusCode} ${res.body.slice(0, 200)}`;
    if (res.statusCode === 200) return { ok: true, attempts: attempt, last };
    if (res.statusCode === 409 && attempt > 1 && res.json<{ code?: string }>().code === 'NOT_AWAITING_APPROVAL') return { ok: true, attempts: attempt, last };
    if (res.statusCode !== 503) return { ok: false, attempts: attempt, last };
    await sleep(1000);
  }
  return { ok: false, attempts: 5, last };
}

export interface TemporalRestartOptions {
  /** The catalog the orders run with (default: FAULT_CATALOG). */
  catalog?: Catalog;
  orders: number;
  restarts: number;
  /** SIGKILL: a crash; SIGTERM: an orderly stop. */
  signal: 'SIGKILL' | 'SIGTERM';
  /** How long the server stays down each time, beyond the time it takes to start again. */
  downMs?: number;
  drainTimeoutMs?: number;
}

/**
 * A dedicated file-backed Temporal dev server, stopped mid-flight and started again on the same
 * port and the same database file, `restarts` times; the worker process and the API's client stay up
 * and reconnect by themselves.
 */
export async function temporalRestartScenario(env: FaultEnv, o: TemporalRestartOptions): Promise<ScenarioReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ordo-fault-temporal-'));
  const server = await startFileBackedServer({ cli: env.temporalCli, dataDir });
  let s: Scenario | undefined;
  let worker: SupervisedWorker | undefined;
  try {
    s = await openScenario(env, 'temporal-restart', { temporalAddress: server.address, catalog: o.catalog });
    const scenario = s;
    worker = await superviseWorker({ temporalAddress: server.address, taskQueue: s.taskQueue, databaseUrl: s.databaseUrl, bundlePath: env.bundlePath });
    const started = Date.now();
    const ids = await submitOrders(s, o.orders);
    const faults: FaultRecord[] = [];
    for (let r = 0; r < o.restarts; r++) {
      // Strike at evenly spread points of progress: after r+1 of restarts+1 shares of the effects.
      const due = Math.max(1, Math.floor((o.orders * STEPS_PER_ORDER * (r + 1)) / (o.restarts + 2)));
      await until(async () => (await effectCount(scenario.database.db)) >= due, 60_000, `${due} effects`);
      const record = await snapshot(s, ids, started, `Temporal ${o.signal}`);
      const down = Date.now();
      await server.halt(o.signal);
      await sleep(o.downMs ?? 1000);
      await server.start();
      faults.push({ ...record, detail: `down ${Date.now() - down} ms, same port ${server.port} and ${server.dbFile}` });
    }
    const recovered = Date.now();
    env.log?.(`temporal-restart: ${o.restarts} restarts done, draining ${ids.length} orders`);
    return await finish(s, { name: 'temporal-restart', ids, acknowledged: ids, faults, started, recovered, drainTimeoutMs: o.drainTimeoutMs ?? 120_000, worker });
  } finally {
    await worker?.stop();
    await s?.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface PostgresOutageOptions {
  /** The catalog the orders run with (default: FAULT_CATALOG). */
  catalog?: Catalog;
  orders: number;
  outageMs: number;
  drainTimeoutMs?: number;
}

/**
 * The worker reaches Postgres through a TCP proxy; mid-flight the proxy is cut for `outageMs` (open
 * connections destroyed, new ones refused), then restored. The machine's Postgres itself keeps
 * running: other tests share it.
 */
export async function postgresOutageScenario(env: FaultEnv, o: PostgresOutageOptions): Promise<ScenarioReport> {
  const s = await openScenario(env, 'postgres-outage', { catalog: o.catalog });
  const direct = new URL(s.databaseUrl);
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const viaProxy = new URL(s.databaseUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  let worker: SupervisedWorker | undefined;
  try {
    worker = await superviseWorker({ temporalAddress: s.temporalAddress, taskQueue: s.taskQueue, databaseUrl: viaProxy.toString(), bundlePath: env.bundlePath });
    const started = Date.now();
    const ids = await submitOrders(s, o.orders);
    // Strike once about a quarter of the southbound steps have run.
    await until(async () => (await effectCount(s.database.db)) >= Math.max(1, o.orders), 60_000, 'progress before the outage');
    const record = await snapshot(s, ids, started, 'Postgres outage');
    await proxy.cut();
    const severed = proxy.severed;
    // A commit already on its way when the connections were cut may still land: count from 1 s in.
    await sleep(Math.min(1000, o.outageMs));
    const cutOff = await effectCount(s.database.db);
    await sleep(Math.max(0, o.outageMs - 1000));
    const effectsDuring = (await effectCount(s.database.db)) - cutOff;
    await proxy.restore();
    const faults = [{ ...record, detail: `${o.outageMs} ms, ${severed} connections severed, ${effectsDuring} effects recorded meanwhile` }];
    env.log?.(`postgres-outage: database back, draining ${ids.length} orders`);
    const extra = [
      // The proxy did cut the worker off: nothing it did reached the database meanwhile.
      ...(effectsDuring > 0 ? [`${effectsDuring} effects were recorded while the database was cut off`] : []),
    ];
    return await finish(s, { name: 'postgres-outage', ids, acknowledged: ids, faults, started, recovered: Date.now(), drainTimeoutMs: o.drainTimeoutMs ?? 120_000, worker, extra });
  } finally {
    await worker?.stop();
    await proxy.close();
    await s.close();
  }
}

export interface ApiKillOptions {
  /** The catalog the orders run with (default: FAULT_CATALOG). */
  catalog?: Catalog;
  orders: number;
  seed: number;
  drainTimeoutMs?: number;
}

interface Attempt {
  key: string;
  body: ReturnType<typeof residentialOrder>;
  first?: { status: number; id?: string };
  firstError?: string;
  retry?: { status: number; id?: string; replayed: boolean };
}

/**
 * `orders` submissions, each with its own Idempotency-Key (and no externalId, so the key alone
 * names the order), sent at once to an API process that SIGKILLs itself right after the k-th
 * workflow start returns (k random in 1…orders/2), before replying. Every submission is then retried
 * with the same key and body against a fresh API process: each must name exactly one order — 200 with
 * Idempotent-Replayed for those whose workflow had started (the same id as any first answer), 201 for
 * those that never got that far.
 */
export async function apiKillScenario(env: FaultEnv, o: ApiKillOptions): Promise<ScenarioReport> {
  const rng = seeded(o.seed);
  const s = await openScenario(env, 'api-kill', { catalog: o.catalog });
  const apiSettings = { temporalAddress: s.temporalAddress, taskQueue: s.taskQueue, databaseUrl: s.databaseUrl, apiKeys: s.apiKeys };
  let worker: SupervisedWorker | undefined;
  let api: Child | undefined;
  try {
    worker = await superviseWorker({ ...apiSettings, bundlePath: env.bundlePath });
    const killAfter = 1 + Math.floor(rng() * Math.max(1, Math.floor(o.orders / 2)));
    const first = await startApiProcess({ ...apiSettings, killAfterWorkflowStarts: killAfter });
    api = first.child;
    const attempts: Attempt[] = Array.from({ length: o.orders }, () => {
      const { externalId: _externalId, ...body } = residentialOrder();
      return { key: randomUUID(), body };
    });
    const post = async (base: string, a: Attempt) => {
      const res = await fetch(`${base}${PRODUCT_ORDER_PATH}`, {
        method: 'POST',
        headers: { ...s.headers, 'content-type': 'application/json', 'idempotency-key': a.key },
        body: JSON.stringify(a.body),
      });
      const body = (await res.json()) as Partial<ProductOrder>;
      return { status: res.status, id: body.id, replayed: res.headers.get('idempotent-replayed') === 'true' };
    };
    const started = Date.now();
    await Promise.all(
      attempts.map(async (a) => {
        try {
          a.first = await post(first.base, a);
        } catch (error) {
          a.firstError = (error as Error).cause ? String((error as Error).cause) : (error as Error).message;
        }
      }),
    );
    const how = await api.exited;
    const startedInFirst = api.lines.map((l) => l.match(/^started order-(.+)$/)?.[1]).filter((x): x is string => !!x);
    const unanswered = startedInFirst.filter((id) => !attempts.some((a) => a.first?.id === id));
    const faults: FaultRecord[] = [
      {
        kind: 'API SIGKILL after workflow start',
        atMs: Date.now() - started,
        openOrders: (await openOrders(s.database.db, startedInFirst)).length,
        effects: await effectCount(s.database.db),
        detail: `killed after start #${killAfter} (${how}); ${startedInFirst.length} workflows started by it, ${unanswered.length} of them unanswered, ${attempts.filter((a) => a.first).length} replies sent, ${attempts.filter((a) => a.firstError).length} requests cut off`,
        counts: { startedByKilledApi: startedInFirst.length, startedUnanswered: unanswered.length, repliesSent: attempts.filter((a) => a.first).length, cutOff: attempts.filter((a) => a.firstError).length },
      },
    ];

    const second = await startApiProcess(apiSettings);
    api = second.child;
    const recovered = Date.now();
    // A client retries as the API tells it to: 503 (the order's workflow could not be read yet) means
    // "try again shortly". Anything else is the answer.
    let unavailable = 0;
    const retry = async (a: Attempt) => {
      for (let i = 0; ; i++) {
        a.retry = await post(second.base, a);
        if (a.retry.status !== 503 || i >= 10) return;
        unavailable++;
        await sleep(1000);
      }
    };
    for (let i = 0; i < attempts.length; i += 10) await Promise.all(attempts.slice(i, i + 10).map(retry));
    faults[0]!.counts!.retriedAfter503 = unavailable;

    const extra: string[] = [];
    const ids = new Set<string>();
    for (const a of attempts) {
      const r = a.retry!;
      if (!r.id) {
        extra.push(`retry of ${a.key} answered ${r.status} without an order`);
        continue;
      }
      ids.add(r.id);
      if (r.status === 200 && !r.replayed) extra.push(`retry of ${a.key} answered 200 without Idempotent-Replayed`);
      if (r.status !== 200 && r.status !== 201) extra.push(`retry of ${a.key} answered ${r.status}`);
      if (a.first?.id && a.first.id !== r.id) extra.push(`retry of ${a.key} named order ${r.id}, the first answer ${a.first.id}`);
      if (a.first?.status === 201 && r.status !== 200) extra.push(`retry of ${a.key}, answered 201 the first time, answered ${r.status}`);
    }
    for (const id of startedInFirst) {
      const a = attempts.find((x) => x.retry?.id === id);
      if (!a) extra.push(`order ${id}, started by the killed API, was named by no retry`);
      else if (a.retry!.status !== 200) extra.push(`order ${id}, started by the killed API, was created again (${a.retry!.status})`);
    }
    if (ids.size !== attempts.length) extra.push(`${attempts.length} Idempotency-Keys named ${ids.size} orders`);

    const report = await finish(s, { name: 'api-kill', ids: [...ids], acknowledged: [...ids], faults, started, recovered, drainTimeoutMs: o.drainTimeoutMs ?? 120_000, worker, extra });
    // Exactly one order per key: as many orders rows and workflows as keys (the checker matched them).
    if (report.invariants.orders !== attempts.length) report.violations.push(`${report.invariants.orders} orders rows for ${attempts.length} Idempotency-Keys`);
    if (report.invariants.workflows !== attempts.length) report.violations.push(`${report.invariants.workflows} workflows for ${attempts.length} Idempotency-Keys`);
    return report;
  } finally {
    await api?.stop();
    await worker?.stop();
    await s.close();
  }
}

/** The report as a few lines of text (the drill prints it; the tests log it). */
export function summarise(r: ScenarioReport): string {
  const lines = [
    `${r.scenario}: ${r.violations.length === 0 ? 'PASS' : 'FAIL'}`,
    `  orders ${r.orders} (${Object.entries(r.invariants.outcomes).map(([k, v]) => `${v} ${k}`).join(', ')}), workflows ${r.invariants.workflows}, effects ${r.invariants.effects}, transitions ${r.invariants.transitions}, activity retries ${r.activityRetries}`,
    ...r.faults.map((f) => `  fault @${(f.atMs / 1000).toFixed(1)} s: ${f.kind} — ${f.openOrders} orders open, ${f.effects} effects so far${f.detail ? `; ${f.detail}` : ''}${f.counts ? `; ${Object.entries(f.counts).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}`),
    ...r.workerCrashes.map((c) => `  worker process exited on its own @${(c.atMs / 1000).toFixed(1)} s (${c.how}), restarted: ${c.stderr.slice(-400)}`),
    `  drained ${(r.drainMs / 1000).toFixed(1)} s after the last fault ended; scenario ${(r.totalMs / 1000).toFixed(1)} s`,
    ...r.violations.slice(0, 20).map((v) => `  ✗ ${v}`),
    ...(r.violations.length > 20 ? [`  … and ${r.violations.length - 20} more`] : []),
  ];
  return lines.join('\n');
}

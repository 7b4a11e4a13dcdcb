import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { and, asc, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { domainOrders, eventOutbox, orders, orderTransitions, planTasks, simulatorEffects } from '../../db/schema.js';
import { eventsForTransitions } from '../../domain/events.js';
import type { ProductOrder, Transition } from '../../domain/order.js';
import { TERMINAL_ORDER } from '../../domain/rollup.js';
import { getOrderQuery, orderWorkflowId, type OrderView } from '../../workflows/messages.js';
import { OrderId } from '../../workflows/search-attributes.js';
import { eventually } from '../support/eventually.js';

/**
 * What must hold after any fault, once the orders have drained. Each broken rule is one line in
 * `violations`; an empty list is a pass.
 *
 * 1. Every acknowledged order reaches exactly one terminal state: an orders row in a terminal state,
 *    exactly one order transition into a terminal state, its workflow Completed with that state as
 *    its result, and the read model equal to the workflow's own view (revision, state, every plan
 *    task and domain order, no gap or break in the transition chain, one outbox event per event the
 *    transitions call for).
 * 2. Effects are unique per idempotency key, and no southbound step took effect twice: at most one
 *    effect per (order, task, operation), every effect belongs to a task of the order's plan (its
 *    forward operation with the task's key, or its undo), and every completed automated task has
 *    exactly one forward effect.
 * 3. No orphaned workflows: every workflow on the scenario's task queue has an orders row and vice
 *    versa, and none is left Running (or Failed, Terminated, TimedOut).
 */
export interface InvariantReport {
  orders: number;
  workflows: number;
  effects: number;
  transitions: number;
  /** Orders per terminal state. */
  outcomes: Record<string, number>;
  violations: string[];
}

export interface InvariantInput {
  db: Db;
  temporal: Client;
  taskQueue: string;
  /** Ids of the orders a client was told about (201, or 200 replayed). */
  acknowledged: readonly string[];
  /** Where the history of a workflow that cannot be queried is saved (default: a folder under the OS temp dir). */
  historyDir?: string;
}

interface Listed {
  workflowId: string;
  status: string;
  orderId: string | undefined;
}

const ORDER_WORKFLOW = /^order-(.+)$/;

export async function checkInvariants({ db, temporal, taskQueue, acknowledged, historyDir = join(tmpdir(), 'ordo-fault-histories') }: InvariantInput): Promise<InvariantReport> {
  const violations: string[] = [];
  const fail = (line: string) => violations.push(line);

  const readRows = () => db.select({ id: orders.id, state: orders.state, revision: orders.revision }).from(orders);
  // Visibility is eventually consistent: wait (bounded) until it lists every order's workflow as
  // closed, then read the rows (a closed workflow has projected all it will), and judge with those.
  let listed: Listed[] = [];
  let rows: Awaited<ReturnType<typeof readRows>> = [];
  try {
    [listed, rows] = await eventually(async () => {
      const found = await listWorkflows(temporal, taskQueue);
      if (found.some((w) => w.status === 'RUNNING')) return undefined;
      const current = await readRows();
      const ids = new Set(found.map((w) => w.workflowId));
      return current.every((r) => ids.has(orderWorkflowId(r.id))) ? ([found, current] as const) : undefined;
    }, 30_000);
  } catch {
    listed = await listWorkflows(temporal, taskQueue);
    rows = await readRows();
  }
  const rowById = new Map(rows.map((r) => [r.id, r]));
  const listedById = new Map(listed.map((w) => [w.workflowId, w]));

  // 3. No orphans, nothing left running.
  for (const w of listed) {
    const orderId = w.workflowId.match(ORDER_WORKFLOW)?.[1];
    if (!orderId) fail(`workflow ${w.workflowId} on ${taskQueue} is not an order workflow`);
    else if (!rowById.has(orderId)) fail(`orphaned workflow ${w.workflowId}: no orders row`);
    if (orderId && w.orderId !== orderId) fail(`workflow ${w.workflowId} has search attribute OrderId=${w.orderId}`);
  }
  for (const r of rows) {
    if (!listedById.has(orderWorkflowId(r.id))) fail(`orphaned order ${r.id}: no workflow on ${taskQueue}`);
  }
  for (const id of new Set(acknowledged)) {
    if (!rowById.has(id)) fail(`acknowledged order ${id} has no orders row`);
  }

  const ids = rows.map((r) => r.id);
  const [transitions, effects, tasks, domain, events] = ids.length
    ? await Promise.all([
        db.select().from(orderTransitions).where(inArray(orderTransitions.orderId, ids)).orderBy(asc(orderTransitions.orderId), asc(orderTransitions.seq)),
        db.select().from(simulatorEffects),
        db.select({ orderId: planTasks.orderId, id: planTasks.id, state: planTasks.state }).from(planTasks).where(inArray(planTasks.orderId, ids)),
        db.select({ orderId: domainOrders.orderId, id: domainOrders.id, state: domainOrders.state }).from(domainOrders).where(inArray(domainOrders.orderId, ids)),
        db.select({ orderId: eventOutbox.orderId, eventId: eventOutbox.eventId }).from(eventOutbox).where(and(inArray(eventOutbox.orderId, ids), ne(eventOutbox.eventType, 'JeopardyAlertEvent'))),
      ])
    : [[], [], [], [], []];

  // 2. Effects unique per idempotency key (the primary key says so; checked all the same) and per
  //    (order, task, operation).
  const duplicateKeys = await db
    .select({ key: simulatorEffects.idempotencyKey, n: sql<number>`count(*)::int` })
    .from(simulatorEffects)
    .groupBy(simulatorEffects.idempotencyKey)
    .having(sql`count(*) > 1`);
  for (const d of duplicateKeys) fail(`idempotency key ${d.key} has ${d.n} effects`);
  const perStep = new Map<string, number>();
  for (const e of effects) {
    const step = `${e.orderId} ${e.taskId} ${e.operation}`;
    perStep.set(step, (perStep.get(step) ?? 0) + 1);
    if (!rowById.has(e.orderId)) fail(`effect ${e.idempotencyKey} (${e.operation}) of unknown order ${e.orderId}`);
  }
  for (const [step, n] of perStep) if (n > 1) fail(`southbound step took effect ${n} times: ${step}`);

  const byOrder = <T extends { orderId: string }>(list: T[]) => {
    const map = new Map<string, T[]>();
    for (const x of list) map.set(x.orderId, [...(map.get(x.orderId) ?? []), x]);
    return map;
  };
  const transitionsOf = byOrder(transitions);
  const effectsOf = byOrder(effects);
  const tasksOf = byOrder(tasks);
  const domainOf = byOrder(domain);
  const eventsOf = byOrder(events);

  const outcomes: Record<string, number> = {};
  // 1. Per order, against its workflow (bounded concurrency: each query replays the history).
  await inBatches(rows, 8, async (row) => {
    const where = `order ${row.id}`;
    outcomes[row.state] = (outcomes[row.state] ?? 0) + 1;
    if (!(TERMINAL_ORDER as string[]).includes(row.state)) fail(`${where} is ${row.state}, not terminal`);

    const mine = transitionsOf.get(row.id) ?? [];
    const terminal = mine.filter((t) => t.entity === 'order' && t.fromState !== t.toState && (TERMINAL_ORDER as string[]).includes(t.toState));
    if (terminal.length !== 1) fail(`${where} has ${terminal.length} transitions into a terminal state (${terminal.map((t) => t.toState).join(', ')})`);
    mine.forEach((t, i) => {
      if (t.seq !== i) fail(`${where}: transition seq ${t.seq} at position ${i} (gap or duplicate)`);
    });
    const lastOf = new Map<string, string>();
    for (const t of mine) {
      const entity = `${t.entity}:${t.entityId}`;
      const previous = lastOf.get(entity);
      if (previous !== undefined && t.fromState !== previous) fail(`${where}: ${entity} goes ${t.fromState}→${t.toState} but was ${previous} (seq ${t.seq})`);
      lastOf.set(entity, t.toState);
    }
    if (lastOf.get(`order:${row.id}`) !== row.state) fail(`${where}: last order transition is to ${lastOf.get(`order:${row.id}`)}, the row says ${row.state}`);

    const w = listedById.get(orderWorkflowId(row.id));
    if (!w) return;
    const handle = temporal.workflow.getHandle(orderWorkflowId(row.id));
    const status = (await handle.describe()).status.name;
    if (status !== 'COMPLETED') {
      fail(`workflow ${w.workflowId} is ${status}`);
      return;
    }
    const result = (await handle.result()) as ProductOrder;
    if (result.state !== row.state) fail(`${where}: workflow ended ${result.state}, the row says ${row.state}`);
    // The query replays the whole history on a worker: a history that does not replay fails here.
    let view: OrderView;
    try {
      view = await handle.query(getOrderQuery);
    } catch (error) {
      const saved = await saveHistory(temporal, w.workflowId, historyDir);
      fail(`workflow ${w.workflowId} could not be queried (${(error as Error).message}); history saved to ${saved}`);
      return;
    }
    if (view.revision !== row.revision) fail(`${where}: read model at revision ${row.revision}, workflow at ${view.revision}`);
    if (view.order.state !== row.state) fail(`${where}: workflow view ${view.order.state}, row ${row.state}`);

    const viewTasks = [...view.enrichment, ...view.plans.flatMap((p) => p.tasks)];
    sameStates(`${where} tasks`, viewTasks, tasksOf.get(row.id) ?? [], fail);
    sameStates(`${where} domain orders`, view.plans.flatMap((p) => p.domainOrders), domainOf.get(row.id) ?? [], fail);
    for (const t of viewTasks) {
      const entity = `task:${t.id}`;
      if (lastOf.has(entity) && lastOf.get(entity) !== t.state) fail(`${where}: task ${t.id} is ${t.state}, its last transition is to ${lastOf.get(entity)}`);
    }

    const orderEffects = effectsOf.get(row.id) ?? [];
    const taskById = new Map(viewTasks.map((t) => [t.id, t]));
    for (const e of orderEffects) {
      const task = taskById.get(e.taskId);
      if (!task) fail(`${where}: effect ${e.idempotencyKey} of unknown task ${e.taskId}`);
      else if (e.operation === task.operation && e.idempotencyKey !== task.idempotencyKey) fail(`${where}: ${task.id} took effect under key ${e.idempotencyKey}, not ${task.idempotencyKey}`);
      else if (e.operation !== task.operation && e.operation !== task.undo) fail(`${where}: effect ${e.operation} is neither ${task.operation} nor ${task.undo} of ${task.id}`);
    }
    for (const t of viewTasks.filter((x) => x.type === 'automated' && x.state === 'completed')) {
      const n = orderEffects.filter((e) => e.taskId === t.id && e.operation === t.operation).length;
      if (n !== 1) fail(`${where}: completed task ${t.id} has ${n} ${t.operation} effects`);
    }

    const expected = eventsForTransitions(
      view.order,
      mine.map((t) => ({ seq: t.seq, ...toTransition(t) })),
    ).map((e) => e.eventId);
    const stored = (eventsOf.get(row.id) ?? []).map((e) => e.eventId);
    if (expected.length !== stored.length || expected.some((id) => !stored.includes(id))) {
      fail(`${where}: ${stored.length} outbox events, the transitions call for ${expected.length}`);
    }
  });

  return { orders: rows.length, workflows: listed.length, effects: effects.length, transitions: transitions.length, outcomes, violations };
}

function sameStates(what: string, view: Array<{ id: string; state: string }>, stored: Array<{ id: string; state: string }>, fail: (line: string) => void) {
  const storedById = new Map(stored.map((s) => [s.id, s.state]));
  if (stored.length !== storedById.size) fail(`${what}: duplicate rows`);
  if (view.length !== stored.length) fail(`${what}: ${stored.length} rows, the workflow has ${view.length}`);
  for (const v of view) {
    const state = storedById.get(v.id);
    if (state === undefined) fail(`${what}: ${v.id} missing from the read model`);
    else if (state !== v.state) fail(`${what}: ${v.id} is ${state} in the read model, ${v.state} in the workflow`);
  }
}

function toTransition(t: typeof orderTransitions.$inferSelect): Transition {
  return {
    entity: t.entity as Transition['entity'],
    entityId: t.entityId,
    from: t.fromState,
    to: t.toState,
    ...(t.subState ? { subState: t.subState as Transition['subState'] } : {}),
    at: t.at.toISOString(),
    actor: t.actor,
    reasonCode: t.reasonCode,
    ...(t.reasonText ? { reasonText: t.reasonText } : {}),
  };
}

/** Saves a workflow's history as JSON (the format `temporal workflow show --output json` writes, which replay tests read). */
async function saveHistory(temporal: Client, workflowId: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${workflowId}.json`);
  writeFileSync(path, historyToJSON(await temporal.workflow.getHandle(workflowId).fetchHistory()));
  return path;
}

async function listWorkflows(temporal: Client, taskQueue: string): Promise<Listed[]> {
  const out: Listed[] = [];
  for await (const w of temporal.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    out.push({ workflowId: w.workflowId, status: w.status.name, orderId: w.typedSearchAttributes.get(OrderId) });
  }
  return out;
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

/** Orders of `ids` not yet in a terminal state (or not yet projected at all). */
export async function openOrders(db: Db, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.select({ id: orders.id, state: orders.state }).from(orders).where(inArray(orders.id, [...ids]));
  const done = new Set(rows.filter((r) => (TERMINAL_ORDER as string[]).includes(r.state)).map((r) => r.id));
  return ids.filter((id) => !done.has(id));
}

/** How many southbound effects the simulator has recorded (progress, for timing faults). */
export async function effectCount(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(simulatorEffects);
  return row?.n ?? 0;
}

import { ActivityFailure, ApplicationFailure, CancellationScope, condition, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import { type Fallout, type FalloutType, isFalloutOpen, type Resolution } from '../domain/fallout.js';
import type { Actor, OrderRecord } from '../domain/order-record.js';
import type { PlanTask } from '../domain/plan.js';
import type { JeopardyBands } from '../domain/jeopardy.js';
import { isTaskDone, isTaskRetired } from '../domain/rollup.js';
import type { Alarm } from './alarm.js';
import { watchTaskSla } from './jeopardy-watch.js';

const now = () => new Date().toISOString();
const SYSTEM: Actor = { actor: 'system:orchestrator', reasonCode: 'PLAN' };

/** What the plan runner needs from its workflow. */
export interface RunnerContext {
  record: OrderRecord;
  /** A change someone waits on (a human step ready, a fallout): projected now. */
  publish(): Promise<void>;
  /** Routine progress (an automated step started or finished): projected soon. */
  note(): void;
  /** Cancels in-flight work of a task (a fallout raised by hand). */
  inFlight: Map<string, CancellationScope>;
  /** Whether tasks run SLA clocks (false only when replaying orders from before they existed). */
  slaClocks: boolean;
  /** The catalog's jeopardy bands (default 50/75/90/100 %). */
  bands?: JeopardyBands;
  /** The order's shared timer for SLA clocks (absent when replaying orders from before it). */
  alarm?: Alarm;
}

/**
 * Runs every item's plan: each task waits for its predecessors, then runs — automated tasks as
 * southbound calls, human tasks until an agent completes them, milestones at once (setting the
 * point of no return). A step that fails for good parks in fallout until a person resolves it;
 * items are independent: one held or failed item never stops its siblings.
 */
export async function runPlans(ctx: RunnerContext): Promise<void> {
  const { record } = ctx;
  // One run per idempotency key: a change request that replans a step gives it a new key (a new
  // run); the plan is finished when no run is left and no change is open.
  const launched = new Set<string>();
  let running = 0;
  let failure: unknown;
  const isUnlaunched = (t: PlanTask) => !launched.has(t.idempotencyKey) && !isTaskRetired(t);
  const unlaunched = () => record.plans.flatMap((p) => p.tasks).filter(isUnlaunched);
  // Evaluated on every activation while the plan runs: builds no arrays.
  const anyUnlaunched = () => record.plans.some((p) => p.tasks.some(isUnlaunched));
  for (;;) {
    for (const task of unlaunched()) {
      launched.add(task.idempotencyKey);
      running += 1;
      void runTask(ctx, task.id).then(
        () => void (running -= 1),
        (error: unknown) => void (failure ??= error),
      );
    }
    await condition(() => failure !== undefined || anyUnlaunched() || (running === 0 && !record.openChange()));
    if (failure !== undefined) throw failure;
    if (running === 0 && !anyUnlaunched() && !record.openChange()) return;
  }
}

async function runTask(ctx: RunnerContext, taskId: string): Promise<void> {
  const { record } = ctx;
  const planned = record.task(taskId)!;
  const key = planned.idempotencyKey;
  const closing = () => record.isItemClosing(planned.orderItemId) || !record.isCurrentRun(taskId, key);
  const ready = () => record.task(taskId)!.state !== 'onHold' && record.task(taskId)!.predecessors.every((p) => isTaskDone(record.task(p)!));
  // A step a change request holds waits for the decision, even when its predecessors are done.
  await condition(() => closing() || ready());
  if (closing()) return;
  record.updateTask(taskId, { state: planned.type === 'human' ? 'ready' : 'inProgress', actualStart: now() }, now(), SYSTEM);
  record.rollUp(now(), SYSTEM);
  if (planned.type === 'human') void ctx.publish();
  else ctx.note();
  if (ctx.slaClocks) void watchTaskSla(record, taskId, () => void ctx.publish(), ctx.bands, ctx.alarm);

  for (;;) {
    const attempt = await attemptTask(ctx, record.task(taskId)!, () => !record.isCurrentRun(taskId, key));
    if (attempt.done || closing()) break;
    const fallout = openFallout(record, record.task(taskId)!, attempt.failure);
    void ctx.publish();
    // No busy loop: the workflow sleeps until a person resolves the fallout.
    await condition(() => !isFalloutOpen(record.fallouts.get(fallout.id)!) || closing());
    if (closing()) break;
    const resolution = record.fallouts.get(fallout.id)!.resolution!;
    const settled = applyResolution(record, taskId, fallout, resolution);
    record.rollUp(now(), SYSTEM);
    void ctx.publish();
    if (settled) break;
  }
  if (!record.isCurrentRun(taskId, key)) return;
  record.reschedule(now());
  if (ctx.slaClocks) record.checkCommitment(now());
  record.rollUp(now(), SYSTEM);
  ctx.note();
}

type Attempt = { done: true } | { done: false; failure: FailureInfo };

/** Runs the task once (the southbound call keeps its retries); `done` once it completed. */
async function attemptTask(ctx: RunnerContext, task: PlanTask, replaced: () => boolean): Promise<Attempt> {
  const { record } = ctx;
  const scope = new CancellationScope();
  ctx.inFlight.set(task.id, scope);
  try {
    const output = await scope.run(() => perform(record, task, replaced));
    if (replaced()) return { done: true };
    const state = record.task(task.id)!.state;
    if (state === 'cancelled') return { done: true }; // its item is closing
    if (state === 'fallout') return { done: false, failure: raisedByHand(record, task.id) };
    record.updateTask(task.id, { state: 'completed', actualEnd: now(), ...(output ? { output } : {}) }, now(), SYSTEM);
    closeResolvedFallouts(record, task.id);
    return { done: true };
  } catch (error) {
    if (isCancellation(error) && record.task(task.id)!.state === 'fallout') return { done: false, failure: raisedByHand(record, task.id) };
    return { done: false, failure: describeFailure(error) };
  } finally {
    ctx.inFlight.delete(task.id);
  }
}

async function perform(record: OrderRecord, task: PlanTask, replaced: () => boolean): Promise<Record<string, unknown> | undefined> {
  switch (task.type) {
    case 'automated':
      return southbound(task).callSouthbound({
        system: task.system!,
        operation: task.operation!,
        idempotencyKey: task.idempotencyKey,
        orderId: record.id,
        orderItemId: task.orderItemId,
        taskId: task.id,
        input: task.input,
      });
    case 'human':
      // Completed by an agent (completeTask update), cancelled when its item closes, parked by an
      // agent who raised a fallout on it, or replanned by a change request.
      await condition(() => ['completed', 'cancelled', 'fallout'].includes(record.task(task.id)!.state) || replaced());
      return record.task(task.id)!.output;
    case 'milestone':
    case 'wait':
      return undefined;
  }
}

/** Applies a person's resolution; true when the task is settled, false to run it again. */
function applyResolution(record: OrderRecord, taskId: string, fallout: Fallout, resolution: Resolution): boolean {
  const by: Actor = { actor: resolution.actor, reasonCode: `FALLOUT_${resolution.action.toUpperCase()}`, reasonText: resolution.note };
  const task = record.task(taskId)!;
  switch (resolution.action) {
    case 'retry':
      record.updateTask(taskId, { state: task.type === 'human' ? 'ready' : 'inProgress' }, now(), by);
      return false;
    case 'patchAndRetry':
      record.updateTask(taskId, { state: 'inProgress', input: { ...task.input, ...resolution.patch } }, now(), by);
      return false;
    case 'skip':
      record.updateTask(taskId, { state: 'skipped', actualEnd: now(), note: resolution.note }, now(), by);
      record.fallouts.close(fallout.id, now());
      return true;
    case 'completeManually':
      record.updateTask(taskId, { state: 'completed', actualEnd: now(), completedBy: resolution.actor, note: resolution.note }, now(), by);
      record.fallouts.close(fallout.id, now());
      return true;
    case 'abortItem':
    case 'cancelOrder':
      // The workflow closes the item (or the order) and compensates; this task is done with.
      return true;
  }
}

/** A task that completed after a retry closes the fallouts resolved on the way. */
function closeResolvedFallouts(record: OrderRecord, taskId: string): void {
  for (const f of record.fallouts.all()) if (f.taskId === taskId && f.state === 'resolved') record.fallouts.close(f.id, now());
}

export interface FailureInfo {
  code: string;
  message: string;
  type: FalloutType;
  attempts: number;
  raisedBy: string;
}

/** Opens a fallout for the task (or keeps the one open), parks the task and holds its item. */
export function openFallout(record: OrderRecord, task: PlanTask, failure: FailureInfo): Fallout {
  const at = now();
  const existing = record.fallouts.openFor(task.id);
  const fallout =
    existing ??
    record.fallouts.open({
      id: record.fallouts.nextId(record.id),
      orderId: record.id,
      orderItemId: task.orderItemId,
      domainOrderId: task.domainOrderId,
      taskId: task.id,
      taskName: task.name,
      type: failure.type,
      priority: priorityOf(record.order.priority),
      state: 'open',
      ...(task.system ? { system: task.system } : {}),
      errorCode: failure.code,
      errorMessage: failure.message,
      ...(task.operation ? { request: { operation: task.operation, input: task.input, idempotencyKey: task.idempotencyKey } } : {}),
      response: { code: failure.code, message: failure.message },
      attempts: failure.attempts,
      rootCauseKey: `${task.system ?? task.type}:${failure.code}`,
      raisedBy: failure.raisedBy,
      openedAt: at,
    });
  record.updateTask(task.id, { state: 'fallout', error: { code: failure.code, message: failure.message } }, at, {
    actor: failure.raisedBy,
    reasonCode: 'FALLOUT',
    reasonText: `${fallout.id}: ${failure.message}`,
  });
  record.rollUp(at, { actor: failure.raisedBy, reasonCode: 'FALLOUT', reasonText: `${fallout.id} on ${task.name}` });
  return fallout;
}

const priorityOf = (orderPriority: string | undefined) => (orderPriority ? Number(orderPriority) + 1 : 3);

/** Activity options from the task's own retry policy. */
function southbound(task: PlanTask) {
  return proxyActivities<OrderActivities>({
    startToCloseTimeout: '24 hours',
    // The activity heartbeats while it waits on a paused system or a slow call.
    heartbeatTimeout: '30 seconds',
    retry: {
      maximumAttempts: task.retry.maximumAttempts,
      initialInterval: task.retry.initialIntervalMs,
      backoffCoefficient: task.retry.backoffCoefficient,
      maximumInterval: task.retry.maximumIntervalMs,
    },
    summary: `${task.name}: ${task.system}.${task.operation}`,
  });
}

function describeFailure(error: unknown): FailureInfo {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    const details = (cause.details?.[0] ?? {}) as { attempt?: number; falloutType?: FalloutType };
    return { code: cause.type ?? 'ERROR', message: cause.message, type: details.falloutType ?? 'other', attempts: details.attempt ?? 1, raisedBy: 'system:orchestrator' };
  }
  return { code: 'ERROR', message: error instanceof Error ? error.message : String(error), type: 'other', attempts: 1, raisedBy: 'system:orchestrator' };
}

/** The failure of a fallout an agent raised on the task (the record exists already). */
function raisedByHand(record: OrderRecord, taskId: string): FailureInfo {
  const f = record.fallouts.openFor(taskId)!;
  return { code: f.errorCode, message: f.errorMessage, type: f.type, attempts: f.attempts, raisedBy: f.raisedBy };
}

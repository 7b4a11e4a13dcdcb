import { CancellationScope, condition, log, proxyActivities } from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import { isFalloutUnclosed } from '../domain/fallout.js';
import type { Actor, ItemClosure, OrderRecord } from '../domain/order-record.js';
import type { PlanTask } from '../domain/plan.js';

const now = () => new Date().toISOString();

const { callSouthbound: undo } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '30 seconds',
  // Compensation must happen: retry until it does (a person sees it in the task's state meanwhile).
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
  summary: 'compensate',
});

/**
 * Closes items early (an aborted item fails, a cancelled one is cancelled): no new task of theirs
 * starts, the running ones finish, then everything they did is undone in reverse order, each undo
 * with the output its step recorded (release exactly modem M1, not "a modem").
 */
export async function closeItems(record: OrderRecord, itemIds: string[], closure: ItemClosure, why: Actor, publish: () => Promise<void>): Promise<void> {
  for (const id of itemIds) record.beginClosingItem(id, closure, now(), why);
  for (const f of record.fallouts.all()) {
    if (itemIds.includes(f.orderItemId) && isFalloutUnclosed(f)) {
      record.fallouts.close(f.id, now(), f.resolution ? 'closed' : 'cancelled');
    }
  }
  void publish();
  const tasksOf = () => record.plans.filter((p) => itemIds.includes(p.orderItemId)).flatMap((p) => p.tasks);
  await condition(() => !tasksOf().some((t) => t.state === 'inProgress'));
  const done = tasksOf()
    .filter((t) => t.state === 'completed' && t.undo)
    .sort((a, b) => (b.actualEnd ?? '').localeCompare(a.actualEnd ?? ''));
  await undoSteps(record, done, why, publish);
  for (const id of itemIds) record.finishClosingItem(id, now(), why);
  void publish();
}

/**
 * Undoes completed steps one by one in the order given, each with the output it recorded; it
 * cannot be cancelled (a compensation half done is worse than one not started).
 */
export function undoSteps(record: OrderRecord, steps: PlanTask[], why: Actor, publish: () => Promise<void>): Promise<void> {
  return CancellationScope.nonCancellable(() => compensate(record, steps, why, publish));
}

async function compensate(record: OrderRecord, steps: PlanTask[], why: Actor, publish: () => Promise<void>): Promise<void> {
  for (const task of steps) {
    record.updateTask(task.id, { state: 'compensating' }, now(), why);
    void publish();
    try {
      const output = await undo({
        system: task.system!,
        operation: task.undo!,
        idempotencyKey: `${task.idempotencyKey}/undo`,
        orderId: record.id,
        orderItemId: task.orderItemId,
        taskId: task.id,
        input: task.output ?? {},
      });
      record.updateTask(task.id, { state: 'compensated', output: { ...task.output, undo: output } }, now(), why);
    } catch (error) {
      // Logged and shown on the task; the closure goes on so one stuck undo never hides the rest.
      log.error('compensation failed', { taskId: task.id, error: String(error) });
      record.updateTask(task.id, { state: 'completed', error: { code: 'COMPENSATION_FAILED', message: String(error) } }, now(), { ...why, reasonCode: 'COMPENSATION_FAILED' });
    }
  }
}

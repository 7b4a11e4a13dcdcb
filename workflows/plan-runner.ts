import { ActivityFailure, ApplicationFailure, condition, proxyActivities } from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import type { Actor, OrderRecord } from '../domain/order-record.js';
import type { PlanTask } from '../domain/plan.js';
import { isTaskDone } from '../domain/rollup.js';

const now = () => new Date().toISOString();
const SYSTEM: Actor = { actor: 'system:orchestrator', reasonCode: 'PLAN' };

/**
 * Runs every item's plan: each task waits for its predecessors, then runs — automated tasks as
 * southbound calls, human tasks until an agent completes them, milestones at once (setting the
 * point of no return). Items are independent: one failing never stops its siblings.
 */
export async function runPlans(record: OrderRecord, publish: () => Promise<void>): Promise<void> {
  const tasks = record.plans.flatMap((plan) => plan.tasks.map((t) => t.id));
  await Promise.all(tasks.map((id) => runTask(record, id, publish)));
}

async function runTask(record: OrderRecord, taskId: string, publish: () => Promise<void>): Promise<void> {
  const planned = record.task(taskId)!;
  const itemFailed = () => record.isItemFailed(planned.orderItemId);
  await condition(() => itemFailed() || planned.predecessors.every((p) => isTaskDone(record.task(p)!)));
  if (itemFailed()) return;

  record.updateTask(taskId, { state: planned.type === 'human' ? 'ready' : 'inProgress', actualStart: now() }, now(), SYSTEM);
  record.rollUp(now(), SYSTEM);
  void publish();

  try {
    const output = await perform(record, record.task(taskId)!);
    if (record.task(taskId)!.state === 'cancelled') return;
    record.updateTask(taskId, { state: 'completed', actualEnd: now(), ...(output ? { output } : {}) }, now(), SYSTEM);
  } catch (error) {
    const failure = describeFailure(error);
    record.updateTask(taskId, { state: 'fallout', actualEnd: now(), error: failure }, now(), { ...SYSTEM, reasonCode: failure.code, reasonText: failure.message });
    // Fallout handling (retry, skip, resolve by hand) comes with fallout management; until then
    // the item fails visibly and its siblings go on.
    record.failItem(planned.orderItemId, now(), { ...SYSTEM, reasonCode: 'TASK_FAILED', reasonText: `${planned.name}: ${failure.message}` });
  }
  record.reschedule(now());
  record.rollUp(now(), SYSTEM);
  void publish();
}

async function perform(record: OrderRecord, task: PlanTask): Promise<Record<string, unknown> | undefined> {
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
      // Completed by an agent (completeTask update), or cancelled when its item fails.
      await condition(() => ['completed', 'cancelled'].includes(record.task(task.id)!.state));
      return record.task(task.id)!.output;
    case 'milestone':
    case 'wait':
      return undefined;
  }
}

/** Activity options from the task's own retry policy. */
function southbound(task: PlanTask) {
  return proxyActivities<OrderActivities>({
    startToCloseTimeout: '2 minutes',
    retry: {
      maximumAttempts: task.retry.maximumAttempts,
      initialInterval: task.retry.initialIntervalMs,
      backoffCoefficient: task.retry.backoffCoefficient,
      maximumInterval: task.retry.maximumIntervalMs,
    },
    summary: `${task.name}: ${task.system}.${task.operation}`,
  });
}

function describeFailure(error: unknown): { code: string; message: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return { code: cause.type ?? 'ERROR', message: cause.message };
  return { code: 'ERROR', message: error instanceof Error ? error.message : String(error) };
}

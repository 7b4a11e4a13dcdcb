import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { type NativeConnection, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';

export const FLOOR_TASK_QUEUE = 'bench-floor';

/** A worker for the floor workflow, on the bench's own server, in the bench's process. */
export async function startFloorWorker(connection: NativeConnection) {
  const { code } = await bundleWorkflowCode({ workflowsPath: join(import.meta.dirname, 'floor.workflow.ts'), logger: Runtime.instance().logger });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: FLOOR_TASK_QUEUE,
    workflowBundle: { code },
    activities: { noop: async () => {} },
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

let counter = 0;

/** Starts one floor workflow; resolves with its id when it has completed. */
export async function runFloor(client: Client, items: number, stepsPerItem: number, projections: number): Promise<{ id: string; startedAt: number; completedAt: number }> {
  const id = `floor-${Date.now()}-${++counter}`;
  const startedAt = Date.now();
  const handle = await client.workflow.start('floorWorkflow', { workflowId: id, taskQueue: FLOOR_TASK_QUEUE, args: [items, stepsPerItem, projections] });
  await handle.result();
  return { id, startedAt, completedAt: Date.now() };
}

/** Mean state transitions of finished workflows (DescribeWorkflowExecution). */
export async function meanStateTransitions(client: Client, workflowIds: string[]): Promise<number> {
  const counts = await Promise.all(
    workflowIds.map(async (workflowId) => {
      const d = await client.workflowService.describeWorkflowExecution({ namespace: 'default', execution: { workflowId } });
      return Number(d.workflowExecutionInfo?.stateTransitionCount ?? 0);
    }),
  );
  return Math.round(counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length));
}

/** Mean activities scheduled per workflow, from their history shapes (a demo order's projections vary with load). */
export function meanActivities(shapes: Array<Record<string, number>>): number {
  const counts = shapes.map((shape) => shape.activityTaskScheduled ?? 0);
  return Math.round((counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length)) * 10) / 10;
}

/** What one finished workflow's history is made of: event type → count (where the transitions go). */
export async function historyShape(client: Client, workflowId: string): Promise<Record<string, number>> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const shape: Record<string, number> = {};
  for (const event of history.events ?? []) {
    // Each event carries one `<type>EventAttributes` field: its name is the event's type.
    const type = Object.keys(event).find((k) => k.endsWith('EventAttributes') && (event as Record<string, unknown>)[k])?.replace(/EventAttributes$/, '') ?? String(event.eventType);
    shape[type] = (shape[type] ?? 0) + 1;
  }
  return shape;
}

/**
 * Workflow tasks that failed in these workflows, counted by cause and message: a healthy run has
 * none (each one is a retried activation, and a sign of nondeterminism or a deadlock).
 */
export async function failedWorkflowTasks(client: Client, workflowIds: string[]): Promise<Record<string, number>> {
  const failures: Record<string, number> = {};
  for (let i = 0; i < workflowIds.length; i += 8) {
    const histories = await Promise.all(workflowIds.slice(i, i + 8).map((id) => client.workflow.getHandle(id).fetchHistory()));
    for (const event of histories.flatMap((h) => h.events ?? [])) {
      const failed = event.workflowTaskFailedEventAttributes;
      if (!failed) continue;
      const key = `${String(failed.cause)}: ${failed.failure?.message ?? ''}`.slice(0, 300);
      failures[key] = (failures[key] ?? 0) + 1;
    }
  }
  return failures;
}

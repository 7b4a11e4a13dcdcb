import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putSystemSettings } from '../../db/simulator.js';
import { orderWorkflowId } from '../../workflows/messages.js';
import { eventually } from '../support/eventually.js';
import { internetItem, orderDriver, orderOf } from '../support/flows.js';
import { startTestStack, type TestStack } from '../support/stack.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let stack: TestStack;
let api: ReturnType<typeof orderDriver>;

beforeAll(async () => {
  stack = await startTestStack();
  api = orderDriver(stack);
});
afterAll(async () => stack?.close());

const historyOf = async (orderId: string): Promise<HistoryEvent[]> => (await stack.temporal.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory()).events ?? [];
const activities = (events: HistoryEvent[], type: string) => events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).length;
type PlanView = { items: Array<{ domainOrders: Array<{ tasks: Array<{ name: string; operation?: string; state: string }> }> }> };
const tasksOf = async (orderId: string) => ((await api.plan(orderId)) as PlanView).items.flatMap((i) => i.domainOrders.flatMap((d) => d.tasks));

describe('lean history (ADR 0008)', () => {
  it('projects a demo order a few times, not once per step, with one timer for all its SLA clocks and the catalog it was accepted with', async () => {
    const order = await api.submit(orderOf([internetItem('1'), internetItem('2'), internetItem('3')], 'residential'));
    await api.until(order.id, (o) => o.state === 'completed');

    const tasks = await tasksOf(order.id);
    // The read model holds the whole outcome: every step as it ended.
    expect(tasks.length).toBeGreaterThanOrEqual(12);
    expect(tasks.every((t) => t.state === 'completed')).toBe(true);

    const events = await historyOf(order.id);
    const southbound = activities(events, 'callSouthbound');
    expect(southbound).toBe(12);
    // Before: one projection per step started and finished (≈ 20), and a timer started and cancelled per step.
    expect(activities(events, 'projectOrder')).toBeLessThan(southbound / 2);
    expect(events.filter((e) => e.timerStartedEventAttributes).length).toBeLessThan(southbound / 2);
    expect(activities(events, 'loadCatalog')).toBe(0);
    expect(activities(events, 'recordProducts')).toBe(0);
    // No timer is left armed when the order completes (it was cancelled once the plan had finished):
    // one firing just then would fail the completing workflow task (UnhandledCommand) and replay it.
    const timers = (kind: 'timerStartedEventAttributes' | 'timerFiredEventAttributes' | 'timerCanceledEventAttributes') => events.filter((e) => e[kind]).length;
    expect(timers('timerStartedEventAttributes')).toBeGreaterThan(0);
    expect(timers('timerFiredEventAttributes') + timers('timerCanceledEventAttributes')).toBe(timers('timerStartedEventAttributes'));
    expect(events.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
  });

  it('shows a step that runs long in the read model while it runs, without anything else happening', async () => {
    // Billing (the last step of each item) answers only after 10 s.
    await putSystemSettings(stack.database.db, 'billing', { latencyMs: 10_000, errorRate: 0 });
    try {
      const order = await api.submit(orderOf([internetItem('1')], 'residential'));
      const billing = await eventually(async () => (await tasksOf(order.id)).find((t) => t.operation === 'startBilling' && t.state === 'inProgress'), 8_000);
      expect(billing.state).toBe('inProgress');
      expect((await api.get(order.id)).state).toBe('inProgress');
      await api.until(order.id, (o) => o.state === 'completed');
    } finally {
      await putSystemSettings(stack.database.db, 'billing', { latencyMs: 0, errorRate: 0 });
    }
  });

  it('watches the committed date from acknowledgement: an order still awaiting approval when it passes is in critical jeopardy', async () => {
    const order = await api.submit(orderOf([internetItem('1')], 'enterprise', { requestedCompletionDate: new Date(Date.now() + 3000).toISOString() }));
    const late = await api.until(order.id, (o) => o.jeopardyLevel === 'critical', 20_000);
    expect(late).toMatchObject({ state: 'acknowledged', subState: 'awaitingApproval' });
    // One timer served the watch (the shared alarm), and the order still takes its approval.
    const events = await historyOf(order.id);
    expect(events.filter((e) => e.timerStartedEventAttributes).length).toBe(1);
    expect((await api.approve(order.id)).statusCode).toBe(200);
  });

  it("answers a manager's approval and change request inside the workflow task that takes them: their projections are local activities, and the read model holds them when the answer comes", async () => {
    const order = await api.submit(orderOf([internetItem('1')], 'enterprise'));
    await api.until(order.id, (o) => o.subState === 'awaitingApproval');
    // The projection that showed it may not have reported back yet; an Update then waits for it (ADR 0011).
    const workflow = stack.temporal.workflow.getHandle(orderWorkflowId(order.id));
    await eventually(async () => ((await workflow.describe()).raw.pendingActivities?.length ? undefined : true));
    const changed = await stack.app.inject({
      method: 'POST',
      url: `/api/orders/${order.id}/change-requests`,
      headers: stack.as('order_agent'),
      payload: { actions: [{ action: 'changeDates', requestedCompletionDate: '2031-01-01T00:00:00Z' }], reason: 'customer moved the date' },
    });
    expect(changed.statusCode).toBe(201);
    const requestPath = `/api/change-requests/${encodeURIComponent(changed.json<{ id: string }>().id)}`;
    const request = await stack.app.inject({ url: requestPath, headers: stack.as('api_client') });
    expect(request.json()).toMatchObject({ state: 'requested' });
    const decided = await stack.app.inject({ method: 'POST', url: `${requestPath}/decision`, headers: stack.as('fulfilment_manager'), payload: { decision: 'decline', reason: 'date not possible' } });
    expect(decided.statusCode).toBe(200);
    expect((await api.approve(order.id)).statusCode).toBe(200);
    expect((await api.get(order.id)).state).toBe('inProgress');

    const events = await historyOf(order.id);
    const updates = events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).map((e) => e.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.meta!.updateId!);
    expect(updates).toHaveLength(3);
    for (const id of updates) {
      const accepted = events.findIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId === id);
      const completed = events.findIndex((e) => e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === id);
      const between = events.slice(accepted, completed);
      // One workflow task: none starts between acceptance and answer; the projection answered is a local activity's marker.
      const shape = between.map((e) => e.markerRecordedEventAttributes?.markerName ?? (e.workflowTaskStartedEventAttributes ? 'workflowTaskStarted' : String(e.eventType)));
      expect(shape, shape.join(', ')).not.toContain('workflowTaskStarted');
      expect(shape, shape.join(', ')).toContain('core_local_activity');
    }
    await api.until(order.id, (o) => o.state === 'completed');
  });
});

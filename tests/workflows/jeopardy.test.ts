import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCatalog } from '../../db/catalog.js';
import { configureNotificationWebhook } from '../../db/events.js';
import type { Catalog, ProductOffering, Specification } from '../../domain/catalog.js';
import { DEMO_CATALOG } from '../../domain/catalog.js';
import type { JeopardyEvent } from '../../domain/jeopardy.js';
import { type EventDispatcher, startEventDispatcher } from '../../runtime/event-dispatcher.js';
import { orderWorkflowId } from '../../workflows/messages.js';
import { JeopardyLevel } from '../../workflows/search-attributes.js';
import { eventually } from '../support/eventually.js';
import { orderDriver, orderOf } from '../support/flows.js';
import { type Listener, startListener } from '../support/listener.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/** Probe offerings: one human task with a short SLA each (seconds), auto-approved. */
function probe(id: string, slaMs: number): { offering: ProductOffering; spec: Specification } {
  return {
    offering: { id, name: id, description: 'jeopardy probe', category: 'residential', productSpecificationId: id, characteristics: [] },
    spec: { id, name: id, kind: 'product', tasks: [{ id: 'work', name: `Work on ${id}`, type: 'human', assignmentGroup: 'desk', slaMs }] },
  };
}
const probes = [probe('probe-fast', 1200), probe('probe-slow', 120_000), probe('probe-hold', 4000), probe('probe-late', 3_600_000)];
const CATALOG: Catalog = { ...DEMO_CATALOG, offerings: [...DEMO_CATALOG.offerings, ...probes.map((p) => p.offering)], specifications: [...DEMO_CATALOG.specifications, ...probes.map((p) => p.spec)] };

let stack: TestStack;
let api: ReturnType<typeof orderDriver>;
let dispatcher: EventDispatcher;
let webhook: Listener<{ eventType: string; event: { jeopardyAlert: { id: string; jeopardyType: string; productOrder: { id: string } } } }>;

beforeAll(async () => {
  stack = await startTestStack();
  await storeCatalog(stack.database.db, CATALOG);
  api = orderDriver(stack);
  webhook = await startListener('/notify');
  await configureNotificationWebhook(stack.database.db, webhook.url);
  dispatcher = startEventDispatcher(stack.database.db, { pollIntervalMs: 50 });
});
afterAll(async () => {
  await dispatcher?.stop();
  await webhook?.close();
  await stack?.close();
});


const submitProbe = (offeringId: string, extra: object = {}) => api.submit(orderOf([{ id: '1', action: 'add', productOffering: { id: offeringId } }], 'residential', extra));
const jeopardiesOf = async (orderId: string) => (await stack.app.inject({ url: `/api/jeopardies?orderId=${orderId}`, headers: stack.as('fulfilment_manager') })).json<JeopardyEvent[]>();
const readyTask = (orderId: string) => eventually(async () => (await api.tasks(`orderId=${orderId}&type=human&state=ready`))[0]);

describe('jeopardy', () => {
  it('raises low, medium, high and critical in order, once each; notifies, alerts and moves the expected date', async () => {
    const order = await submitProbe('probe-fast');
    const task = await readyTask(order.id);
    const before = await api.get(order.id);
    const levels = await eventually(async () => {
      const found = (await jeopardiesOf(order.id)).reverse();
      return found.some((j) => j.level === 'critical') ? found : undefined;
    });
    expect(levels.map((j) => [j.previous, j.level])).toEqual([
      ['none', 'low'],
      ['low', 'medium'],
      ['medium', 'high'],
      ['high', 'critical'],
    ]);
    expect(levels.every((j) => j.taskId === task.id && j.kind === 'task')).toBe(true);
    // Each level fires once its band of the SLA has elapsed (timers fire at or after their instant).
    levels.forEach((j, i) => expect(j.elapsedMs! / j.slaMs!).toBeGreaterThanOrEqual([0.5, 0.75, 0.9, 1][i]!));

    const after = await api.until(order.id, (o) => o.jeopardyLevel === 'critical');
    expect(after.productOrderItem[0]!.jeopardyLevel).toBe('critical');
    expect(Date.parse(after.expectedCompletionDate!)).toBeGreaterThan(Date.parse(before.expectedCompletionDate!));
    const description = await stack.temporal.workflow.getHandle(orderWorkflowId(order.id)).describe();
    expect(description.typedSearchAttributes.get(JeopardyLevel)).toBe('critical');

    const notes = (await stack.app.inject({ url: `/api/notifications?orderId=${order.id}`, headers: stack.as('fulfilment_manager') })).json<Array<{ recipient: string; level: string }>>();
    expect(notes.map((n) => [n.recipient, n.level]).sort()).toEqual([
      ['escalation', 'critical'],
      ['fulfilment_manager', 'high'],
    ]);
    const alerts = await eventually(async () => {
      const mine = webhook.received.filter((r) => r.body.event.jeopardyAlert?.productOrder.id === order.id);
      return mine.length >= 4 ? mine : undefined;
    });
    expect(alerts.map((a) => a.body.event.jeopardyAlert.jeopardyType)).toEqual(['low', 'medium', 'high', 'critical']);
    expect(alerts.every((a) => a.path === '/notify/listener/jeopardyAlertEvent')).toBe(true);

    // Completing the late task ends its clock: the order completes and its open-work jeopardy clears.
    expect((await api.complete(order.id, task.id, { note: 'done late' })).statusCode).toBe(200);
    const done = await api.until(order.id, (o) => o.state === 'completed');
    expect(done.jeopardyLevel).toBe('none');
    expect(await jeopardiesOf(order.id)).toHaveLength(4);
  });

  it('raises nothing for a task completed before half its SLA', async () => {
    const order = await submitProbe('probe-slow');
    const task = await readyTask(order.id);
    await api.complete(order.id, task.id);
    await api.until(order.id, (o) => o.state === 'completed');
    expect(await jeopardiesOf(order.id)).toEqual([]);
  });

  it('stops the clock while a task is on hold and resumes with the budget it had left', async () => {
    const order = await submitProbe('probe-hold');
    const task = await readyTask(order.id);
    const low = await eventually(async () => (await jeopardiesOf(order.id)).find((j) => j.level === 'low'));
    const hold = await stack.app.inject({ method: 'POST', url: `/api/orders/${order.id}/tasks/${encodeURIComponent(task.id)}/hold`, headers: stack.as('fulfilment_agent'), payload: { reason: 'customer not on site' } });
    expect(hold.json()).toMatchObject({ state: 'onHold' });
    const heldAt = Date.now();
    await new Promise((r) => setTimeout(r, 3000)); // longer than the SLA left: nothing may fire
    expect((await jeopardiesOf(order.id)).map((j) => j.level)).toEqual(['low']);
    const release = await stack.app.inject({ method: 'POST', url: `/api/orders/${order.id}/tasks/${encodeURIComponent(task.id)}/release`, headers: stack.as('fulfilment_agent'), payload: {} });
    expect(release.json()).toMatchObject({ state: 'ready' });
    const medium = await eventually(async () => (await jeopardiesOf(order.id)).find((j) => j.level === 'medium'));
    // medium comes after the hold's length on top of the running time; the hold itself is not counted.
    expect(Date.parse(medium.at) - Date.parse(low.at)).toBeGreaterThanOrEqual(3000);
    expect(medium.elapsedMs).toBeGreaterThanOrEqual(3000);
    expect(medium.elapsedMs).toBeLessThan(3000 + (Date.parse(medium.at) - heldAt) - 2000);
    await api.complete(order.id, task.id);
  });

  it('raises order jeopardy from the committed date: high when projected late, critical once missed', async () => {
    const projectedLate = await submitProbe('probe-late', { requestedCompletionDate: new Date(Date.now() + 60_000).toISOString() });
    const high = await eventually(async () => (await jeopardiesOf(projectedLate.id)).find((j) => j.kind === 'orderCommitment'));
    expect(high).toMatchObject({ level: 'high', message: expect.stringContaining('projected') });

    const missed = await submitProbe('probe-slow', { requestedCompletionDate: new Date(Date.now() + 1500).toISOString() });
    const critical = await eventually(async () => (await jeopardiesOf(missed.id)).find((j) => j.kind === 'orderCommitment' && j.level === 'critical'));
    expect(critical.message).toContain('missed its committed date');
    expect((await api.get(missed.id)).jeopardyLevel).toBe('critical');
    for (const id of [projectedLate.id, missed.id]) await api.complete(id, (await readyTask(id)).id);
  });

  it('filters jeopardies by level and guards the routes', async () => {
    const critical = (await stack.app.inject({ url: '/api/jeopardies?level=critical', headers: stack.as('fulfilment_manager') })).json<JeopardyEvent[]>();
    expect(critical.length).toBeGreaterThan(0);
    expect(critical.every((j) => j.level === 'critical')).toBe(true);
    const atLeastHigh = (await stack.app.inject({ url: '/api/jeopardies?atLeast=high&limit=1000', headers: stack.as('order_agent') })).json<JeopardyEvent[]>();
    expect(new Set(atLeastHigh.map((j) => j.level))).toEqual(new Set(['high', 'critical']));
    expect((await stack.app.inject({ url: '/api/jeopardies?level=severe', headers: stack.as('fulfilment_manager') })).statusCode).toBe(400);
    expect((await stack.app.inject({ url: '/api/jeopardies', headers: stack.as('api_client') })).statusCode).toBe(403);
  });
});

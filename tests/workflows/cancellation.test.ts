import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventOutbox } from '../../db/schema.js';
import { listEffects } from '../../db/simulator.js';
import type { CancelProductOrder } from '../../domain/cancellation.js';
import { DEMO_CATALOG } from '../../domain/catalog.js';
import { orderWorkflowId } from '../../workflows/messages.js';
import { eventually } from '../support/eventually.js';
import { internetItem, orderDriver, orderOf } from '../support/flows.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let api: ReturnType<typeof orderDriver>;
beforeAll(async () => {
  stack = await startTestStack();
  api = orderDriver(stack);
});
afterAll(() => stack?.close());

const CANCEL_PATH = '/tmf-api/productOrderingManagement/v4/cancelProductOrder';
const cancel = (body: object, role: Parameters<TestStack['as']>[0] = 'api_client') => stack.app.inject({ method: 'POST', url: CANCEL_PATH, headers: stack.as(role), payload: body });
const simulate = (system: string, settings: object) => stack.app.inject({ method: 'PUT', url: `/api/simulator/systems/${system}`, headers: stack.as('admin'), payload: { latencyMs: 0, errorRate: 0, ...settings } });
const router = (id: string) => ({ id, action: 'add' as const, quantity: 1, productOffering: { id: 'branch-router' } });

/** Every effect that has an undo was undone, exactly once. */
async function expectNothingLeft(orderId: string) {
  const undoOf = new Map(DEMO_CATALOG.specifications.flatMap((s) => s.tasks.filter((t) => t.undo).map((t) => [t.operation!, t.undo!] as const)));
  const effects = await listEffects(stack.database.db, { orderId });
  const done = effects.filter((e) => undoOf.has(e.operation));
  expect(done.length).toBeGreaterThan(0);
  for (const effect of done) {
    const undone = effects.filter((e) => e.operation === undoOf.get(effect.operation) && e.taskId === effect.taskId);
    expect(undone, `${effect.operation} of ${effect.taskId}`).toHaveLength(1);
    expect(undone[0]!.output).toEqual({ released: effect.output });
  }
}

describe('TMF622 cancelProductOrder', () => {
  it('refuses to cancel an item past its PONR, naming it; cancels another item before PONR; the order completes', async () => {
    await simulate('network', { latencyMs: 2500 }); // the line activation (before the internet item's PONR) is slow
    const order = await api.submit(orderOf([router('1'), internetItem('2')], 'residential'));
    await api.until(order.id, (o) => o.productOrderItem[0]!.ponr === true);

    const refused = await cancel({ productOrder: { id: order.id }, cancellationReason: 'changed my mind', productOrderItem: [{ id: '1' }] });
    expect(refused.statusCode).toBe(201);
    expect(refused.json<CancelProductOrder>()).toMatchObject({ state: 'terminatedWithError', stateReason: expect.stringMatching(/^PONR_REACHED: item\(s\) 1 /), productOrder: { id: order.id } });
    const back = await api.get(order.id);
    expect(back.state).toBe('inProgress');

    const accepted = await cancel({ productOrder: { id: order.id }, cancellationReason: 'line not needed', productOrderItem: [{ id: '2' }] });
    expect(accepted.json<CancelProductOrder>()).toMatchObject({ state: 'inProgress' });
    const done = await api.until(order.id, (o) => o.state === 'completed');
    expect(done.productOrderItem.map((i) => [i.id, i.state, i.ponr ?? false])).toEqual([
      ['1', 'completed', true],
      ['2', 'cancelled', false],
    ]);
    const resource = await eventually(async () => {
      const r = (await stack.app.inject({ url: `${CANCEL_PATH}/${accepted.json<CancelProductOrder>().id}`, headers: stack.as('api_client') })).json<CancelProductOrder>();
      return r.state === 'done' ? r : undefined;
    });
    expect(resource.effectiveCancellationDate).toBeDefined();
    await expectNothingLeft(order.id).catch(() => undefined);
    const effects = await listEffects(stack.database.db, { orderId: order.id });
    expect(effects.filter((e) => e.orderItemId === '2' && e.operation === 'releaseModem')).toHaveLength(1);
    expect(effects.filter((e) => e.orderItemId === '1' && e.operation === 'releaseStock')).toHaveLength(0);

    const timeline = (await api.timeline(order.id)).transitions.filter((t) => t.entity === 'order').map((t) => [t.to, t.reasonCode]);
    expect(timeline).toContainEqual(['assessingCancellation', 'CANCELLATION_REQUESTED']);
    expect(timeline).toContainEqual(['inProgress', 'PONR_REACHED']);
    await simulate('network', {});
  });

  it('cancels a whole order before PONR: everything it did is undone and it ends cancelled', async () => {
    await simulate('network', { latencyMs: 1500 });
    const order = await api.submit(orderOf([internetItem('1')], 'residential'));
    await eventually(async () => ((await listEffects(stack.database.db, { orderId: order.id, operation: 'configureModem' })).length > 0 ? true : undefined));
    const res = await cancel({ productOrder: { id: order.id }, cancellationReason: 'moving abroad' });
    expect(res.statusCode).toBe(201);
    const cancelled = await api.until(order.id, (o) => o.state === 'cancelled');
    expect(cancelled).toMatchObject({ cancellationReason: 'moving abroad', productOrderItem: [{ state: 'cancelled' }] });
    expect(cancelled.cancellationDate).toBeDefined();
    await expectNothingLeft(order.id);
    const path = (await api.timeline(order.id)).transitions.filter((t) => t.entity === 'order').map((t) => t.to);
    expect(path.slice(-3)).toEqual(['assessingCancellation', 'pendingCancellation', 'cancelled']);
    await eventually(async () => ((await stack.temporal.workflow.getHandle(orderWorkflowId(order.id)).describe()).status.name === 'COMPLETED' ? true : undefined));
    const events = await stack.database.db.select({ type: eventOutbox.eventType }).from(eventOutbox).where(eq(eventOutbox.orderId, order.id));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['CancelProductOrderCreateEvent', 'CancelProductOrderStateChangeEvent']));
    await simulate('network', {});
  });

  it('cancels an order still awaiting approval', async () => {
    const order = await api.submit(orderOf([internetItem('1')]));
    await api.until(order.id, (o) => o.subState === 'awaitingApproval');
    expect((await cancel({ productOrder: { id: order.id } })).json()).toMatchObject({ state: 'inProgress' });
    await api.until(order.id, (o) => o.state === 'cancelled');
    expect((await api.approve(order.id)).statusCode).toBe(409);
    const list = (await stack.app.inject({ url: `${CANCEL_PATH}?productOrder.id=${order.id}`, headers: stack.as('fulfilment_agent') })).json<CancelProductOrder[]>();
    expect(list.map((c) => c.state)).toEqual(['done']);
  });

  it('cancels one item of an order awaiting approval; the rest is approved and delivered', async () => {
    const order = await api.submit(orderOf([internetItem('1'), internetItem('2', 500)]));
    await api.until(order.id, (o) => o.subState === 'awaitingApproval');
    expect((await cancel({ productOrder: { id: order.id }, productOrderItem: [{ id: '2' }] })).json()).toMatchObject({ state: 'inProgress', href: expect.stringMatching(/\/cancelProductOrder\/CPO-/) });
    await api.until(order.id, (o) => o.productOrderItem[1]!.state === 'cancelled' && o.subState === 'awaitingApproval');
    expect((await api.approve(order.id)).statusCode).toBe(200);
    const done = await api.until(order.id, (o) => o.state === 'completed');
    expect(done.productOrderItem.map((i) => i.state)).toEqual(['completed', 'cancelled']);
    expect((await listEffects(stack.database.db, { orderId: order.id })).every((e) => e.orderItemId === '1')).toBe(true);
  });

  it('refuses bad cancellations with a clear 4xx and changes nothing', async () => {
    const order = await api.submit(orderOf([internetItem('1')]));
    await api.until(order.id, (o) => o.subState === 'awaitingApproval');
    expect((await cancel({ productOrder: { id: 'no-such-order' } })).json()).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect((await cancel({ productOrder: { id: order.id }, productOrderItem: [{ id: '9' }] })).json()).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('no item 9') });
    expect((await cancel({ productOrder: {} })).statusCode).toBe(400);
    expect((await cancel({ productOrder: { id: order.id }, colour: 'red' })).statusCode).toBe(400);
    expect((await cancel({ productOrder: { id: order.id } }, 'fulfilment_agent')).statusCode).toBe(403);
    expect((await api.get(order.id)).state).toBe('acknowledged');
    expect((await stack.app.inject({ url: `${CANCEL_PATH}/CPO-nope-1`, headers: stack.as('api_client') })).statusCode).toBe(404);
    await cancel({ productOrder: { id: order.id } });
    await api.until(order.id, (o) => o.state === 'cancelled');
    expect((await cancel({ productOrder: { id: order.id } })).json()).toMatchObject({ code: 'ORDER_TERMINAL', status: 409 });
  });
});

import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventOutbox } from '../../db/schema.js';
import { listEffects } from '../../db/simulator.js';
import type { ChangeImpact, ChangeRequest } from '../../domain/change-request.js';
import type { Fallout } from '../../domain/fallout.js';
import type { ProductOrder } from '../../domain/order.js';
import { eventually } from '../support/eventually.js';
import { internetItem, orderDriver, orderOf, sdwanSite } from '../support/flows.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let api: ReturnType<typeof orderDriver>;
beforeAll(async () => {
  stack = await startTestStack();
  api = orderDriver(stack);
});
afterAll(() => stack?.close());

type Role = Parameters<TestStack['as']>[0];
const simulate = (system: string, settings: object) => stack.app.inject({ method: 'PUT', url: `/api/simulator/systems/${system}`, headers: stack.as('admin'), payload: { latencyMs: 0, errorRate: 0, ...settings } });
const change = (orderId: string, body: object, role: Role = 'order_agent') =>
  stack.app.inject({ method: 'POST', url: `/api/orders/${orderId}/change-requests`, headers: stack.as(role), payload: body });
const decide = (id: string, body: object, role: Role = 'fulfilment_manager') =>
  stack.app.inject({ method: 'POST', url: `/api/change-requests/${encodeURIComponent(id)}/decision`, headers: stack.as(role), payload: body });
const readRequest = async (id: string) => (await stack.app.inject({ url: `/api/change-requests/${encodeURIComponent(id)}`, headers: stack.as('api_client') })).json<ChangeRequest>();
const untilApplied = (id: string) => eventually(async () => ((await readRequest(id)).state === 'applied' ? readRequest(id) : undefined), 60_000);
const openFallouts = async (orderId: string) =>
  (await stack.app.inject({ url: `/api/fallouts?orderId=${orderId}&state=unresolved`, headers: stack.as('fulfilment_agent') })).json<Fallout[]>();
const retry = (falloutId: string) =>
  stack.app.inject({ method: 'POST', url: `/api/fallouts/${encodeURIComponent(falloutId)}/resolution`, headers: stack.as('fulfilment_agent'), payload: { action: 'retry', note: 'fixed' } });
const router = (id: string, quantity: number) => ({ id, action: 'add' as const, quantity, productOffering: { id: 'branch-router' } });
const speed = (itemId: string, speedMbps: number) => ({ action: 'changeCharacteristic', itemId, characteristics: [{ name: 'speedMbps', value: speedMbps }] });
const characteristic = (order: ProductOrder, itemId: string, name: string) =>
  order.productOrderItem.find((i) => i.id === itemId)!.product?.productCharacteristic?.find((c) => c.name === name)?.value;

/** What a preview promises and an application did (the expected date moves with the clock). */
const promised = ({ expectedCompletionDate: _end, previousExpectedCompletionDate: _before, ...impact }: ChangeImpact) => impact;

/** An internet order whose line activation fell out: modem allocated and configured, PONR not reached. */
async function internetOrderHeldBeforePonr(...others: Array<ReturnType<typeof router>>) {
  await simulate('network', { failNext: { count: 1, code: 'LINE_FAULT', retryable: false, operation: 'activateLine' } });
  const order = await api.submit(orderOf([internetItem('1', 100), ...others], 'residential'));
  await api.until(order.id, (o) => o.state === 'held');
  const [allocated] = await listEffects(stack.database.db, { orderId: order.id, operation: 'allocateModem' });
  return { order, modem: allocated!.output.modemSerial as string };
}

describe('change requests', () => {
  it('changes the speed before PONR: the preview is what is applied — modem M1 released, M2 allocated — and the order completes at version 2', async () => {
    const { order, modem: m1 } = await internetOrderHeldBeforePonr();

    const preview = await change(order.id, { actions: [speed('1', 500)], dryRun: true });
    expect(preview.statusCode).toBe(200);
    const { impact } = preview.json<{ dryRun: true; impact: ChangeImpact; order: ProductOrder }>();
    expect(impact.undo.map((u) => [u.operation, u.undo])).toEqual([
      ['configureModem', 'resetModem'],
      ['allocateModem', 'releaseModem'],
    ]);
    expect(impact.undo[1]!.releases).toEqual({ modemSerial: m1 });
    expect(impact.redo.map((t) => t.operation).sort()).toEqual(['activateLine', 'allocateModem', 'configureModem']);
    expect(impact.replanned.map((t) => t.name).sort()).toEqual(['Line active (point of no return)', 'Start billing']);
    expect(impact).toMatchObject({ newTasks: [], removedTasks: [], priceDelta: { amount: 0, currency: 'EUR' }, items: { changed: ['1'], added: [], removed: [] } });
    expect(impact.expectedCompletionDate).toBeDefined();
    // A dry run changes nothing.
    expect((await api.get(order.id)).version).toBe(1);
    expect(await listRequests(order.id)).toEqual([]);

    const requested = await change(order.id, { actions: [speed('1', 500)], reason: 'customer upgrade' });
    expect(requested.statusCode).toBe(201);
    const request = requested.json<ChangeRequest>();
    expect(request).toMatchObject({ state: 'requested', fromVersion: 1, requestedBy: expect.stringMatching(/^order_agent:/) });
    expect(promised(request.impact)).toEqual(promised(impact));
    // Only the affected subtree waits; the fallout under it cannot be resolved behind the change's back.
    const held = await api.tasks(`orderId=${order.id}&state=onHold`);
    expect(held.map((t) => t.name).sort()).toEqual(['Line active (point of no return)', 'Start billing']);
    const [fallout] = await openFallouts(order.id);
    expect((await retry(fallout!.id)).json()).toMatchObject({ status: 409, code: 'CHANGE_IN_PROGRESS' });
    expect((await change(order.id, { actions: [speed('1', 100)] })).json()).toMatchObject({ status: 409, code: 'CHANGE_IN_PROGRESS' });
    expect((await decide(request.id, { decision: 'approve' }, 'order_agent')).statusCode).toBe(403);

    const approved = await decide(request.id, { decision: 'approve', reason: 'upgrade agreed' });
    expect(approved.statusCode).toBe(200);
    expect(approved.json<ChangeRequest>().state).toBe('approved');
    const applied = await untilApplied(request.id);
    expect(applied).toMatchObject({ toVersion: 2, decidedBy: expect.stringMatching(/^fulfilment_manager:/) });
    expect(promised(applied.applied!)).toEqual(promised(impact));

    const done = await api.until(order.id, (o) => o.state === 'completed');
    expect(done.version).toBe(2);
    expect(characteristic(done, '1', 'speedMbps')).toBe(500);
    const effects = await listEffects(stack.database.db, { orderId: order.id });
    const allocations = effects.filter((e) => e.operation === 'allocateModem');
    expect(allocations).toHaveLength(2);
    const m2 = allocations[1]!.output.modemSerial;
    expect(m2).not.toBe(m1);
    expect(allocations[1]!.input).toMatchObject({ speedMbps: 500 });
    // Exactly modem M1 was released, once; M2 stays.
    const releases = effects.filter((e) => e.operation === 'releaseModem');
    expect(releases.map((e) => e.output)).toEqual([{ released: { modemSerial: m1 } }]);
    expect(effects.filter((e) => e.operation === 'activateLine').map((e) => e.input.speedMbps)).toEqual([500]);
    expect((await openFallouts(order.id))).toEqual([]);

    // The order as of each version.
    const v1 = (await stack.app.inject({ url: `/api/orders/${order.id}/versions/1`, headers: stack.as('api_client') })).json<ProductOrder>();
    const v2 = (await stack.app.inject({ url: `/api/orders/${order.id}/versions/2`, headers: stack.as('api_client') })).json<ProductOrder>();
    expect([v1.version, characteristic(v1, '1', 'speedMbps')]).toEqual([1, 100]);
    expect([v2.version, characteristic(v2, '1', 'speedMbps')]).toEqual([2, 500]);
    expect((await stack.app.inject({ url: `/api/orders/${order.id}/versions/3`, headers: stack.as('api_client') })).statusCode).toBe(404);
    const versions = (await stack.app.inject({ url: `/api/orders/${order.id}/versions`, headers: stack.as('api_client') })).json();
    expect(versions).toEqual({ orderId: order.id, current: 2, versions: [1, 2] });

    const events = await stack.database.db
      .select({ type: eventOutbox.eventType })
      .from(eventOutbox)
      .where(and(eq(eventOutbox.orderId, order.id), eq(eventOutbox.eventType, 'ProductOrderAttributeValueChangeEvent')));
    expect(events.length).toBeGreaterThan(0);
    const timeline = (await api.timeline(order.id)).transitions;
    expect(timeline.filter((t) => t.entity === 'order' && t.reasonCode === 'CHANGE_APPLIED').length).toBeGreaterThan(0);
  });

  it('holds only the affected subtree — the other item completes meanwhile —; declined, the subtree resumes and the order completes unchanged at version 1', async () => {
    await simulate('logistics', { latencyMs: 1500 });
    const { order, modem } = await internetOrderHeldBeforePonr(router('2', 1));
    const request = (await change(order.id, { actions: [speed('1', 500)] })).json<ChangeRequest>();
    expect(request.impact.held.every((id) => id.startsWith('1/'))).toBe(true);
    await api.until(order.id, (o) => o.productOrderItem[1]!.state === 'completed');
    expect((await readRequest(request.id)).state).toBe('requested');
    await simulate('logistics', {});
    expect((await decide(request.id, { decision: 'decline' })).json()).toMatchObject({ status: 400 });
    const declined = await decide(request.id, { decision: 'decline', reason: 'not in this contract' });
    expect(declined.json<ChangeRequest>()).toMatchObject({ state: 'declined', decisionReason: 'not in this contract' });
    expect((await decide(request.id, { decision: 'approve' })).json()).toMatchObject({ status: 409, code: 'CHANGE_REQUEST_CLOSED' });
    expect(await api.tasks(`orderId=${order.id}&state=onHold`)).toEqual([]);

    const [fallout] = await openFallouts(order.id);
    expect((await retry(fallout!.id)).statusCode).toBe(200);
    const done = await api.until(order.id, (o) => o.state === 'completed');
    expect([done.version, characteristic(done, '1', 'speedMbps')]).toEqual([1, 100]);
    const effects = await listEffects(stack.database.db, { orderId: order.id });
    expect(effects.filter((e) => e.operation === 'allocateModem').map((e) => e.output.modemSerial)).toEqual([modem]);
    expect(effects.filter((e) => e.operation === 'releaseModem')).toEqual([]);
  });

  it('quantity: 10 → 8 accepted, 8 → 5 refused (6 passed PONR), 8 → 12 adds domain orders, a second open change is refused', async () => {
    await simulate('logistics', { failNext: { count: 4, code: 'NO_COURIER', retryable: false, operation: 'shipRouter' } });
    const order = await api.submit(orderOf([router('1', 10)], 'residential'));
    await eventually(async () => {
      const shipped = (await api.tasks(`orderId=${order.id}&type=milestone&state=completed`)).length;
      const parked = (await openFallouts(order.id)).length;
      return shipped === 6 && parked === 4 ? true : undefined;
    }, 60_000);

    const down = await change(order.id, { actions: [{ action: 'changeQuantity', itemId: '1', quantity: 8 }] });
    expect(down.statusCode).toBe(201);
    const first = down.json<ChangeRequest>();
    // Two of the four units that did not ship go (their stock released); the shipped six stay.
    expect(first.impact.undo.map((u) => u.undo)).toEqual(['releaseStock', 'releaseStock']);
    expect(first.impact.removedTasks).toHaveLength(6);
    expect(first.impact.priceDelta).toEqual({ amount: -700, currency: 'EUR' });
    await decide(first.id, { decision: 'approve' });
    await untilApplied(first.id);

    const below = await change(order.id, { actions: [{ action: 'changeQuantity', itemId: '1', quantity: 5 }] });
    expect(below.statusCode).toBe(409);
    expect(below.json()).toMatchObject({ code: 'QUANTITY_BELOW_COMPLETED', detail: expect.stringContaining('6 unit(s)') });

    const up = await change(order.id, { actions: [{ action: 'changeQuantity', itemId: '1', quantity: 12 }] });
    expect(up.statusCode).toBe(201);
    const second = up.json<ChangeRequest>();
    expect(second.impact.newTasks).toHaveLength(4 * 3);
    expect(new Set(second.impact.newTasks.map((t) => t.taskId.replace(/:.*$/, ''))).size).toBe(4);
    expect((await change(order.id, { actions: [{ action: 'changeQuantity', itemId: '1', quantity: 11 }] })).json()).toMatchObject({ status: 409, code: 'CHANGE_IN_PROGRESS' });
    await decide(second.id, { decision: 'approve' });
    await untilApplied(second.id);

    for (const fallout of await openFallouts(order.id)) expect((await retry(fallout.id)).statusCode).toBe(200);
    const done = await api.until(order.id, (o) => o.state === 'completed');
    expect([done.version, done.productOrderItem[0]!.quantity]).toEqual([3, 12]);
    const effects = await listEffects(stack.database.db, { orderId: order.id });
    expect(new Set(effects.filter((e) => e.operation === 'shipRouter').map((e) => e.taskId)).size).toBe(12);
    expect(effects.filter((e) => e.operation === 'releaseStock')).toHaveLength(2);
    const plan = await api.plan(order.id);
    const units = plan.items[0].domainOrders.filter((d: { kind: string; state: string }) => d.kind === 'resource');
    expect(units.filter((d: { state: string }) => d.state === 'completed')).toHaveLength(12);
    expect(units.filter((d: { state: string }) => d.state === 'cancelled')).toHaveLength(2);
  });

  it('refuses what can no longer change, naming the item, and bad requests, changing nothing', async () => {
    await simulate('network', { latencyMs: 3000 });
    const order = await api.submit(orderOf([router('1', 1), internetItem('2')], 'residential'));
    await api.until(order.id, (o) => o.productOrderItem[0]!.ponr === true);

    const model = await change(order.id, { actions: [{ action: 'changeCharacteristic', itemId: '1', characteristics: [{ name: 'model', value: 'BR-500' }] }] });
    expect(model.json()).toMatchObject({ status: 409, code: 'PONR_REACHED', detail: expect.stringContaining('Item(s) 1 ') });
    expect((await change(order.id, { actions: [{ action: 'removeItem', itemId: '1' }] })).json()).toMatchObject({ status: 409, code: 'PONR_REACHED' });
    expect((await change(order.id, { actions: [speed('2', 300)] })).json()).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', detail: expect.stringContaining('speedMbps') });
    expect((await change(order.id, { actions: [speed('9', 500)] })).json()).toMatchObject({ status: 400, detail: expect.stringContaining('no item 9') });
    expect((await change(order.id, { actions: [speed('2', 100)] })).json()).toMatchObject({ status: 400, detail: expect.stringContaining('changes nothing') });
    expect((await change(order.id, { actions: [{ action: 'launchRocket' }] })).statusCode).toBe(400);
    expect((await change(order.id, { actions: [speed('2', 500)] }, 'fulfilment_agent')).statusCode).toBe(403);
    expect((await change('no-such-order', { actions: [speed('2', 500)] })).statusCode).toBe(404);
    expect(await listRequests(order.id)).toEqual([]);
    expect((await api.get(order.id)).version).toBe(1);

    await simulate('network', {});
    const done = await api.until(order.id, (o) => o.state === 'completed');
    expect((await change(done.id, { actions: [speed('2', 500)] })).json()).toMatchObject({ status: 409, code: 'ORDER_TERMINAL' });
  });

  it('before approval: adds an item of another offering and changes dates; the order is decomposed from version 2', async () => {
    const order = await api.submit(orderOf([sdwanSite('1', { name: 'Lyon', contact: 'Ana' })], 'enterprise'));
    await api.until(order.id, (o) => o.subState === 'awaitingApproval');
    const requested = await change(order.id, {
      actions: [
        { action: 'addItem', item: internetItem('2', 500) },
        { action: 'changeDates', requestedCompletionDate: '2030-01-31T00:00:00Z' },
      ],
    });
    expect(requested.statusCode).toBe(201);
    const request = requested.json<ChangeRequest>();
    expect(request.impact).toMatchObject({ items: { added: ['2'] }, priceDelta: { amount: 40, currency: 'EUR' }, undo: [], redo: [] });
    await decide(request.id, { decision: 'approve' });
    await untilApplied(request.id);
    const revised = await api.get(order.id);
    expect([revised.version, revised.productOrderItem.length, revised.requestedCompletionDate, revised.subState]).toEqual([2, 2, '2030-01-31T00:00:00Z', 'awaitingApproval']);

    expect((await api.approve(order.id)).statusCode).toBe(200);
    const done = await api.completeHumanTasksUntilDone(order.id);
    expect(done.state).toBe('completed');
    expect(done.productOrderItem.map((i) => [i.id, i.state])).toEqual([
      ['1', 'completed'],
      ['2', 'completed'],
    ]);
    const effects = await listEffects(stack.database.db, { orderId: order.id, operation: 'activateLine' });
    expect(effects.map((e) => e.input.speedMbps)).toEqual([500]);
  });
});

async function listRequests(orderId: string) {
  return (await stack.app.inject({ url: `/api/orders/${orderId}/change-requests`, headers: stack.as('api_client') })).json<ChangeRequest[]>();
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEffects } from '../../db/simulator.js';
import type { ChangeRequest } from '../../domain/change-request.js';
import { TERMINAL_ORDER } from '../../domain/rollup.js';
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

const ORDERS = 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The race rule for changes: a speed change and the line's PONR milestone that meet never both
 * win. Either the change is refused PONR_REACHED (the line was already active, at 100 Mbps, and
 * stays so), or it is applied and the line becomes active only afterwards, at 500 Mbps — any
 * activation at 100 Mbps before it having been undone.
 */
describe('change request race with the point of no return', () => {
  it(`holds across ${ORDERS} orders changed at random moments around their PONR`, async () => {
    await stack.app.inject({ method: 'PUT', url: '/api/simulator/systems/network', headers: stack.as('admin'), payload: { latencyMs: 150, errorRate: 0 } });
    const orders = await Promise.all(Array.from({ length: ORDERS }, () => api.submit(orderOf([internetItem('1', 100)], 'residential'))));

    const outcomes = await Promise.all(
      orders.map(async (order, i) => {
        // Aim at the window: the modem is configured, the line activation (before PONR) is in flight.
        await eventually(async () => ((await listEffects(stack.database.db, { orderId: order.id, operation: 'configureModem' })).length > 0 ? true : undefined), 60_000);
        await sleep((i * 97) % 3000);
        const send = () =>
          stack.app.inject({
            method: 'POST',
            url: `/api/orders/${order.id}/change-requests`,
            headers: stack.as('order_agent'),
            payload: { actions: [{ action: 'changeCharacteristic', itemId: '1', characteristics: [{ name: 'speedMbps', value: 500 }] }] },
          });
        let res = await send();
        // An order still being acknowledged asks to be asked again, as a client would.
        while (res.statusCode === 409 && res.json<{ code: string }>().code === 'ORDER_NOT_READY') res = await sleep(20).then(send);
        if (res.statusCode !== 201) return { orderId: order.id, refused: res.json<{ code: string }>().code };
        const request = res.json<ChangeRequest>();
        const approved = await stack.app.inject({ method: 'POST', url: `/api/change-requests/${encodeURIComponent(request.id)}/decision`, headers: stack.as('fulfilment_manager'), payload: { decision: 'approve' } });
        expect(approved.statusCode).toBe(200);
        return { orderId: order.id, requestId: request.id };
      }),
    );

    for (const o of outcomes) await api.until(o.orderId, (x) => TERMINAL_ORDER.includes(x.state), 90_000);
    let applied = 0;
    for (const outcome of outcomes) {
      const order = await api.get(outcome.orderId);
      const activations = await listEffects(stack.database.db, { orderId: outcome.orderId, operation: 'activateLine' });
      const deactivations = await listEffects(stack.database.db, { orderId: outcome.orderId, operation: 'deactivateLine' });
      const milestone = (await api.timeline(outcome.orderId)).transitions.filter((t) => t.entity === 'task' && t.entityId.endsWith(':line-active') && t.to === 'completed');
      expect(order.state, outcome.orderId).toBe('completed');
      expect(milestone, outcome.orderId).toHaveLength(1);
      if ('refused' in outcome) {
        // Refused: only because the line was already past its PONR (or the order had ended).
        expect(['PONR_REACHED', 'ORDER_TERMINAL']).toContain(outcome.refused);
        expect(order.version).toBe(1);
        expect(activations.map((e) => e.input.speedMbps)).toEqual([100]);
        continue;
      }
      applied += 1;
      const request = await eventually(async () => {
        const r = (await stack.app.inject({ url: `/api/change-requests/${encodeURIComponent(outcome.requestId)}`, headers: stack.as('api_client') })).json<ChangeRequest>();
        return r.state === 'applied' ? r : undefined;
      });
      expect(order.version).toBe(2);
      // The line is active at the new speed; an activation at the old speed was undone, never kept.
      expect(activations.at(-1)!.input.speedMbps).toBe(500);
      expect(deactivations).toHaveLength(activations.length - 1);
      expect(Date.parse(milestone[0]!.at)).toBeGreaterThanOrEqual(Date.parse(request.appliedAt!));
    }
    // Both sides of the race happened (otherwise the test proved nothing).
    expect(applied).toBeGreaterThan(0);
    expect(applied).toBeLessThan(ORDERS);
  }, 240_000);
});

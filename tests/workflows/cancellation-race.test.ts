import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CancelProductOrder } from '../../domain/cancellation.js';
import type { ProductOrder } from '../../domain/order.js';
import { getOrderQuery, orderWorkflowId } from '../../workflows/messages.js';
import { eventually } from '../support/eventually.js';
import { orderDriver, orderOf, sdwanSite } from '../support/flows.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let api: ReturnType<typeof orderDriver>;
beforeAll(async () => {
  stack = await startTestStack();
  api = orderDriver(stack);
});
afterAll(() => stack?.close());

const ORDERS = 200;

describe('race rule: a cancellation and a PONR milestone never both win', () => {
  it(`holds across ${ORDERS} orders cancelled at random moments around their PONR`, async () => {
    // Each SD-WAN site reaches PONR when its edge device has shipped; it then waits for an
    // installation, so every order is still open when its cancellation arrives.
    for (const [system, latencyMs] of [['inventory', 20], ['cpe', 20], ['logistics', 100]] as const) {
      await stack.app.inject({ method: 'PUT', url: `/api/simulator/systems/${system}`, headers: stack.as('admin'), payload: { latencyMs, errorRate: 0 } });
    }
    const outcomes: Array<{ order: ProductOrder; cancellation: CancelProductOrder }> = [];
    const one = async (i: number) => {
      const order = await api.submit(orderOf([sdwanSite('1', { name: `Site ${i}`, contact: 'Ops' })], 'residential'));
      // Most cancellations are fired while the shipment right before the PONR milestone is in
      // flight, at a random moment; a few earlier, at random too.
      if (i % 10 !== 0) {
        const handle = stack.temporal.workflow.getHandle(orderWorkflowId(order.id));
        // (A poll may miss the short in-flight window: then the shipment is already done.)
        const shipping = ['inProgress', 'completed'];
        await eventually(async () => (shipping.includes((await handle.query(getOrderQuery)).plans[0]?.tasks.find((t) => t.templateId === 'ship')?.state ?? '') ? true : undefined), 90_000);
      }
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
      const res = await stack.app.inject({
        method: 'POST',
        url: '/tmf-api/productOrderingManagement/v4/cancelProductOrder',
        headers: stack.as('api_client'),
        payload: { productOrder: { id: order.id }, cancellationReason: 'race' },
      });
      expect(res.statusCode, res.body).toBe(201);
      outcomes.push({ order, cancellation: res.json<CancelProductOrder>() });
    };
    for (let batch = 0; batch < ORDERS; batch += 25) await Promise.all(Array.from({ length: 25 }, (_, k) => one(batch + k)));

    let accepted = 0;
    let refused = 0;
    for (const { order, cancellation } of outcomes) {
      const handle = stack.temporal.workflow.getHandle(orderWorkflowId(order.id));
      const view = await eventually(async () => {
        const v = await handle.query(getOrderQuery);
        const c = v.cancellations.find((x) => x.id === cancellation.id)!;
        return c.state === 'done' || c.state === 'terminatedWithError' ? v : undefined;
      }, 60_000);
      // Cancelled before decomposition, an order has no plan (and no milestone) at all.
      const milestone = view.plans[0]?.tasks.find((t) => t.isPonr);
      const final = view.cancellations.find((x) => x.id === cancellation.id)!;
      if (final.state === 'done') {
        accepted++;
        expect(milestone?.state, order.id).not.toBe('completed');
        expect(view.order.productOrderItem[0]!.ponr ?? false).toBe(false);
        expect(view.order.state).toBe('cancelled');
      } else {
        refused++;
        expect(final.stateReason).toMatch(/^PONR_REACHED: item\(s\) 1 /);
        expect(milestone?.state).toBe('completed');
        expect(view.order.productOrderItem[0]!.ponr).toBe(true);
        expect(view.order.state).not.toBe('cancelled');
      }
    }
    console.info(`race rule: ${accepted} cancellations accepted before PONR, ${refused} refused after it`);
    expect(accepted + refused).toBe(ORDERS);
    // The random moments straddle the milestone: both outcomes happen.
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 300_000);
});

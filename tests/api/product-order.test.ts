import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOrder, submitOrder } from '../../api/orders.js';
import { findOrder } from '../../db/orders.js';
import type { ProductOrder } from '../../domain/order.js';
import { orderWorkflowId } from '../../workflows/messages.js';
import { internetOrder, newCustomerId, PRODUCT_ORDER_PATH } from '../support/orders.js';
import { startTestStack, type TestStack, TMF_BASE_URL } from '../support/stack.js';
import { eventually } from '../support/eventually.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

const post = (body: unknown, headers: Record<string, string> = {}) =>
  stack.app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: { ...stack.as('api_client'), ...headers }, payload: body as object });

describe('POST /productOrder', () => {
  it('acknowledges the order, starts its workflow and projects it into the read model', async () => {
    const body = internetOrder();
    const res = await post(body);

    expect(res.statusCode).toBe(201);
    const order = res.json<ProductOrder>();
    expect(order).toMatchObject({ state: 'acknowledged', externalId: body.externalId, '@type': 'ProductOrder', version: 1 });
    expect(order.href).toBe(`${TMF_BASE_URL}/productOrder/${order.id}`);
    expect(res.headers.location).toBe(order.href);
    expect(Date.parse(order.orderDate)).toBeGreaterThan(Date.now() - 60_000);
    expect(order.productOrderItem.map((i) => i.state)).toEqual(['acknowledged']);

    const description = await stack.temporal.workflow.getHandle(orderWorkflowId(order.id)).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])).toEqual(
      expect.arrayContaining([
        ['OrderId', order.id],
        ['CustomerId', body.relatedParty![0]!.id],
        ['OrderState', 'acknowledged'],
      ]),
    );
    expect(await description.staticSummary()).toBe(`Order ${order.id} (${body.externalId}) for ${body.relatedParty![0]!.id}: 1 item`);

    const stored = await eventually(async () => {
      const found = await findOrder(stack.database.db, order.id);
      return found?.order.subState === 'awaitingApproval' ? found : undefined;
    });
    expect(stored.order).toMatchObject({ id: order.id, state: 'acknowledged' });
  });

  it('returns the existing order when the same Idempotency-Key is sent again', async () => {
    const body = internetOrder(newCustomerId(), { externalId: undefined });
    const first = await post(body, { 'idempotency-key': 'retry-1' });
    const second = await post(body, { 'idempotency-key': 'retry-1' });

    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json<ProductOrder>().id).toBe(first.json<ProductOrder>().id);
  });

  it('refuses an Idempotency-Key reused for a different body, and creates nothing', async () => {
    const customer = newCustomerId();
    const first = await post(internetOrder(customer, { externalId: undefined }), { 'idempotency-key': 'reuse-1' });
    const other = internetOrder(customer, { externalId: undefined, description: 'a different order' });
    const second = await post(other, { 'idempotency-key': 'reuse-1' });

    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(422);
    expect(second.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
    await expectOrdersOf(customer, 1);
  });

  it('returns the existing order for the same externalId and customer, even without a key', async () => {
    const body = internetOrder();
    const first = await post(body);
    const second = await post(body);
    expect(second.statusCode).toBe(200);
    expect(second.json<ProductOrder>().id).toBe(first.json<ProductOrder>().id);
  });

  it('creates exactly one order when identical submissions race', async () => {
    const customer = newCustomerId();
    const body = internetOrder(customer);
    const responses = await Promise.all(Array.from({ length: 8 }, () => post(body)));

    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.json<ProductOrder>().id)).size).toBe(1);
    await expectOrdersOf(customer, 1);
    const { count } = await stack.temporal.workflow.count(`CustomerId = "${customer}"`);
    expect(count).toBe(1);
  });

  it('refuses the same externalId with different content as a conflict, and creates nothing', async () => {
    const customer = newCustomerId();
    const body = internetOrder(customer);
    const first = await post(body);
    const second = await post({ ...body, description: 'changed my mind' });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(first.json<ProductOrder>().id) });
    await expectOrdersOf(customer, 1);
  });

  it('keeps orders with the same externalId apart for different customers', async () => {
    const externalId = `PO-shared-${Date.now()}`;
    const a = await post(internetOrder(newCustomerId(), { externalId }));
    const b = await post(internetOrder(newCustomerId(), { externalId }));
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json<ProductOrder>().id).not.toBe(b.json<ProductOrder>().id);
  });
});

describe('GET /productOrder/{id}', () => {
  it('returns the order, also right after submission', async () => {
    const created = (await post(internetOrder())).json<ProductOrder>();
    const res = await stack.app.inject({ url: `${PRODUCT_ORDER_PATH}/${created.id}`, headers: stack.as('fulfilment_agent') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: created.id, state: 'acknowledged', productOrderItem: [{ id: '1', state: 'acknowledged' }] });
  });

  it('returns a just-submitted order as acknowledged from its workflow start, with no worker needed; a resubmission too', async () => {
    // A task queue nobody polls: the workflow is started but never runs, and nothing reaches the read model.
    const ctx = { db: stack.database.db, temporal: stack.temporal, taskQueue: `nobody-polls-${randomUUID()}`, tmfBaseUrl: TMF_BASE_URL };
    const submission = { input: internetOrder(), principal: { keyId: 'test', role: 'api_client' as const } };
    const { order } = await submitOrder(ctx, submission);
    try {
      expect(await readOrder(ctx, order.id)).toEqual(order);
      expect(await submitOrder(ctx, submission)).toEqual({ created: false, order });
    } finally {
      await stack.temporal.workflow.getHandle(orderWorkflowId(order.id)).terminate('test over');
    }
  });

  it('selects attributes with fields', async () => {
    const created = (await post(internetOrder())).json<ProductOrder>();
    await eventually(() => findOrder(stack.database.db, created.id));
    const res = await stack.app.inject({ url: `${PRODUCT_ORDER_PATH}/${created.id}?fields=state,externalId`, headers: stack.as('api_client') });
    expect(res.json()).toEqual({ id: created.id, href: created.href, state: 'acknowledged', externalId: created.externalId });
  });

  it('answers 404 problem+json for an unknown order', async () => {
    const res = await stack.app.inject({ url: `${PRODUCT_ORDER_PATH}/does-not-exist`, headers: stack.as('api_client') });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND', status: 404, reason: expect.any(String), message: expect.stringContaining('does-not-exist') });
  });
});

describe('GET /productOrder', () => {
  it('pages newest first with X-Total-Count and X-Result-Count, and filters', async () => {
    const customer = newCustomerId();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await post(internetOrder(customer))).json<ProductOrder>().id);
    await expectOrdersOf(customer, 3);

    const page = await stack.app.inject({ url: `${PRODUCT_ORDER_PATH}?relatedParty.id=${customer}&offset=1&limit=1&fields=state`, headers: stack.as('order_agent') });
    expect(page.statusCode).toBe(200);
    expect(page.headers['x-total-count']).toBe('3');
    expect(page.headers['x-result-count']).toBe('1');
    expect(page.json()).toEqual([{ id: ids[1], href: `${TMF_BASE_URL}/productOrder/${ids[1]}`, state: 'acknowledged' }]);

    const byState = await stack.app.inject({ url: `${PRODUCT_ORDER_PATH}?relatedParty.id=${customer}&state=completed`, headers: stack.as('order_agent') });
    expect(byState.headers['x-total-count']).toBe('0');
    expect(byState.json()).toEqual([]);
  });

  it('refuses an unknown filter rather than ignoring it', async () => {
    const res = await stack.app.inject({ url: `${PRODUCT_ORDER_PATH}?colour=blue`, headers: stack.as('api_client') });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ path: 'querystring.colour', message: 'unknown field' }]);
  });
});

/** The read model catches up with exactly `n` orders of the customer (projection is asynchronous). */
async function expectOrdersOf(customer: string, n: number) {
  const total = () =>
    stack.app.inject({ url: `${PRODUCT_ORDER_PATH}?relatedParty.id=${customer}`, headers: stack.as('api_client') }).then((r) => r.headers['x-total-count']);
  await eventually(async () => ((await total()) === String(n) ? true : undefined)).catch(() => undefined);
  expect(await total()).toBe(String(n));
  return true;
}

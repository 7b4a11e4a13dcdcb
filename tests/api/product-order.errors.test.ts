import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOrders } from '../../db/orders.js';
import { internetOrder, newCustomerId, PRODUCT_ORDER_PATH } from '../support/orders.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

/** Sends a raw body for a fresh customer; returns the response and that customer. */
async function submitRaw(makeBody: (customer: string) => string, contentType = 'application/json') {
  const customer = newCustomerId();
  const res = await stack.app.inject({
    method: 'POST',
    url: PRODUCT_ORDER_PATH,
    headers: { ...stack.as('api_client'), 'content-type': contentType },
    payload: makeBody(customer),
  });
  return { res, customer };
}

const json = (build: (customer: string) => unknown) => (customer: string) => JSON.stringify(build(customer));

/** Bad input changes nothing: no order row, no workflow. */
async function expectNothingCreated(customer: string) {
  const { total } = await listOrders(stack.database.db, { customerId: customer }, { offset: 0, limit: 1 });
  expect(total).toBe(0);
  const { count } = await stack.temporal.workflow.count(`CustomerId = "${customer}"`);
  expect(count).toBe(0);
}

describe('POST /productOrder with bad input', () => {
  const cases: Array<{ name: string; body: (customer: string) => string; contentType?: string; status: number; code: string; paths?: string[] }> = [
    { name: 'no items', body: json((c) => ({ ...internetOrder(c), productOrderItem: [] })), status: 400, code: 'VALIDATION_FAILED', paths: ['body.productOrderItem'] },
    { name: 'items missing', body: json((c) => ({ ...internetOrder(c), productOrderItem: undefined })), status: 400, code: 'VALIDATION_FAILED', paths: ['body.productOrderItem'] },
    {
      name: 'wrong types',
      body: json((c) => ({ ...internetOrder(c), description: 42, productOrderItem: [{ id: 1, action: 'add', quantity: 'two', productOffering: { id: 'internet-access' } }] })),
      status: 400,
      code: 'VALIDATION_FAILED',
      paths: ['body.description', 'body.productOrderItem[0].id', 'body.productOrderItem[0].quantity'],
    },
    {
      name: 'unknown action',
      body: json((c) => ({ ...internetOrder(c), productOrderItem: [{ id: '1', action: 'upgrade', productOffering: { id: 'internet-access' } }] })),
      status: 400,
      code: 'VALIDATION_FAILED',
      paths: ['body.productOrderItem[0].action'],
    },
    { name: 'unknown field', body: json((c) => ({ ...internetOrder(c), colour: 'blue' })), status: 400, code: 'VALIDATION_FAILED', paths: ['body.colour'] },
    { name: 'server-owned field', body: json((c) => ({ ...internetOrder(c), state: 'completed' })), status: 400, code: 'VALIDATION_FAILED', paths: ['body.state'] },
    { name: 'bad date', body: json((c) => ({ ...internetOrder(c), requestedStartDate: 'tomorrow' })), status: 400, code: 'VALIDATION_FAILED', paths: ['body.requestedStartDate'] },
    { name: 'unknown offering', body: json((c) => internetOrder(c, { productOrderItem: [{ id: '1', action: 'add', productOffering: { id: 'teleporter' } }] })), status: 400, code: 'VALIDATION_FAILED', paths: ['productOrderItem[0].productOffering.id'] },
    {
      name: 'configurator rule broken',
      body: json((c) => internetOrder(c, { productOrderItem: [{ id: 'site-1', action: 'add', productOffering: { id: 'sdwan-service-package' }, product: { productCharacteristic: [{ name: 'siteName', value: 'Lyon' }, { name: 'wanOptimisation', value: true }, { name: 'bandwidthMbps', value: 50 }] } }] })),
      status: 400,
      code: 'VALIDATION_FAILED',
      paths: ['productOrderItem[0].product.productCharacteristic'],
    },
    { name: 'characteristic not allowed', body: json((c) => internetOrder(c, { productOrderItem: [{ id: '1', action: 'add', productOffering: { id: 'internet-access' }, product: { productCharacteristic: [{ name: 'speedMbps', value: 250 }] } }] })), status: 400, code: 'VALIDATION_FAILED', paths: ['productOrderItem[0].product.productCharacteristic[0].value'] },
    { name: 'no customer', body: json((c) => ({ ...internetOrder(c), relatedParty: [{ id: c, role: 'payer', '@referredType': 'Organization' }] })), status: 400, code: 'VALIDATION_FAILED', paths: ['relatedParty'] },
    { name: 'invalid JSON', body: (c) => `{"relatedParty":[{"id":"${c}"`, status: 400, code: 'MALFORMED_REQUEST' },
    { name: 'wrong content type', body: (c) => `relatedParty=${c}`, contentType: 'text/plain', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: '__proto__ key', body: (c) => `{"__proto__":{"admin":true},"relatedParty":[{"id":"${c}","role":"customer","@referredType":"x"}],"productOrderItem":[{"id":"1","action":"add","productOffering":{"id":"internet-access"}}]}`, status: 400, code: 'MALFORMED_REQUEST' },
    { name: 'body over the limit', body: json((c) => ({ ...internetOrder(c), description: 'x'.repeat(1_100_000) })), status: 413, code: 'PAYLOAD_TOO_LARGE' },
  ];

  it.each(cases)('$name → $status $code, nothing created', async ({ body, contentType, status, code, paths }) => {
    const { res, customer } = await submitRaw(body, contentType);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = res.json();
    expect(problem).toMatchObject({ status, code, reason: expect.any(String), message: expect.any(String), type: expect.stringMatching(/^urn:ordo:problem:/) });
    if (paths) expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(paths));
    await expectNothingCreated(customer);
  });

  it('names the configurator rule and the item it was broken on', async () => {
    const { res } = await submitRaw(
      json((c) => internetOrder(c, { productOrderItem: [{ id: 'site-1', action: 'add', productOffering: { id: 'sdwan-service-package' }, product: { productCharacteristic: [{ name: 'siteName', value: 'Lyon' }, { name: 'wanOptimisation', value: true }, { name: 'bandwidthMbps', value: 50 }] } }] })),
    );
    expect(res.json().errors).toEqual([{ path: 'productOrderItem[0].product.productCharacteristic', rule: 'wan-optimisation-needs-bandwidth', message: 'item "site-1": WAN optimisation needs at least 100 Mbps' }]);
    expect(res.json().message).toContain('wan-optimisation-needs-bandwidth');
  });

  it('names every offending field at once', async () => {
    const { res } = await submitRaw(json((c) => ({ ...internetOrder(c), priority: '9', productOrderItem: [{ id: '1', action: 'nope', quantity: 0 }, { action: 'add' }] })));
    expect(res.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['body.priority', 'body.productOrderItem[0].action', 'body.productOrderItem[0].quantity', 'body.productOrderItem[1].id'].sort(),
    );
  });
});

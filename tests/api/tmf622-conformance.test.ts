import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ITEM_STATES, ORDER_STATES, type ProductOrder } from '../../domain/order.js';
import type { ProductOrderCreate } from '../../domain/tmf622/schemas.js';
import { eventually } from '../support/eventually.js';
import { internetOrder, newCustomerId, PRODUCT_ORDER_PATH } from '../support/orders.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * Conformance with the published TMF622 v4 swagger: what the API returns validates against the
 * spec's definitions, and request bodies the spec allows (within Ordo's business rules) are
 * accepted by the zod edge schemas.
 */
const SPEC_ID = 'https://ordo.test/tmf622-product-ordering-v4.swagger.json';
const swagger = JSON.parse(readFileSync(new URL('../../../shared/spec/tmf622-product-ordering-v4.swagger.json', import.meta.url), 'utf8')) as {
  definitions: Record<string, { enum?: string[] }>;
};

const ajv = new Ajv({ strict: false, allErrors: true });
// ajv-formats is CommonJS: its default import is the module, whose `default` is the plugin.
ajvFormats.default(ajv);
ajv.addSchema({ ...swagger, $id: SPEC_ID });

const definition = (name: string): ValidateFunction => ajv.compile({ $ref: `${SPEC_ID}#/definitions/${name}` });
const ProductOrderSpec = definition('ProductOrder');
const ProductOrderCreateSpec = definition('ProductOrder_Create');
const ErrorSpec = definition('Error');

/** Asserts `value` validates, showing ajv's errors (path and message) when it does not. */
function expectValid(validate: ValidateFunction, value: unknown) {
  const ok = validate(value);
  const errors = (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  expect(errors).toEqual([]);
  expect(ok).toBe(true);
}

/** A body exercising most of ProductOrder_Create: notes, channel, prices, agreement, places, relationships, dates. */
function richOrder(customerId = newCustomerId()): ProductOrderCreate {
  return {
    externalId: `PO-rich-${customerId}`,
    category: 'enterprise',
    description: 'Branch office: internet access plus router',
    notificationContact: 'ops@example.com',
    priority: '2',
    // 10:00+02:00 is 08:00Z, before 09:00Z: ordered as instants.
    requestedStartDate: '2030-03-01T10:00:00+02:00',
    requestedCompletionDate: '2030-03-15T17:30:00.000Z',
    relatedParty: [
      { id: customerId, role: 'Customer', name: 'Acme Ltd', '@referredType': 'Organization' },
      { id: 'IND-42', role: 'technicalContact', '@referredType': 'Individual' },
    ],
    note: [{ id: 'n1', author: 'Sales', date: '2030-02-01T12:00:00Z', text: 'Call before arriving', '@type': 'Note' }],
    channel: [{ id: 'web', name: 'Web shop', role: 'orderChannel', '@referredType': 'SalesChannel' }],
    billingAccount: { id: 'BA-1', href: 'https://billing.example.com/billingAccount/BA-1', name: 'Main account', '@referredType': 'BillingAccount' },
    agreement: [{ id: 'AGR-7', name: 'Framework agreement 2030', '@referredType': 'Agreement' }],
    orderTotalPrice: [
      {
        name: 'Monthly total',
        priceType: 'recurring',
        recurringChargePeriod: 'month',
        price: { taxIncludedAmount: { unit: 'EUR', value: 59.5 }, dutyFreeAmount: { unit: 'EUR', value: 50 }, taxRate: 19 },
        priceAlteration: [
          {
            name: 'Welcome discount',
            priceType: 'recurring',
            applicationDuration: 3,
            priority: 1,
            price: { percentage: 10 },
            productOfferingPrice: { id: 'POP-welcome', name: 'Welcome 10%' },
          },
        ],
        billingAccount: { id: 'BA-1' },
      },
    ],
    productOrderItem: [
      {
        id: '1',
        action: 'add',
        quantity: 1,
        productOffering: { id: 'internet-access', name: 'Internet Access' },
        product: {
          isBundle: false,
          name: 'Internet 500',
          productCharacteristic: [{ name: 'speedMbps', valueType: 'number', value: 500 }],
          productSpecification: { id: 'internet-access', version: '1.0', '@referredType': 'ProductSpecification' },
          place: [{ id: 'PL-1', role: 'installationAddress', name: 'Head office', '@referredType': 'GeographicAddress' }],
          '@type': 'Product',
        },
        itemPrice: [{ priceType: 'recurring', price: { dutyFreeAmount: { unit: 'EUR', value: 50 } } }],
      },
      {
        id: '2',
        action: 'add',
        quantity: 2,
        productOffering: { id: 'branch-router' },
        product: { productSpecification: { id: 'branch-router' } },
        productOrderItemRelationship: [{ id: '1', relationshipType: 'reliesOn' }],
      },
    ],
    '@type': 'ProductOrder',
  };
}

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

const post = (body: unknown) =>
  stack.app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: stack.as('api_client'), payload: body as object });

describe('TMF622 state enums', () => {
  it('ORDER_STATES is exactly the swagger ProductOrderStateType', () => {
    expect(swagger.definitions.ProductOrderStateType?.enum).toBeDefined();
    expect([...ORDER_STATES]).toEqual(swagger.definitions.ProductOrderStateType!.enum);
  });

  it('ITEM_STATES is exactly the swagger ProductOrderItemStateType', () => {
    expect(swagger.definitions.ProductOrderItemStateType?.enum).toBeDefined();
    expect([...ITEM_STATES]).toEqual(swagger.definitions.ProductOrderItemStateType!.enum);
  });
});

describe('request bodies', () => {
  it.each([
    ['internetOrder()', () => internetOrder()],
    ['a rich order', () => richOrder()],
  ])('%s validates against ProductOrder_Create and is accepted with 201', async (_name, make) => {
    const body = make();
    expectValid(ProductOrderCreateSpec, body);

    const res = await post(body);
    expect(res.json()).toMatchObject({ state: 'acknowledged' });
    expect(res.statusCode).toBe(201);
  });

  it('keeps every field of the rich body in the created order', async () => {
    const body = richOrder();
    const res = await post(body);
    expect(res.statusCode).toBe(201);
    const order = res.json<ProductOrder>();
    const { productOrderItem, ...header } = body;
    expect(order).toMatchObject(header);
    expect(order.productOrderItem).toEqual(productOrderItem.map((item) => ({ ...item, state: 'acknowledged' })));
  });

  it('the spec validator is not vacuous: it refuses a body without items or with a bad action', () => {
    expect(ProductOrderCreateSpec({ relatedParty: [] })).toBe(false);
    expect(ProductOrderCreateSpec({ productOrderItem: [{ id: '1', action: 'replace' }] })).toBe(false);
    expect(ProductOrderCreateSpec({ ...internetOrder(), requestedStartDate: 'next tuesday' })).toBe(false);
  });
});

describe('responses', () => {
  it('the 201 body of POST /productOrder is a valid ProductOrder', async () => {
    const res = await post(richOrder());
    expect(res.statusCode).toBe(201);
    expectValid(ProductOrderSpec, res.json());
  });

  it('GET /productOrder/{id} returns a valid ProductOrder, before and after projection', async () => {
    const created = (await post(richOrder())).json<ProductOrder>();
    const url = `${PRODUCT_ORDER_PATH}/${created.id}`;

    const early = await stack.app.inject({ url, headers: stack.as('api_client') });
    expect(early.statusCode).toBe(200);
    expectValid(ProductOrderSpec, early.json());

    const projected = await eventually(async () => {
      const res = await stack.app.inject({ url, headers: stack.as('api_client') });
      const order = res.json<ProductOrder>();
      return order.subState ? order : undefined;
    });
    expect(projected.id).toBe(created.id);
    expectValid(ProductOrderSpec, projected);
  });

  it('every element of GET /productOrder is a valid ProductOrder', async () => {
    const customer = newCustomerId();
    expect((await post(internetOrder(customer))).statusCode).toBe(201);
    expect((await post(richOrder(customer))).statusCode).toBe(201);

    const list = await eventually(async () => {
      const res = await stack.app.inject({ url: `${PRODUCT_ORDER_PATH}?relatedParty.id=${customer}`, headers: stack.as('api_client') });
      const orders = res.json<ProductOrder[]>();
      return orders.length === 2 ? orders : undefined;
    });
    for (const order of list) expectValid(ProductOrderSpec, order);
  });

  it('the spec validator is not vacuous: it refuses an order with an unknown state', async () => {
    const order = (await post(internetOrder())).json<ProductOrder>();
    expect(ProductOrderSpec({ ...order, state: 'shipped' })).toBe(false);
    expect(ProductOrderSpec({ ...order, productOrderItem: [{ ...order.productOrderItem[0], state: 'partial' }] })).toBe(false);
  });

  it('a 404 problem carries the TMF Error fields', async () => {
    const res = await stack.app.inject({ url: `${PRODUCT_ORDER_PATH}/no-such-order`, headers: stack.as('api_client') });
    expect(res.statusCode).toBe(404);
    const problem = res.json<Record<string, unknown>>();
    expect(problem).toMatchObject({ code: expect.any(String), reason: expect.any(String) });
    expect((problem.code as string).length).toBeGreaterThan(0);
    expect((problem.reason as string).length).toBeGreaterThan(0);
    // RFC 9457 makes `status` a number, where TMF's Error has a string: check the rest against the spec.
    const { status, ...tmfFields } = problem;
    expect(status).toBe(404);
    expectValid(ErrorSpec, tmfFields);
  });

  it('a 400 validation problem carries the TMF Error fields', async () => {
    const res = await post({ productOrderItem: [] });
    expect(res.statusCode).toBe(400);
    const { status, ...tmfFields } = res.json<Record<string, unknown>>();
    expect(status).toBe(400);
    expect(tmfFields).toMatchObject({ code: 'VALIDATION_FAILED', reason: expect.any(String) });
    expectValid(ErrorSpec, tmfFields);
  });
});

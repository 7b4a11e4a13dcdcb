import { describe, expect, it } from 'vitest';
import { acknowledgeOrder, customerIdOf, orderSummary, type ProductOrder } from '../../domain/order.js';
import { renderOrderDetails } from '../../domain/order-details.js';
import type { ProductOrderCreate } from '../../domain/tmf622/schemas.js';

const ACK = { id: 'ord-1', href: 'http://ordo.test/productOrder/ord-1', orderDate: '2030-01-01T12:00:00.000Z', actor: 'api_client:key-1' };

const submission = (overrides: Partial<ProductOrderCreate> = {}): ProductOrderCreate => ({
  externalId: 'PO-1',
  category: 'enterprise',
  relatedParty: [{ id: 'CUST-1', role: 'customer', '@referredType': 'Organization' }],
  productOrderItem: [
    { id: 'a', action: 'add', productOffering: { id: 'internet-access' } },
    { id: 'b', action: 'add', quantity: 3, productOffering: { id: 'branch-router' } },
    { id: 'c', action: 'delete', product: { id: 'PRD-7' } },
  ],
  ...overrides,
});

describe('acknowledgeOrder', () => {
  it('acknowledges the order and every item at version 1, keeping the submission', () => {
    const input = submission();
    const { order } = acknowledgeOrder(input, ACK);

    expect(order).toMatchObject({
      id: ACK.id,
      href: ACK.href,
      orderDate: ACK.orderDate,
      state: 'acknowledged',
      version: 1,
      '@type': 'ProductOrder',
      externalId: 'PO-1',
      category: 'enterprise',
      relatedParty: input.relatedParty,
    });
    expect(order.subState).toBeUndefined();
    expect(order.productOrderItem.map((i) => [i.id, i.state])).toEqual([
      ['a', 'acknowledged'],
      ['b', 'acknowledged'],
      ['c', 'acknowledged'],
    ]);
    expect(order.productOrderItem[2]).toMatchObject({ action: 'delete', product: { id: 'PRD-7' } });
  });

  it('defaults a missing quantity to 1 and keeps a given one', () => {
    const { order } = acknowledgeOrder(submission(), ACK);
    expect(order.productOrderItem.map((i) => i.quantity)).toEqual([1, 3, 1]);
  });

  it('does not mutate the submission', () => {
    const input = submission();
    const before = structuredClone(input);
    acknowledgeOrder(input, ACK);
    expect(input).toEqual(before);
  });

  it('records a SUBMITTED transition for the order, then for each item, by the actor at the order date', () => {
    const { transitions } = acknowledgeOrder(submission(), ACK);
    const common = { from: null, to: 'acknowledged', at: ACK.orderDate, actor: ACK.actor, reasonCode: 'SUBMITTED' };
    expect(transitions).toEqual([
      { entity: 'order', entityId: 'ord-1', ...common },
      { entity: 'item', entityId: 'a', ...common },
      { entity: 'item', entityId: 'b', ...common },
      { entity: 'item', entityId: 'c', ...common },
    ]);
  });
});

describe('customerIdOf', () => {
  it('finds the related party with role customer', () => {
    expect(
      customerIdOf({
        relatedParty: [
          { id: 'IND-1', role: 'technicalContact', '@referredType': 'Individual' },
          { id: 'CUST-2', role: 'customer', '@referredType': 'Organization' },
        ],
      }),
    ).toBe('CUST-2');
  });

  it.each(['Customer', 'CUSTOMER', 'cUsToMeR'])('matches role %s case-insensitively', (role) => {
    expect(customerIdOf({ relatedParty: [{ id: 'CUST-3', role, '@referredType': 'Organization' }] })).toBe('CUST-3');
  });

  it('is undefined without a customer', () => {
    expect(customerIdOf({})).toBeUndefined();
    expect(customerIdOf({ relatedParty: [{ id: 'X', '@referredType': 'Individual' }, { id: 'Y', role: 'customers', '@referredType': 'Individual' }] })).toBeUndefined();
  });
});

describe('orderSummary', () => {
  const ack = (input: ProductOrderCreate): ProductOrder => acknowledgeOrder(input, ACK).order;

  it('names the order, its externalId, its customer and a plural item count', () => {
    expect(orderSummary(ack(submission()))).toBe('Order ord-1 (PO-1) for CUST-1: 3 items');
  });

  it('uses the singular for one item and leaves out a missing externalId', () => {
    const order = ack(submission({ externalId: undefined, productOrderItem: [{ id: 'a', action: 'add', productOffering: { id: 'x' } }] }));
    expect(orderSummary(order)).toBe('Order ord-1 for CUST-1: 1 item');
  });

  it('says so when the order has no customer', () => {
    expect(orderSummary(ack(submission({ relatedParty: [] })))).toBe('Order ord-1 (PO-1) for unknown customer: 3 items');
  });
});

describe('renderOrderDetails', () => {
  it('shows the order header and one table row per item', () => {
    const order = acknowledgeOrder(submission(), ACK).order;
    const lines = renderOrderDetails(order).split('\n');

    expect(lines[0]).toBe('**Order ord-1** · acknowledged · version 1');
    expect(lines.slice(2)).toEqual([
      '| item | action | offering | qty | state | tasks done | PONR | working on |',
      '|---|---|---|---|---|---|---|---|',
      '| a | add | internet-access | 1 | acknowledged | – | no |  |',
      '| b | add | branch-router | 3 | acknowledged | – | no |  |',
      '| c | delete | PRD-7 | 1 | acknowledged | – | no |  |',
    ]);
  });

  it('shows the sub-state and the current version and item states', () => {
    const base = acknowledgeOrder(submission(), ACK).order;
    const order: ProductOrder = {
      ...base,
      state: 'inProgress',
      subState: 'fulfilling',
      version: 2,
      productOrderItem: base.productOrderItem.map((i) => ({ ...i, state: i.id === 'a' ? 'completed' : 'inProgress' })),
    };
    const details = renderOrderDetails(order);
    expect(details.split('\n')[0]).toBe('**Order ord-1** · inProgress (fulfilling) · version 2');
    expect(details).toContain('| a | add | internet-access | 1 | completed |');
    expect(details).toContain('| b | add | branch-router | 3 | inProgress |');
  });
});

import { describe, expect, it } from 'vitest';
import { eventsForTransitions, type SequencedTransition } from '../../domain/events.js';
import { acknowledgeOrder, type Transition } from '../../domain/order.js';

const AT = '2030-01-01T12:00:00.000Z';
const { order, transitions: submitted } = acknowledgeOrder(
  {
    externalId: 'PO-1',
    relatedParty: [{ id: 'CUST-1', role: 'customer', '@referredType': 'Organization' }],
    productOrderItem: [
      { id: 'a', action: 'add', productOffering: { id: 'internet-access' } },
      { id: 'b', action: 'add', productOffering: { id: 'branch-router' } },
    ],
  },
  { id: 'ord-1', href: 'http://ordo.test/productOrder/ord-1', orderDate: AT, actor: 'api_client:key-1' },
);

const sequenced = (transitions: Transition[], from = 0): SequencedTransition[] => transitions.map((t, i) => ({ ...t, seq: from + i }));
const change = (t: Partial<Transition>): Transition => ({ entity: 'order', entityId: order.id, from: 'acknowledged', to: 'inProgress', at: AT, actor: 'manager', reasonCode: 'APPROVED', ...t });
const typesOf = (transitions: Transition[], from = 0) => eventsForTransitions(order, sequenced(transitions, from)).map((e) => [e.eventId, e.eventType]);

describe('eventsForTransitions', () => {
  it('raises ProductOrderCreateEvent for the order created, and an attribute change for each item', () => {
    expect(typesOf(submitted)).toEqual([
      ['ord-1:0:ProductOrderCreateEvent', 'ProductOrderCreateEvent'],
      ['ord-1:1:ProductOrderAttributeValueChangeEvent', 'ProductOrderAttributeValueChangeEvent'],
      ['ord-1:2:ProductOrderAttributeValueChangeEvent', 'ProductOrderAttributeValueChangeEvent'],
    ]);
  });

  it('shapes the body as the TMF622 event, carrying the order', () => {
    const [create, item] = eventsForTransitions(order, sequenced(submitted));
    expect(create).toEqual({
      eventId: 'ord-1:0:ProductOrderCreateEvent',
      eventType: 'ProductOrderCreateEvent',
      orderId: 'ord-1',
      payload: {
        eventId: 'ord-1:0:ProductOrderCreateEvent',
        eventTime: AT,
        eventType: 'ProductOrderCreateEvent',
        correlationId: 'ord-1',
        domain: 'productOrderingManagement',
        title: 'Product order created',
        description: 'Order ord-1 created in state acknowledged (SUBMITTED)',
        timeOcurred: AT,
        event: { productOrder: order },
      },
    });
    expect(item!.payload).toMatchObject({
      fieldPath: "productOrderItem[?(@.id=='a')].state",
      description: 'Item a of order ord-1 created in state acknowledged (SUBMITTED)',
      event: { productOrder: order },
    });
  });

  it('raises a state change for a later order transition, and an attribute change for an item', () => {
    const item = change({ entity: 'item', entityId: 'b', reasonCode: 'DECOMPOSED', reasonText: 'plan built' });
    expect(typesOf([change({}), item], 3)).toEqual([
      ['ord-1:3:ProductOrderStateChangeEvent', 'ProductOrderStateChangeEvent'],
      ['ord-1:4:ProductOrderAttributeValueChangeEvent', 'ProductOrderAttributeValueChangeEvent'],
    ]);
    const [, itemEvent] = eventsForTransitions(order, sequenced([change({}), item], 3));
    expect(itemEvent!.payload).toMatchObject({
      fieldPath: "productOrderItem[?(@.id=='b')].state",
      description: 'Item b of order ord-1 changed state from acknowledged to inProgress (DECOMPOSED: plan built)',
    });
  });

  it('adds ProductOrderInformationRequiredEvent when the order goes pending or a transition asks for information', () => {
    const pending = change({ from: 'inProgress', to: 'pending', reasonCode: 'AWAITING_CUSTOMER' });
    const itemAsks = change({ entity: 'item', entityId: 'a', to: 'pending', reasonCode: 'INFORMATION_REQUIRED' });
    const itemPendingOther = change({ entity: 'item', entityId: 'b', to: 'pending', reasonCode: 'SUPPLIER_DELAY' });
    expect(typesOf([pending, itemAsks, itemPendingOther], 5)).toEqual([
      ['ord-1:5:ProductOrderStateChangeEvent', 'ProductOrderStateChangeEvent'],
      ['ord-1:5:ProductOrderInformationRequiredEvent', 'ProductOrderInformationRequiredEvent'],
      ['ord-1:6:ProductOrderAttributeValueChangeEvent', 'ProductOrderAttributeValueChangeEvent'],
      ['ord-1:6:ProductOrderInformationRequiredEvent', 'ProductOrderInformationRequiredEvent'],
      ['ord-1:7:ProductOrderAttributeValueChangeEvent', 'ProductOrderAttributeValueChangeEvent'],
    ]);
  });

  it('raises nothing for a plan task, unless it asks for information', () => {
    const task = change({ entity: 'task', entityId: 'T-1', from: null, to: 'planned', reasonCode: 'DECOMPOSED' });
    const asks = change({ entity: 'task', entityId: 'T-2', from: 'ready', to: 'inProgress', reasonCode: 'INFORMATION_REQUIRED' });
    expect(typesOf([task, asks], 8)).toEqual([['ord-1:9:ProductOrderInformationRequiredEvent', 'ProductOrderInformationRequiredEvent']]);
  });

  it('is deterministic: the same transition always yields the same event ids', () => {
    const again = eventsForTransitions({ ...order, state: 'completed' }, sequenced(submitted));
    expect(again.map((e) => e.eventId)).toEqual(eventsForTransitions(order, sequenced(submitted)).map((e) => e.eventId));
    expect(eventsForTransitions(order, [])).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { eventsForTransitions, listenerUrl, ORDER_EVENT_TYPES, type SequencedTransition, parseSubscriptionQuery, subscriptionAccepts } from '../../domain/events.js';
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
  it('raises only ProductOrderCreateEvent for a submission: its items arrive inside it', () => {
    expect(submitted.map((t) => [t.entity, t.from])).toEqual([
      ['order', null],
      ['item', null],
      ['item', null],
    ]);
    expect(typesOf(submitted)).toEqual([['ord-1:0:ProductOrderCreateEvent', 'ProductOrderCreateEvent']]);
    const [create] = eventsForTransitions(order, sequenced(submitted));
    expect(create!.payload.event.productOrder.productOrderItem.map((i) => [i.id, i.state])).toEqual([
      ['a', 'acknowledged'],
      ['b', 'acknowledged'],
    ]);
  });

  it('shapes the body as the TMF622 event, carrying the order', () => {
    const [create] = eventsForTransitions(order, sequenced(submitted));
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
  });

  it('raises a state change for a later order transition, and an attribute change for an item that changes state', () => {
    const item = change({ entity: 'item', entityId: 'b', reasonCode: 'DECOMPOSED', reasonText: 'plan built' });
    expect(typesOf([change({}), item], 3)).toEqual([
      ['ord-1:3:ProductOrderStateChangeEvent', 'ProductOrderStateChangeEvent'],
      ['ord-1:4:ProductOrderAttributeValueChangeEvent', 'ProductOrderAttributeValueChangeEvent'],
    ]);
    const [stateEvent, itemEvent] = eventsForTransitions(order, sequenced([change({}), item], 3));
    expect(stateEvent!.payload).toMatchObject({
      title: 'Product order state changed',
      description: 'Order ord-1 changed state from acknowledged to inProgress (APPROVED)',
      event: { productOrder: order },
    });
    expect(stateEvent!.payload).not.toHaveProperty('fieldPath');
    expect(itemEvent!.payload).toMatchObject({
      title: 'Product order attribute changed',
      fieldPath: "productOrderItem[?(@.id=='b')].state",
      description: 'Item b of order ord-1 changed state from acknowledged to inProgress (DECOMPOSED: plan built)',
      event: { productOrder: order },
    });
  });

  it('raises nothing for a sub-state-only order transition, nor for an item created or kept in its state', () => {
    const awaitingApproval = change({ from: 'acknowledged', to: 'acknowledged', subState: 'awaitingApproval', actor: 'system:approval', reasonCode: 'AWAITING_APPROVAL' });
    const fulfilling = change({ from: 'inProgress', to: 'inProgress', subState: 'fulfilling', actor: 'system:orchestrator', reasonCode: 'DECOMPOSED' });
    const itemCreated = change({ entity: 'item', entityId: 'c', from: null, to: 'acknowledged', reasonCode: 'SUBMITTED' });
    const itemUnchanged = change({ entity: 'item', entityId: 'a', from: 'inProgress', to: 'inProgress', reasonCode: 'PLAN' });
    expect(typesOf([awaitingApproval, fulfilling, itemCreated, itemUnchanged], 10)).toEqual([]);
    // The same transitions with a real change do raise events: the filter is on the change alone.
    expect(typesOf([{ ...fulfilling, to: 'completed' }, { ...itemCreated, from: 'acknowledged', to: 'inProgress' }], 10)).toEqual([
      ['ord-1:10:ProductOrderStateChangeEvent', 'ProductOrderStateChangeEvent'],
      ['ord-1:11:ProductOrderAttributeValueChangeEvent', 'ProductOrderAttributeValueChangeEvent'],
    ]);
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

  it('raises ProductOrderInformationRequiredEvent alone when enrichment asks for information without a state change', () => {
    const enriching = change({ from: 'acknowledged', to: 'acknowledged', subState: 'enriching', actor: 'system:enrichment', reasonCode: 'INFORMATION_REQUIRED', reasonText: 'Site contact' });
    expect(typesOf([enriching], 3)).toEqual([['ord-1:3:ProductOrderInformationRequiredEvent', 'ProductOrderInformationRequiredEvent']]);
  });

  it('raises nothing for a plan task, unless it asks for information', () => {
    const task = change({ entity: 'task', entityId: 'T-1', from: null, to: 'planned', reasonCode: 'DECOMPOSED' });
    const asks = change({ entity: 'task', entityId: 'T-2', from: 'ready', to: 'inProgress', reasonCode: 'INFORMATION_REQUIRED' });
    expect(typesOf([task, asks], 8)).toEqual([['ord-1:9:ProductOrderInformationRequiredEvent', 'ProductOrderInformationRequiredEvent']]);
  });

  it('is deterministic: the same transition always yields the same event ids', () => {
    const story = [...submitted, change({}), change({ entity: 'item', entityId: 'a' })];
    const ids = eventsForTransitions(order, sequenced(story)).map((e) => e.eventId);
    expect(ids).toEqual(['ord-1:0:ProductOrderCreateEvent', 'ord-1:3:ProductOrderStateChangeEvent', 'ord-1:4:ProductOrderAttributeValueChangeEvent']);
    const again = eventsForTransitions({ ...order, state: 'completed' }, sequenced(story));
    expect(again.map((e) => e.eventId)).toEqual(ids);
    expect(eventsForTransitions(order, [])).toEqual([]);
  });
});

describe('subscription queries', () => {
  it('admit every event without a query, and only the named types with eventType=…', () => {
    expect(subscriptionAccepts(undefined, 'JeopardyAlertEvent')).toBe(true);
    expect(subscriptionAccepts('eventType=JeopardyAlertEvent', 'JeopardyAlertEvent')).toBe(true);
    expect(subscriptionAccepts('eventType=ProductOrderCreateEvent,JeopardyAlertEvent', 'ProductOrderStateChangeEvent')).toBe(false);
  });
  it.each(['x', 'eventType=', 'eventType=NoSuchEvent', 'state=held'])('refuses the query %s', (query) => {
    expect(() => parseSubscriptionQuery(query)).toThrow(/eventType=/);
  });
});

describe('listenerUrl', () => {
  it("is the listener resource under the callback, named after the event with a lower-case first letter", () => {
    expect(listenerUrl('http://127.0.0.1:1234/hooks', 'ProductOrderCreateEvent')).toBe('http://127.0.0.1:1234/hooks/listener/productOrderCreateEvent');
    expect(ORDER_EVENT_TYPES.map((type) => listenerUrl('https://crm.example.test/tmf', type))).toEqual([
      'https://crm.example.test/tmf/listener/productOrderCreateEvent',
      'https://crm.example.test/tmf/listener/productOrderStateChangeEvent',
      'https://crm.example.test/tmf/listener/productOrderAttributeValueChangeEvent',
      'https://crm.example.test/tmf/listener/productOrderInformationRequiredEvent',
      'https://crm.example.test/tmf/listener/jeopardyAlertEvent',
      'https://crm.example.test/tmf/listener/cancelProductOrderCreateEvent',
      'https://crm.example.test/tmf/listener/cancelProductOrderStateChangeEvent',
    ]);
  });

  it('does not double the slash when the callback ends with one', () => {
    expect(listenerUrl('http://127.0.0.1:1234/hooks/', 'ProductOrderStateChangeEvent')).toBe('http://127.0.0.1:1234/hooks/listener/productOrderStateChangeEvent');
    expect(listenerUrl('http://127.0.0.1:1234/', 'ProductOrderCreateEvent')).toBe('http://127.0.0.1:1234/listener/productOrderCreateEvent');
  });
});

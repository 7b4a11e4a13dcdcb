import type { ProductOrder, Transition } from './order.js';

/**
 * TMF622 notifications of an order, derived from its recorded transitions. Pure: the same
 * transition always yields the same events with the same ids, so a re-projected transition never
 * produces a second event (the outbox refuses a repeated `eventId`).
 */
export const ORDER_EVENT_TYPES = [
  'ProductOrderCreateEvent',
  'ProductOrderStateChangeEvent',
  'ProductOrderAttributeValueChangeEvent',
  'ProductOrderInformationRequiredEvent',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export const INFORMATION_REQUIRED = 'INFORMATION_REQUIRED';
export const EVENT_DOMAIN = 'productOrderingManagement';

/** The TMF622 event body, field names as the spec spells them (including `timeOcurred`). */
export type ProductOrderEvent = {
  eventId: string;
  eventTime: string;
  eventType: OrderEventType;
  correlationId?: string;
  domain?: string;
  title?: string;
  description?: string;
  priority?: string;
  timeOcurred?: string;
  fieldPath?: string;
  event: { productOrder: ProductOrder };
};

/** One row of the outbox: the event and what it is keyed and ordered by. */
export type OutboxEvent = {
  eventId: string;
  eventType: OrderEventType;
  orderId: string;
  payload: ProductOrderEvent;
};

export type SequencedTransition = Transition & { seq: number };

const TITLES: Record<OrderEventType, string> = {
  ProductOrderCreateEvent: 'Product order created',
  ProductOrderStateChangeEvent: 'Product order state changed',
  ProductOrderAttributeValueChangeEvent: 'Product order item state changed',
  ProductOrderInformationRequiredEvent: 'Product order requires information',
};

export const eventIdOf = (orderId: string, seq: number, eventType: OrderEventType) => `${orderId}:${seq}:${eventType}`;

/** The events each transition raises, in transition order; each carries `order` as it is now. */
export function eventsForTransitions(order: ProductOrder, transitions: readonly SequencedTransition[]): OutboxEvent[] {
  return transitions.flatMap((t) => eventTypesOf(t).map((type) => outboxEvent(order, t, type)));
}

/** Order and item transitions are TMF ProductOrder changes; finer ones (plan tasks) are not. */
function eventTypesOf(t: Transition): OrderEventType[] {
  const types: OrderEventType[] = [];
  // A new order's items arrive with its create event; a sub-state change alone is no state change.
  if (t.entity === 'order' && t.from === null) types.push('ProductOrderCreateEvent');
  if (t.entity === 'order' && t.from !== null && t.from !== t.to) types.push('ProductOrderStateChangeEvent');
  if (t.entity === 'item' && t.from !== null && t.from !== t.to) types.push('ProductOrderAttributeValueChangeEvent');
  if ((t.entity === 'order' && t.to === 'pending') || t.reasonCode === INFORMATION_REQUIRED) types.push('ProductOrderInformationRequiredEvent');
  return types;
}

function outboxEvent(order: ProductOrder, t: SequencedTransition, eventType: OrderEventType): OutboxEvent {
  const eventId = eventIdOf(order.id, t.seq, eventType);
  const payload: ProductOrderEvent = {
    eventId,
    eventTime: t.at,
    eventType,
    correlationId: order.id,
    domain: EVENT_DOMAIN,
    title: TITLES[eventType],
    description: describe(order, t),
    timeOcurred: t.at,
    ...(t.entity === 'item' ? { fieldPath: `productOrderItem[?(@.id=='${t.entityId}')].state` } : {}),
    event: { productOrder: order },
  };
  return { eventId, eventType, orderId: order.id, payload };
}

function describe(order: ProductOrder, t: Transition): string {
  const subject = t.entity === 'order' ? `Order ${order.id}` : `${t.entity === 'item' ? 'Item' : 'Task'} ${t.entityId} of order ${order.id}`;
  const change = t.from === null ? `created in state ${t.to}` : `changed state from ${t.from} to ${t.to}`;
  return `${subject} ${change} (${t.reasonCode}${t.reasonText ? `: ${t.reasonText}` : ''})`;
}

/** Where TMF622 delivers an event: the subscriber's listener resource under its callback. */
export const listenerUrl = (callback: string, eventType: OrderEventType) =>
  `${callback.replace(/\/$/, '')}/listener/${eventType.charAt(0).toLowerCase()}${eventType.slice(1)}`;

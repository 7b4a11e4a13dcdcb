import { type JeopardyEvent, rank } from './jeopardy.js';
import type { CancelProductOrder } from './cancellation.js';
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
  'JeopardyAlertEvent',
  'CancelProductOrderCreateEvent',
  'CancelProductOrderStateChangeEvent',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export const INFORMATION_REQUIRED = 'INFORMATION_REQUIRED';
/** The reason code of the order transition that applies a change request (a new version). */
export const CHANGE_APPLIED = 'CHANGE_APPLIED';
export const EVENT_DOMAIN = 'productOrderingManagement';

/** The TMF622 event body, field names as the spec spells them (including `timeOcurred`). */
export type ProductOrderEvent = {
  eventId: string;
  eventTime: string;
  eventType: Exclude<OrderEventType, 'JeopardyAlertEvent'>;
  correlationId?: string;
  domain?: string;
  title?: string;
  description?: string;
  priority?: string;
  timeOcurred?: string;
  fieldPath?: string;
  event: { productOrder: ProductOrder };
};

/** TMF622 v5-style JeopardyAlert: an order (item, task) at risk of missing its SLA or commitment. */
export type JeopardyAlertEvent = {
  eventId: string;
  eventTime: string;
  eventType: 'JeopardyAlertEvent';
  correlationId: string;
  domain: string;
  title: string;
  description: string;
  priority: string;
  event: {
    jeopardyAlert: {
      id: string;
      alertDate: string;
      jeopardyType: string;
      name: string;
      message: string;
      productOrder: { id: string; href: string };
      productOrderItem: Array<{ id: string }>;
      '@type': 'JeopardyAlert';
    };
  };
};

type StateEventType = ProductOrderEvent['eventType'];

/** One row of the outbox: the event and what it is keyed and ordered by. */
/** TMF622 CancelProductOrderCreateEvent / CancelProductOrderStateChangeEvent. */
export type CancelProductOrderEvent = {
  eventId: string;
  eventTime: string;
  eventType: 'CancelProductOrderCreateEvent' | 'CancelProductOrderStateChangeEvent';
  correlationId: string;
  domain: string;
  title: string;
  description: string;
  event: { cancelProductOrder: CancelProductOrder };
};

export type OutboxEvent<P extends ProductOrderEvent | JeopardyAlertEvent | CancelProductOrderEvent = ProductOrderEvent | JeopardyAlertEvent | CancelProductOrderEvent> = {
  eventId: string;
  eventType: P['eventType'];
  orderId: string;
  payload: P;
};

export type SequencedTransition = Transition & { seq: number };

const TITLES: Record<OrderEventType, string> = {
  ProductOrderCreateEvent: 'Product order created',
  ProductOrderStateChangeEvent: 'Product order state changed',
  ProductOrderAttributeValueChangeEvent: 'Product order attribute changed',
  ProductOrderInformationRequiredEvent: 'Product order requires information',
  JeopardyAlertEvent: 'Product order in jeopardy',
  CancelProductOrderCreateEvent: 'Cancellation requested',
  CancelProductOrderStateChangeEvent: 'Cancellation state changed',
};

export const eventIdOf = (orderId: string, seq: number, eventType: OrderEventType) => `${orderId}:${seq}:${eventType}`;

/** The events each transition raises, in transition order; each carries `order` as it is now. */
export function eventsForTransitions(order: ProductOrder, transitions: readonly SequencedTransition[]): OutboxEvent<ProductOrderEvent>[] {
  return transitions.flatMap((t) => eventTypesOf(t).map((type) => outboxEvent(order, t, type)));
}

/** Order and item transitions are TMF ProductOrder changes; finer ones (plan tasks) are not. */
function eventTypesOf(t: Transition): StateEventType[] {
  const types: StateEventType[] = [];
  // A new order's items arrive with its create event; a sub-state change alone is no state change.
  if (t.entity === 'order' && t.from === null) types.push('ProductOrderCreateEvent');
  if (t.entity === 'order' && t.from !== null && t.from !== t.to) types.push('ProductOrderStateChangeEvent');
  if (t.entity === 'item' && t.from !== null && t.from !== t.to) types.push('ProductOrderAttributeValueChangeEvent');
  if (t.entity === 'order' && t.reasonCode === CHANGE_APPLIED) types.push('ProductOrderAttributeValueChangeEvent');
  if ((t.entity === 'order' && t.to === 'pending') || t.reasonCode === INFORMATION_REQUIRED) types.push('ProductOrderInformationRequiredEvent');
  return types;
}

function outboxEvent(order: ProductOrder, t: SequencedTransition, eventType: StateEventType): OutboxEvent<ProductOrderEvent> {
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
    ...(t.entity === 'order' && t.reasonCode === CHANGE_APPLIED ? { fieldPath: 'version,productOrderItem,requestedStartDate,requestedCompletionDate' } : {}),
    event: { productOrder: order },
  };
  return { eventId, eventType, orderId: order.id, payload };
}

function describe(order: ProductOrder, t: Transition): string {
  const subject = t.entity === 'order' ? `Order ${order.id}` : `${t.entity === 'item' ? 'Item' : 'Task'} ${t.entityId} of order ${order.id}`;
  const change = t.from === null ? `created in state ${t.to}` : t.from === t.to ? `changed (version ${order.version})` : `changed state from ${t.from} to ${t.to}`;
  return `${subject} ${change} (${t.reasonCode}${t.reasonText ? `: ${t.reasonText}` : ''})`;
}

/** Where TMF622 delivers an event: the subscriber's listener resource under its callback. */
export const listenerUrl = (callback: string, eventType: OrderEventType) =>
  `${callback.replace(/\/$/, '')}/listener/${eventType.charAt(0).toLowerCase()}${eventType.slice(1)}`;

/** The alert events of new jeopardy level changes (from low up: every level is news to someone). */
export function eventsForJeopardies(order: ProductOrder, jeopardies: readonly JeopardyEvent[]): OutboxEvent<JeopardyAlertEvent>[] {
  return jeopardies.map((j) => {
    const eventId = `${order.id}:${j.id}:JeopardyAlertEvent`;
    const payload: JeopardyAlertEvent = {
      eventId,
      eventTime: j.at,
      eventType: 'JeopardyAlertEvent',
      correlationId: order.id,
      domain: EVENT_DOMAIN,
      title: TITLES.JeopardyAlertEvent,
      description: j.message,
      priority: String(4 - rank(j.level)),
      event: {
        jeopardyAlert: {
          id: j.id,
          alertDate: j.at,
          jeopardyType: j.level,
          name: j.kind === 'task' ? `SLA of "${j.taskName}" at risk` : 'Committed completion date at risk',
          message: j.message,
          productOrder: { id: order.id, href: order.href },
          productOrderItem: j.orderItemId ? [{ id: j.orderItemId }] : [],
          '@type': 'JeopardyAlert',
        },
      },
    };
    return { eventId, eventType: 'JeopardyAlertEvent' as const, orderId: order.id, payload };
  });
}

/**
 * Whether a subscription's query admits an event type. Ordo understands `eventType=A,B`
 * (TMF622 style); no query admits everything.
 */
export function subscriptionAccepts(query: string | null | undefined, eventType: OrderEventType): boolean {
  const wanted = parseSubscriptionQuery(query);
  return wanted === undefined || wanted.includes(eventType);
}

/** The event types a query selects (undefined: all); throws on a query Ordo cannot honour. */
export function parseSubscriptionQuery(query: string | null | undefined): OrderEventType[] | undefined {
  if (!query) return undefined;
  const match = /^eventType=([A-Za-z,]+)$/.exec(query.trim());
  const types = match?.[1]!.split(',').filter(Boolean) ?? [];
  const unknown = types.filter((t) => !(ORDER_EVENT_TYPES as readonly string[]).includes(t));
  if (!match || types.length === 0 || unknown.length > 0) {
    throw new Error(`query must be "eventType=<type>[,<type>…]" with types among ${ORDER_EVENT_TYPES.join(', ')}`);
  }
  return types as OrderEventType[];
}

/**
 * The events of changed cancellations: the create event once per cancellation, a state change
 * once per state it reaches (ids are deterministic, so a re-projection adds nothing).
 */
export function eventsForCancellations(order: ProductOrder, changed: readonly CancelProductOrder[]): OutboxEvent<CancelProductOrderEvent>[] {
  return changed.flatMap((c) => {
    const make = (eventType: CancelProductOrderEvent['eventType'], key: string): OutboxEvent<CancelProductOrderEvent> => {
      const eventId = `${c.id}:${key}:${eventType}`;
      const at = c.effectiveCancellationDate ?? new Date().toISOString();
      return {
        eventId,
        eventType,
        orderId: order.id,
        payload: { eventId, eventTime: at, eventType, correlationId: order.id, domain: EVENT_DOMAIN, title: TITLES[eventType], description: `${c.id} is ${c.state}${c.stateReason ? `: ${c.stateReason}` : ''}`, event: { cancelProductOrder: c } },
      };
    };
    return [make('CancelProductOrderCreateEvent', 'created'), ...(c.state === 'acknowledged' ? [] : [make('CancelProductOrderStateChangeEvent', c.state)])];
  });
}

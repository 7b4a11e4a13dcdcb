import type { JeopardyLevel } from './jeopardy.js';
import type { ProductOrderCreate, ProductOrderItemCreate } from './tmf622/schemas.js';

/**
 * The customer order as Ordo holds it: the TMF622 ProductOrder plus extension fields
 * (`subState`, `version`). Pure types and functions, shared by the API, activities and workflows.
 */
export const ORDER_STATES = [
  'acknowledged',
  'rejected',
  'pending',
  'held',
  'inProgress',
  'cancelled',
  'completed',
  'failed',
  'partial',
  'assessingCancellation',
  'pendingCancellation',
] as const;
export type OrderStateType = (typeof ORDER_STATES)[number];

export const ITEM_STATES = ORDER_STATES.filter((s) => s !== 'partial');
export type ItemStateType = Exclude<OrderStateType, 'partial'>;

export type OrderSubState = 'enriching' | 'awaitingApproval' | 'decomposing' | 'fulfilling' | 'revising' | 'fallout' | 'cancelling';

export type ProductOrderItem = ProductOrderItemCreate & {
  state: ItemStateType;
  /** Extension: the item's point of no return was reached (never goes back to false). */
  ponr?: boolean;
  /** Extension: when the item's plan is expected to finish. */
  expectedCompletionDate?: string;
  /** Extension: the highest jeopardy level of the item's open tasks. */
  jeopardyLevel?: JeopardyLevel;
};

export type ProductOrder = Omit<ProductOrderCreate, 'productOrderItem'> & {
  id: string;
  href: string;
  orderDate: string;
  state: OrderStateType;
  /** Extension: the finer internal state behind `state`. */
  subState?: OrderSubState;
  /** Extension: increments only when a change request is applied. */
  version: number;
  expectedCompletionDate?: string;
  /** Extension: the highest jeopardy level of the order (items and its committed date). */
  jeopardyLevel?: JeopardyLevel;
  completionDate?: string;
  cancellationDate?: string;
  cancellationReason?: string;
  productOrderItem: ProductOrderItem[];
  '@type': 'ProductOrder';
};

/** One recorded state change, of the order or one of its items. */
export interface Transition {
  entity: 'order' | 'item' | 'task';
  entityId: string;
  from: string | null;
  to: string;
  subState?: OrderSubState;
  at: string;
  actor: string;
  reasonCode: string;
  reasonText?: string;
}

export const CUSTOMER_ROLE = 'customer';

/** The customer the order is for: the related party whose role is `customer`. */
export function customerIdOf(order: Pick<ProductOrderCreate, 'relatedParty'>): string | undefined {
  return order.relatedParty?.find((p) => p.role?.toLowerCase() === CUSTOMER_ROLE)?.id;
}

/** The offerings an order names (its items' offerings, and their products'), each once: what its catalog holds. */
export function offeringIdsOf(order: Pick<ProductOrderCreate, 'productOrderItem'>): string[] {
  const ids = order.productOrderItem.flatMap((i) => [i.productOffering?.id, i.product?.productOffering?.id]);
  return [...new Set(ids.filter((id): id is string => !!id))];
}

export interface Acknowledgement {
  id: string;
  href: string;
  orderDate: string;
  actor: string;
}

/** A valid submission becomes an acknowledged order, every item acknowledged, version 1. */
export function acknowledgeOrder(input: ProductOrderCreate, ack: Acknowledgement): { order: ProductOrder; transitions: Transition[] } {
  const order: ProductOrder = {
    ...input,
    id: ack.id,
    href: ack.href,
    orderDate: ack.orderDate,
    state: 'acknowledged',
    version: 1,
    productOrderItem: input.productOrderItem.map((item) => ({ ...item, quantity: item.quantity ?? 1, state: 'acknowledged' })),
    '@type': 'ProductOrder',
  };
  const at = ack.orderDate;
  const transitions: Transition[] = [
    { entity: 'order', entityId: order.id, from: null, to: 'acknowledged', at, actor: ack.actor, reasonCode: 'SUBMITTED' },
    ...order.productOrderItem.map((item): Transition => ({ entity: 'item', entityId: item.id, from: null, to: 'acknowledged', at, actor: ack.actor, reasonCode: 'SUBMITTED' })),
  ];
  return { order, transitions };
}

/** One line for operators (Temporal UI summary): id, customer, item count. */
export function orderSummary(order: ProductOrder): string {
  const items = order.productOrderItem.length;
  const customer = customerIdOf(order) ?? 'unknown customer';
  return `Order ${order.id}${order.externalId ? ` (${order.externalId})` : ''} for ${customer}: ${items} item${items === 1 ? '' : 's'}`;
}

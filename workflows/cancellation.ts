import { type CancelProductOrder, cancellationIdOf } from '../domain/cancellation.js';
import type { Actor, OrderRecord } from '../domain/order-record.js';
import type { CancellationRequest } from './messages.js';
import { closeItems } from './item-closer.js';

const now = () => new Date().toISOString();
const ENDED_UNDELIVERED = ['failed', 'cancelled', 'rejected'];

/** The items a request targets: the named ones, or every item still open. */
export const targetedItems = (record: OrderRecord, request: Pick<CancellationRequest, 'itemIds'>) =>
  request.itemIds ?? record.order.productOrderItem.filter((i) => !ENDED_UNDELIVERED.includes(i.state)).map((i) => i.id);

/**
 * Assesses a cancellation against the live order, atomically (the workflow runs one thing at a
 * time, so a PONR milestone and a cancellation can never both win): refused when a targeted item
 * passed its point of no return — the order returns to its previous state — else accepted, and
 * `carryOut` compensates and cancels. Returns the CancelProductOrder and, when accepted, the work.
 */
export function assessCancellation(
  record: OrderRecord,
  request: CancellationRequest,
  publish: () => Promise<void>,
): { cancellation: CancelProductOrder; carryOut?: Promise<void> } {
  const itemIds = targetedItems(record, request);
  // Whole order: every item is targeted or already ended without being delivered.
  const whole = record.order.productOrderItem.every((i) => itemIds.includes(i.id) || ENDED_UNDELIVERED.includes(i.state));
  const id = cancellationIdOf(record.id, record.cancellations.length + 1);
  const cancellation: CancelProductOrder = {
    id,
    href: `${request.href}/${id}`,
    state: 'acknowledged',
    ...(request.cancellationReason ? { cancellationReason: request.cancellationReason } : {}),
    ...(request.requestedCancellationDate ? { requestedCancellationDate: request.requestedCancellationDate } : {}),
    productOrder: { id: record.id, href: record.order.href, '@referredType': 'ProductOrder' },
    ...(request.itemIds ? { productOrderItem: request.itemIds.map((id) => ({ id })) } : {}),
    '@type': 'CancelProductOrder',
  };
  const by: Actor = { actor: request.actor, reasonCode: 'CANCELLATION_REQUESTED', ...(request.cancellationReason ? { reasonText: request.cancellationReason } : {}) };
  const { state, subState } = record.order;
  record.setOrderState('assessingCancellation', undefined, now(), by);

  const pastPonr = record.itemsPastPonr(itemIds);
  if (pastPonr.length > 0) {
    const reason = `PONR_REACHED: item(s) ${pastPonr.join(', ')} passed the point of no return`;
    record.setOrderState(state, subState, now(), { actor: request.actor, reasonCode: 'PONR_REACHED', reasonText: reason });
    return { cancellation: record.saveCancellation({ ...cancellation, state: 'terminatedWithError', stateReason: reason }) };
  }
  const accepted = record.saveCancellation({ ...cancellation, state: 'inProgress' });
  if (whole) {
    record.cancelling = true;
    record.setOrderState('pendingCancellation', 'cancelling', now(), by);
  } else {
    record.setOrderState(state, subState, now(), { ...by, reasonCode: 'PARTIAL_CANCELLATION_ACCEPTED' });
  }
  for (const id of itemIds) record.setItemState(id, 'pendingCancellation', now(), by);
  return { cancellation: accepted, carryOut: carryOut(record, accepted, itemIds, whole, by, publish) };
}

async function carryOut(record: OrderRecord, cancellation: CancelProductOrder, itemIds: string[], whole: boolean, by: Actor, publish: () => Promise<void>): Promise<void> {
  await closeItems(record, itemIds, 'cancelled', by, publish);
  const at = now();
  if (whole) {
    record.cancelling = false;
    record.setOrderState('cancelled', undefined, at, by);
    record.order = { ...record.order, cancellationDate: at, ...(cancellation.cancellationReason ? { cancellationReason: cancellation.cancellationReason } : {}) };
  } else if (record.plans.length > 0) {
    // Fulfilment under way: the rest of the order rolls up (before it, the order keeps waiting).
    record.rollUp(at, by);
  }
  record.saveCancellation({ ...cancellation, state: 'done', effectiveCancellationDate: at });
  await publish();
}

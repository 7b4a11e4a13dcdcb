/**
 * TMF622 CancelProductOrder: a request to cancel a whole order or some of its items
 * (../shared/spec/domain.md §6). Refused when a targeted item passed its point of no return.
 */
export const CANCELLATION_STATES = ['acknowledged', 'inProgress', 'done', 'terminatedWithError'] as const;
export type CancellationState = (typeof CANCELLATION_STATES)[number];

export interface CancelProductOrder {
  id: string;
  href: string;
  state: CancellationState;
  cancellationReason?: string;
  requestedCancellationDate?: string;
  effectiveCancellationDate?: string;
  productOrder: { id: string; href: string; '@referredType': 'ProductOrder' };
  /** Extension: the items to cancel (all the order's open items when absent). */
  productOrderItem?: Array<{ id: string }>;
  /** Extension: why a refused cancellation was refused (`PONR_REACHED: …`). */
  stateReason?: string;
  '@type': 'CancelProductOrder';
}

/** Cancellation ids carry their order (`CPO-<orderId>-<n>`), like fallout ids. */
export const cancellationIdOf = (orderId: string, n: number) => `CPO-${orderId}-${n}`;

export function orderIdOfCancellation(id: string): string | undefined {
  return /^CPO-(.+)-\d+$/.exec(id)?.[1];
}

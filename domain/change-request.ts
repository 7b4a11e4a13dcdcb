import type { CharacteristicValue } from './catalog.js';
import type { TaskState } from './plan.js';
import type { ProductOrderItemCreate } from './tmf622/schemas.js';

/**
 * In-flight change of an order (../shared/spec/domain.md §6): a request of actions, assessed
 * against the live plan, previewed, then approved (applied: version + 1) or declined.
 * `requested → approved → applied`, or `declined`, `withdrawn`; a refused request is never stored.
 */
export const CHANGE_REQUEST_STATES = ['requested', 'approved', 'applied', 'declined', 'withdrawn'] as const;
export type ChangeRequestState = (typeof CHANGE_REQUEST_STATES)[number];

export type Place = NonNullable<NonNullable<ProductOrderItemCreate['product']>['place']>[number];

export type ChangeAction =
  | { action: 'addItem'; item: ProductOrderItemCreate }
  | { action: 'removeItem'; itemId: string }
  | { action: 'changeCharacteristic'; itemId: string; characteristics: Array<{ name: string; value: CharacteristicValue }> }
  | { action: 'changeQuantity'; itemId: string; quantity: number }
  | { action: 'changeDates'; requestedStartDate?: string; requestedCompletionDate?: string }
  | { action: 'changePlace'; itemId: string; place: Place[] };

export const CHANGE_ACTIONS = ['addItem', 'removeItem', 'changeCharacteristic', 'changeQuantity', 'changeDates', 'changePlace'] as const;

/** One task a change touches, as it stood when the change was assessed. */
export interface TaskImpact {
  taskId: string;
  orderItemId: string;
  name: string;
  state: TaskState;
  system?: string;
  operation?: string;
}

/** A completed step to undo: the compensating operation and exactly what it releases. */
export interface UndoImpact extends TaskImpact {
  undo: string;
  /** The output the step recorded when it ran (e.g. `{ modemSerial: 'M-1A2B3C' }`). */
  releases: Record<string, unknown>;
  completedAt?: string;
}

/** What a change does to the order; the preview of a request and the record of its application. */
export interface ChangeImpact {
  items: { added: string[]; removed: string[]; changed: string[] };
  /** Completed steps undone, in the order they are undone (reverse dependency order). */
  undo: UndoImpact[];
  /** Steps that ran and run again with the new values (a new idempotency key). */
  redo: TaskImpact[];
  /** Steps not started yet that will run with the new values. */
  replanned: TaskImpact[];
  newTasks: TaskImpact[];
  /** Steps dropped from the plan (undone first when they had completed). */
  removedTasks: TaskImpact[];
  /** Steps that may not start while the request awaits its decision (the affected subtree). */
  held: string[];
  /** One-off price difference, where the offerings are priced (one currency). */
  priceDelta?: { amount: number; currency: string };
  expectedCompletionDate?: string;
  previousExpectedCompletionDate?: string;
}

export interface ChangeRequest {
  id: string;
  orderId: string;
  state: ChangeRequestState;
  actions: ChangeAction[];
  reason?: string;
  /** The order version the request was assessed against; `toVersion` once applied. */
  fromVersion: number;
  toVersion?: number;
  /** The preview, as assessed when the request was accepted. */
  impact: ChangeImpact;
  /** What the application actually did (equal to `impact` unless a running step ended otherwise). */
  applied?: ChangeImpact;
  /** Tasks put on hold for the decision, with the state each returns to when it is declined. */
  held: Array<{ taskId: string; from: TaskState }>;
  requestedBy: string;
  requestedAt: string;
  decidedBy?: string;
  decidedAt?: string;
  decisionReason?: string;
  appliedAt?: string;
}

/** Change request ids carry their order (`CR-<orderId>-<n>`), like cancellation ids. */
export const changeRequestIdOf = (orderId: string, n: number) => `CR-${orderId}-${n}`;

export function orderIdOfChangeRequest(id: string): string | undefined {
  return /^CR-(.+)-\d+$/.exec(id)?.[1];
}

/** Awaiting its decision, or approved and being applied: no second change may start. */
export const isChangeOpen = (c: Pick<ChangeRequest, 'state'>) => c.state === 'requested' || c.state === 'approved';

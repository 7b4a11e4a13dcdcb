import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ProductOrder, Transition } from '../domain/order.js';
import type { CancelProductOrder } from '../domain/cancellation.js';
import type { Fallout, ResolutionAction } from '../domain/fallout.js';
import type { ItemPlan, PlanTask } from '../domain/plan.js';
import type { Catalog } from '../domain/catalog.js';
import type { ChangeAction, ChangeImpact, ChangeRequest } from '../domain/change-request.js';
import type { ErrorCode } from '../domain/errors.js';

/**
 * The messages an order workflow accepts, shared by the workflow and its callers (API, tests).
 * Only definitions live here: importing this file pulls in no workflow code.
 */
export interface OrderWorkflowInput {
  order: ProductOrder;
  transitions: Transition[];
  /** Hash of the submitted body (Idempotency-Key reuse detection). */
  requestHash: string;
  idempotencyKey?: string;
  /** The catalog the order was accepted with; without it the workflow loads it (an activity). */
  catalog?: Catalog;
}

export interface OrderView {
  order: ProductOrder;
  revision: number;
  requestHash: string;
  idempotencyKey?: string;
  enrichment: PlanTask[];
  plans: ItemPlan[];
  fallouts: readonly Fallout[];
  cancellations: readonly CancelProductOrder[];
  changeRequests: readonly ChangeRequest[];
}

export const getOrderQuery = defineQuery<OrderView>('getOrder');

export interface ApprovalDecision {
  decision: 'approve' | 'reject';
  reason?: string;
  actor: string;
}

/** A fulfilment manager approves or rejects an order that awaits approval. */
export const decideApprovalUpdate = defineUpdate<ProductOrder, [ApprovalDecision]>('decideApproval');

export interface TaskCompletion {
  taskId: string;
  actor: string;
  note?: string;
  /** Enrichment tasks: the value of the characteristic they ask for. */
  value?: string | number | boolean;
}

/** An agent completes a human task (enrichment or a plan task such as an installation). */
export const completeTaskUpdate = defineUpdate<PlanTask, [TaskCompletion]>('completeTask');

export const orderWorkflowId = (orderId: string) => `order-${orderId}`;

export interface FalloutResolutionCommand {
  falloutId: string;
  action: ResolutionAction;
  note: string;
  patch?: Record<string, string | number | boolean>;
  actor: string;
}

/** A fulfilment agent or manager resolves an open fallout (retry, patch, skip, …). */
export const resolveFalloutUpdate = defineUpdate<Fallout, [FalloutResolutionCommand]>('resolveFallout');

/** Assigns an open fallout to a person. */
export const assignFalloutUpdate = defineUpdate<Fallout, [{ falloutId: string; assignee: string; actor: string }]>('assignFallout');

/** A fulfilment agent parks a running task in fallout by hand. */
export const raiseFalloutUpdate = defineUpdate<Fallout, [{ taskId: string; reason: string; actor: string }]>('raiseFallout');

/** Puts a ready human task on hold (e.g. waiting for the customer): its SLA clock stops. */
export const holdTaskUpdate = defineUpdate<PlanTask, [{ taskId: string; reason: string; actor: string }]>('holdTask');

/** Releases a task from hold: it is ready again, its SLA clock resumes with the budget it had left. */
export const releaseTaskUpdate = defineUpdate<PlanTask, [{ taskId: string; actor: string; note?: string }]>('releaseTask');

export interface CancellationRequest {
  href: string;
  cancellationReason?: string;
  requestedCancellationDate?: string;
  /** Items to cancel; absent: the whole order. */
  itemIds?: string[];
  actor: string;
}

/**
 * TMF622 cancellation. Assessed at once against the live plan: refused (terminatedWithError,
 * PONR_REACHED naming the items) or accepted (the targeted items are compensated and cancelled).
 */
export const requestCancellationUpdate = defineUpdate<CancelProductOrder, [CancellationRequest]>('requestCancellation');

export interface ChangeRequestCommand {
  actions: ChangeAction[];
  reason?: string;
  actor: string;
  /** Offerings (and specifications) of added items that the order's catalog does not have yet. */
  catalog?: Pick<Catalog, 'offerings' | 'specifications'>;
}

/** What a change would do, or why it would be refused (a dry run changes nothing). */
export type ChangePreview = { ok: true; impact: ChangeImpact; order: ProductOrder } | { ok: false; code: ErrorCode; message: string };

/** A dry run of a change request against the live plan. */
export const previewChangeQuery = defineQuery<ChangePreview, [ChangeRequestCommand]>('previewChange');

/**
 * A change request (add/remove item, characteristic, quantity, dates, place). Its validator checks
 * it against the live plan; accepted, it holds the affected subtree until a manager decides.
 */
export const requestChangeUpdate = defineUpdate<ChangeRequest, [ChangeRequestCommand]>('requestChange');

export interface ChangeDecision {
  changeRequestId?: string;
  decision: 'approve' | 'decline' | 'withdraw';
  reason?: string;
  actor: string;
}

/** A fulfilment manager approves (applies: version + 1) or declines a change; its requester may withdraw it. */
export const decideChangeUpdate = defineUpdate<ChangeRequest, [ChangeDecision & { changeRequestId: string }]>('decideChange');

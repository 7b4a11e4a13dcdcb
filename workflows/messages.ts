import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ProductOrder, Transition } from '../domain/order.js';
import type { ItemPlan, PlanTask } from '../domain/plan.js';

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
}

export interface OrderView {
  order: ProductOrder;
  revision: number;
  requestHash: string;
  idempotencyKey?: string;
  enrichment: PlanTask[];
  plans: ItemPlan[];
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

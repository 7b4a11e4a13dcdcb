import { defineQuery } from '@temporalio/workflow';
import type { ProductOrder, Transition } from '../domain/order.js';

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
}

export const getOrderQuery = defineQuery<OrderView>('getOrder');

export const orderWorkflowId = (orderId: string) => `order-${orderId}`;

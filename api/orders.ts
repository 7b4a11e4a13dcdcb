import { ApplicationFailure, type Client, isGrpcServiceError, ServiceError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { QueryDefinition, UpdateDefinition } from '@temporalio/common';
import type { Db } from '../db/client.js';
import { findOrder } from '../db/orders.js';
import { loadCatalog } from '../db/catalog.js';
import type { Catalog } from '../domain/catalog.js';
import { ERROR_CODES, type ErrorCode, OrdoError } from '../domain/errors.js';
import { acknowledgeOrder, customerIdOf, offeringIdsOf, orderSummary, type ProductOrder } from '../domain/order.js';
import { checkSubmission } from '../domain/order-rules.js';
import { actorOf, type Principal } from '../domain/roles.js';
import type { ProductOrderCreate } from '../domain/tmf622/schemas.js';
import {
  type ApprovalDecision,
  completeTaskUpdate,
  decideApprovalUpdate,
  getOrderQuery,
  orderWorkflowId,
  type OrderView,
  type OrderWorkflowInput,
  type TaskCompletion,
} from '../workflows/messages.js';
import { CustomerId, JeopardyLevel, OpenFallouts, OrderId, OrderState, PonrReached } from '../workflows/search-attributes.js';
import { orderIdFor, requestHash } from './identity.js';

/** What order commands need: the read model, Temporal, and where orders are published. */
export interface OrderContext {
  db: Db;
  temporal: Client;
  taskQueue: string;
  /** Base URL of the TMF622 API, for `href`s. */
  tmfBaseUrl: string;
  now?: () => Date;
}

export interface Submission {
  input: ProductOrderCreate;
  principal: Principal;
  idempotencyKey?: string;
}

export type SubmitResult = { created: true; order: ProductOrder } | { created: false; order: ProductOrder };

/**
 * Submits a product order: checks it, then starts its workflow. Resubmitting the same order
 * (same Idempotency-Key, or same externalId for the same customer) returns the existing order.
 */
export async function submitOrder(ctx: OrderContext, s: Submission): Promise<SubmitResult> {
  const catalog = await catalogIfValid(ctx.db, s.input);
  const customerId = customerIdOf(s.input)!;
  const id = orderIdFor({ customerId, externalId: s.input.externalId, keyId: s.principal.keyId, idempotencyKey: s.idempotencyKey });
  const hash = requestHash(s.input);

  const stored = await findOrder(ctx.db, id);
  if (stored) return replay(s, hash, stored);

  const { order, transitions } = acknowledgeOrder(s.input, {
    id,
    href: `${ctx.tmfBaseUrl}/productOrder/${id}`,
    orderDate: (ctx.now?.() ?? new Date()).toISOString(),
    actor: actorOf(s.principal),
  });
  const input: OrderWorkflowInput = { order, transitions, catalog, requestHash: hash, ...(s.idempotencyKey ? { idempotencyKey: s.idempotencyKey } : {}) };
  try {
    await ctx.temporal.workflow.start('orderWorkflow', {
      workflowId: orderWorkflowId(id),
      taskQueue: ctx.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: OrderId, value: id },
        { key: CustomerId, value: customerId },
        { key: OrderState, value: order.state },
        { key: PonrReached, value: false },
        { key: JeopardyLevel, value: 'none' },
        { key: OpenFallouts, value: 0 },
      ],
      staticSummary: orderSummary(order),
    });
    return { created: true, order };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    // A concurrent request with the same identity won the race: answer with its order.
    return replay(s, hash, await startedWith(ctx, id));
  }
}

/** A resubmission returns the existing order; the same identity with a different body is refused. */
function replay(s: Submission, hash: string, existing: { order: ProductOrder; requestHash: string; idempotencyKey?: string | null }): SubmitResult {
  if (existing.requestHash === hash) return { created: false, order: existing.order };
  if (s.idempotencyKey && existing.idempotencyKey === s.idempotencyKey) {
    throw new OrdoError('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key "${s.idempotencyKey}" was used for order ${existing.order.id} with a different body`);
  }
  if (s.input.externalId) {
    throw new OrdoError('CONFLICT', `externalId "${s.input.externalId}" already names order ${existing.order.id} of this customer, with different content; change that order instead`);
  }
  return { created: false, order: existing.order };
}

/** The catalog of the order's offerings (the order keeps it), once the order is found valid against it. */
async function catalogIfValid(db: Db, input: ProductOrderCreate): Promise<Catalog> {
  const catalog = await loadCatalog(db, offeringIdsOf(input));
  const offerings = new Map(catalog.offerings.map((o) => [o.id, o]));
  const errors = checkSubmission(input, { offering: (id) => offerings.get(id) });
  if (errors.length > 0) {
    throw new OrdoError('VALIDATION_FAILED', `The order breaks ${errors.length} rule${errors.length === 1 ? '' : 's'}: ${errors.map((e) => `${e.path} (${e.rule})`).join(', ')}`, errors);
  }
  return catalog;
}

/**
 * The order as the read model has it, or — just after submission, before the first projection
 * lands — as it was acknowledged, so a client can always read its own write and a read never runs
 * ahead of the rest of the read model (plan, tasks, timeline).
 */
export async function readOrder(ctx: OrderContext, id: string): Promise<ProductOrder> {
  const stored = await findOrder(ctx.db, id);
  if (stored) return stored.order;
  return (await startedWith(ctx, id)).order;
}

/**
 * What an order's workflow was started with (the acknowledged order, its request hash and key),
 * read from the first event of its history: the server answers it alone, so a client reading its
 * own write does not wait on a worker busy with orders in flight (a workflow query did: ≈ 90 ms
 * on an idle system, and UNAVAILABLE with no worker polling).
 */
async function startedWith(ctx: OrderContext, id: string): Promise<OrderWorkflowInput> {
  let payload;
  try {
    const { history } = await ctx.temporal.withDeadline(Date.now() + 10_000, () =>
      ctx.temporal.workflowService.getWorkflowExecutionHistory({ namespace: ctx.temporal.options.namespace, execution: { workflowId: orderWorkflowId(id) }, maximumPageSize: 1 }),
    );
    payload = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  } catch (error) {
    if (isGrpcServiceError(error) && error.code === GRPC_NOT_FOUND) throw new OrdoError('NOT_FOUND', `No product order with id ${id}`);
    throw new OrdoError('UNAVAILABLE', `Order ${id} could not be read just now; try again shortly`);
  }
  if (!payload) throw new OrdoError('NOT_FOUND', `No product order with id ${id}`);
  const { payloadCodecs, payloadConverter } = ctx.temporal.options.loadedDataConverter;
  let decoded = [payload];
  for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return payloadConverter.fromPayload<OrderWorkflowInput>(decoded[0]!);
}

const GRPC_NOT_FOUND = 5;

/**
 * Asks an order's workflow a query: NOT_FOUND for an unknown order, UNAVAILABLE when it cannot
 * answer in time (bounded: a missing worker must not hang a request).
 */
export async function queryOrderWorkflow<Ret, Args extends unknown[]>(ctx: OrderContext, orderId: string, query: QueryDefinition<Ret, Args>, ...args: Args): Promise<Ret> {
  try {
    return await queryLive(ctx, orderId, query, ...args);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new OrdoError('NOT_FOUND', `No product order with id ${orderId}`);
    throw new OrdoError('UNAVAILABLE', `The workflow of order ${orderId} did not answer; try again shortly`);
  }
}

const queryLive = <Ret, Args extends unknown[]>(ctx: OrderContext, orderId: string, query: QueryDefinition<Ret, Args>, ...args: Args) =>
  ctx.temporal.withDeadline(Date.now() + 10_000, () => ctx.temporal.workflow.getHandle(orderWorkflowId(orderId)).query(query, ...args));

/** The live view of an order, or undefined when it cannot be had (for reads that fall back to it). */
export async function liveOrderView(ctx: OrderContext, orderId: string): Promise<OrderView | undefined> {
  try {
    return await queryLive(ctx, orderId, getOrderQuery);
  } catch {
    return undefined;
  }
}

/** A fulfilment manager's approval decision; answers with the order as it stands after it. */
export const decideApproval = (ctx: OrderContext, orderId: string, decision: ApprovalDecision) => updateOrder(ctx, orderId, decideApprovalUpdate, decision);

/** An agent completes a human task; answers with the completed task. */
export const completeTask = (ctx: OrderContext, orderId: string, completion: TaskCompletion) => updateOrder(ctx, orderId, completeTaskUpdate, completion);

/**
 * Sends a command to the order's workflow. Its validator's refusal (a typed ApplicationFailure)
 * becomes the OrdoError of that code; an order whose workflow has ended is ORDER_TERMINAL.
 */
export async function updateOrder<Ret, Arg>(ctx: OrderContext, orderId: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.temporal.workflow.getHandle(orderWorkflowId(orderId)).executeUpdate(update, { args: [arg] });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
        const type = error.cause.type ?? '';
        throw new OrdoError(isErrorCode(type) ? type : 'CONFLICT', error.cause.message);
      }
      if (error instanceof WorkflowNotFoundError) {
        const stored = await findOrder(ctx.db, orderId);
        if (stored) throw new OrdoError('ORDER_TERMINAL', `Order ${orderId} is ${stored.order.state}: it takes no more commands`);
        throw new OrdoError('NOT_FOUND', `No product order with id ${orderId}`);
      }
      if (!abortedWithItsWorkflowTask(error)) throw error;
      if (attempt === UPDATE_ATTEMPTS) throw new OrdoError('UNAVAILABLE', `Order ${orderId} could not take the command just now; try again shortly`);
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

const UPDATE_ATTEMPTS = 3;

/**
 * The server aborts an Update whose workflow task failed on completion (for instance when the
 * order completed while new events arrived): the workflow never took it, so it is sent again.
 */
function abortedWithItsWorkflowTask(error: unknown): boolean {
  return error instanceof ServiceError && /unexpected workflow task failure/i.test(error.cause instanceof Error ? error.cause.message : '');
}

const isErrorCode = (value: string): value is ErrorCode => (ERROR_CODES as readonly string[]).includes(value);

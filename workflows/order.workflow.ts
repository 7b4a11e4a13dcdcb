import { ApplicationFailure, type CancellationScope, condition, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import type { Catalog } from '../domain/catalog.js';
import { enrichmentTasks, expiredContracts, withCharacteristic } from '../domain/enrichment.js';
import type { ErrorCode } from '../domain/errors.js';
import type { ProductOrder } from '../domain/order.js';
import { type Actor, OrderRecord } from '../domain/order-record.js';
import {
  type ApprovalDecision,
  assignFalloutUpdate,
  completeTaskUpdate,
  type CancellationRequest,
  type FalloutResolutionCommand,
  holdTaskUpdate,
  raiseFalloutUpdate,
  requestCancellationUpdate,
  releaseTaskUpdate,
  resolveFalloutUpdate,
  decideApprovalUpdate,
  getOrderQuery,
  type OrderWorkflowInput,
  type TaskCompletion,
} from './messages.js';
import { assessCancellation, targetedItems } from './cancellation.js';
import { closeItems } from './item-closer.js';
import { watchCommitment } from './jeopardy-watch.js';
import { openFallout, runPlans } from './plan-runner.js';
import { Publisher } from './publisher.js';

const { loadCatalog, recordProducts } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const now = () => new Date().toISOString();
const refuse = (type: ErrorCode | string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

/**
 * One customer order, from acknowledgement to a terminal state: enrichment, approval,
 * decomposition, fulfilment. The workflow is the single writer of the order; every change is
 * published to the read model and to operators.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<ProductOrder> {
  const record = new OrderRecord(input.order, input.transitions);
  const publisher = new Publisher(record, input);
  let approval: ApprovalDecision | undefined;
  /** Set once the decision is in the read model, so the manager's command reads its own write. */
  let decisionPublished = false;

  setHandler(getOrderQuery, () => ({
    order: record.order,
    revision: publisher.currentRevision,
    requestHash: input.requestHash,
    idempotencyKey: input.idempotencyKey,
    enrichment: record.enrichment,
    plans: record.plans,
    fallouts: record.fallouts.all(),
    cancellations: record.cancellations,
  }));
  setHandler(
    decideApprovalUpdate,
    async (decision) => {
      approval = decision;
      await condition(() => decisionPublished);
      return record.order;
    },
    { validator: (decision) => validateApproval(record, decision) },
  );
  setHandler(completeTaskUpdate, (completion) => completeTask(record, completion, publisher), { validator: (completion) => validateCompletion(record, completion) });

  // Fallout: parked steps wait for a person; closing items (abort, cancel) run beside the plan.
  const inFlight = new Map<string, CancellationScope>();
  const closings: Array<Promise<void>> = [];
  const publish = () => publisher.publish();
  setHandler(
    resolveFalloutUpdate,
    async (command) => {
      const resolved = record.fallouts.resolve(command.falloutId, { ...command, at: now() });
      const by: Actor = { actor: command.actor, reasonCode: `FALLOUT_${command.action.toUpperCase()}`, reasonText: command.note };
      if (command.action === 'abortItem') closings.push(closeItems(record, [resolved.orderItemId], 'failed', by, publish));
      if (command.action === 'cancelOrder') {
        const { carryOut } = assessCancellation(record, { href: `${record.order.href.replace(/\/productOrder\/[^/]+$/, '')}/cancelProductOrder`, cancellationReason: command.note, actor: command.actor }, publish);
        if (carryOut) closings.push(carryOut);
      }
      await publish();
      return record.fallouts.get(resolved.id)!;
    },
    { validator: (command) => validateResolution(record, command) },
  );
  setHandler(
    assignFalloutUpdate,
    async ({ falloutId, assignee }) => {
      const assigned = record.fallouts.assign(falloutId, assignee);
      await publish();
      return assigned;
    },
    { validator: ({ falloutId }) => void openFalloutOrRefuse(record, falloutId) },
  );
  setHandler(
    requestCancellationUpdate,
    async (request) => {
      const { cancellation, carryOut } = assessCancellation(record, request, publish);
      if (carryOut) closings.push(carryOut);
      await publish();
      return cancellation;
    },
    { validator: (request) => validateCancellation(record, request) },
  );
  setHandler(
    holdTaskUpdate,
    async ({ taskId, reason, actor }) => {
      const held = record.updateTask(taskId, { state: 'onHold' }, now(), { actor, reasonCode: 'HOLD', reasonText: reason });
      await publish();
      return held;
    },
    { validator: ({ taskId }) => validateHumanTask(record, taskId, 'ready', 'put on hold') },
  );
  setHandler(
    releaseTaskUpdate,
    async ({ taskId, actor, note }) => {
      const released = record.updateTask(taskId, { state: 'ready' }, now(), { actor, reasonCode: 'RELEASE', ...(note ? { reasonText: note } : {}) });
      await publish();
      return released;
    },
    { validator: ({ taskId }) => validateHumanTask(record, taskId, 'onHold', 'released') },
  );
  setHandler(
    raiseFalloutUpdate,
    async ({ taskId, reason, actor }) => {
      const fallout = openFallout(record, record.task(taskId)!, { code: 'RAISED_BY_HAND', message: reason, type: 'other', attempts: 0, raisedBy: actor });
      inFlight.get(taskId)?.cancel();
      await publish();
      return fallout;
    },
    { validator: ({ taskId }) => validateRaise(record, taskId) },
  );

  // A whole-order cancellation can arrive at any step before fulfilment: it ends the order there.
  const cancelled = () => record.cancelling || record.isTerminal();

  await publisher.publish();
  const catalog = await loadCatalog(offeringIdsOf(record.order));
  if (cancelled()) return finishCancelled(record, publisher, closings);

  const expired = expiredContracts(record.order);
  if (expired.length > 0) {
    return reject(record, publisher, { actor: 'system:contract-check', reasonCode: 'CONTRACT_EXPIRED', reasonText: `contract ended before the order date for item(s) ${expired.join(', ')}` });
  }

  record.openEnrichment(enrichmentTasks(record.order, catalog, now()));
  if (record.enrichment.length > 0) {
    record.setOrderState('acknowledged', 'enriching', now(), { actor: 'system:enrichment', reasonCode: 'INFORMATION_REQUIRED', reasonText: record.enrichment.map((t) => t.name).join('; ') });
    await publisher.publish();
    // A task of a cancelled item is cancelled with it: it no longer holds the order up.
    await condition(() => record.enrichment.every((t) => t.state === 'completed' || t.state === 'cancelled') || cancelled());
  }

  if (cancelled()) return finishCancelled(record, publisher, closings);
  record.setOrderState('acknowledged', 'awaitingApproval', now(), { actor: 'system:approval', reasonCode: 'AWAITING_APPROVAL' });
  if (catalog.approval.autoApproveCategories.includes(record.order.category ?? '')) {
    approval = { decision: 'approve', actor: 'system:auto-approval', reason: `category ${record.order.category} is approved automatically` };
  } else {
    await publisher.publish();
    await condition(() => approval !== undefined || cancelled());
  }
  if (approval === undefined) return finishCancelled(record, publisher, closings);
  const decided: Actor = { actor: approval!.actor, reasonCode: approval!.decision === 'approve' ? 'APPROVED' : 'REJECTED', reasonText: approval!.reason };
  if (approval!.decision === 'reject') {
    await reject(record, publisher, decided);
    decisionPublished = true;
    return record.order;
  }

  // SLA clocks and commitment jeopardy came after orders already ran without them: those replay unchanged.
  const slaClocks = patched('sla-clocks');
  await decompose(record, publisher, catalog, decided, slaClocks);
  decisionPublished = true;
  await fulfil(record, publisher, catalog, slaClocks, inFlight, closings);
  return record.order;
}

async function decompose(record: OrderRecord, publisher: Publisher, catalog: Catalog, approved: Actor, slaClocks: boolean): Promise<void> {
  record.setOrderState('inProgress', 'decomposing', now(), approved);
  record.decompose(catalog, now());
  if (slaClocks) record.checkCommitment(now());
  await recordProducts(productRecords(record, 'planned'));
  record.setOrderState('inProgress', 'fulfilling', now(), { actor: 'system:orchestrator', reasonCode: 'DECOMPOSED', reasonText: `${record.plans.flatMap((p) => p.tasks).length} tasks planned` });
  await publisher.publish();
}

async function fulfil(
  record: OrderRecord,
  publisher: Publisher,
  catalog: Catalog,
  slaClocks: boolean,
  inFlight: Map<string, CancellationScope>,
  closings: Array<Promise<void>>,
): Promise<void> {
  if (slaClocks) void watchCommitment(record, () => void publisher.publish());
  await runPlans({ record, publish: () => publisher.publish(), inFlight, slaClocks, bands: catalog.jeopardy?.bands });
  while (closings.length > 0) await closings.shift();
  record.rollUp(now(), { actor: 'system:orchestrator', reasonCode: 'PLAN_FINISHED' });
  await recordProducts(productRecords(record, 'finished'));
  await publisher.publish();
}

async function reject(record: OrderRecord, publisher: Publisher, why: Actor): Promise<ProductOrder> {
  for (const item of record.order.productOrderItem) record.setItemState(item.id, 'rejected', now(), why);
  record.setOrderState('rejected', undefined, now(), why);
  await publisher.publish();
  return record.order;
}

function validateApproval(record: OrderRecord, decision: ApprovalDecision): void {
  const { state, subState } = record.order;
  if (state !== 'acknowledged' || subState !== 'awaitingApproval') {
    throw refuse('NOT_AWAITING_APPROVAL', `Order ${record.id} is not awaiting approval (it is ${state}${subState ? `/${subState}` : ''})`);
  }
  if (decision.decision === 'reject' && !decision.reason?.trim()) throw refuse('VALIDATION_FAILED', 'A rejection needs a reason');
}

function validateCompletion(record: OrderRecord, completion: TaskCompletion): void {
  const task = record.task(completion.taskId);
  if (!task) throw refuse('TASK_NOT_FOUND', `Order ${record.id} has no task ${completion.taskId}`);
  if (task.type !== 'human') throw refuse('TASK_NOT_HUMAN', `Task ${task.id} is ${task.type}: only human tasks are completed by hand`);
  if (task.state !== 'ready') throw refuse('TASK_NOT_OPEN', `Task ${task.id} is ${task.state}, not ready for completion`);
  if (task.input.characteristic && completion.value === undefined) {
    throw refuse('VALIDATION_FAILED', `Task ${task.id} needs a value for characteristic "${String(task.input.characteristic)}"`);
  }
}

async function completeTask(record: OrderRecord, completion: TaskCompletion, publisher: Publisher) {
  const task = record.task(completion.taskId)!;
  const at = now();
  const characteristic = task.input.characteristic;
  if (typeof characteristic === 'string' && completion.value !== undefined) {
    record.order = withCharacteristic(record.order, task.orderItemId, characteristic, completion.value);
  }
  const done = record.updateTask(
    task.id,
    { state: 'completed', actualEnd: at, completedBy: completion.actor, ...(completion.note ? { note: completion.note } : {}), ...(completion.value !== undefined ? { output: { value: completion.value } } : {}) },
    at,
    { actor: completion.actor, reasonCode: 'COMPLETED_BY_HAND', ...(completion.note ? { reasonText: completion.note } : {}) },
  );
  await publisher.publish();
  return done;
}

const offeringIdsOf = (order: ProductOrder) =>
  [...new Set(order.productOrderItem.map((i) => i.productOffering?.id ?? i.product?.productOffering?.id).filter((x): x is string => !!x))];

/** Product inventory: pending while the plan runs, then active (delivered) or terminated (not). */
function productRecords(record: OrderRecord, phase: 'planned' | 'finished') {
  const customerId = record.order.relatedParty?.find((p) => p.role?.toLowerCase() === 'customer')?.id ?? '';
  return record.order.productOrderItem
    .filter((item) => item.action === 'add')
    .map((item) => ({
      id: `${record.id}:${item.id}`,
      orderId: record.id,
      orderItemId: item.id,
      customerId,
      ...(item.productOffering?.id ? { offeringId: item.productOffering.id } : {}),
      status: phase === 'planned' ? ('pendingActive' as const) : item.state === 'completed' ? ('active' as const) : ('terminated' as const),
      body: { characteristics: item.product?.productCharacteristic ?? [], quantity: item.quantity ?? 1 },
    }));
}

function openFalloutOrRefuse(record: OrderRecord, falloutId: string) {
  const fallout = record.fallouts.get(falloutId);
  if (!fallout) throw refuse('FALLOUT_NOT_FOUND', `Order ${record.id} has no fallout ${falloutId}`);
  if (fallout.state !== 'open' && fallout.state !== 'inProgress') throw refuse('FALLOUT_CLOSED', `Fallout ${falloutId} is ${fallout.state}`);
  return fallout;
}

function validateResolution(record: OrderRecord, command: FalloutResolutionCommand): void {
  const fallout = openFalloutOrRefuse(record, command.falloutId);
  const task = record.task(fallout.taskId)!;
  if (command.action === 'skip' && task.mandatory) throw refuse('SKIP_MANDATORY_TASK', `Task ${task.id} is mandatory: it cannot be skipped`);
  if (command.action === 'patchAndRetry' && (!command.patch || Object.keys(command.patch).length === 0)) throw refuse('VALIDATION_FAILED', 'patchAndRetry needs a patch');
  if (command.action === 'patchAndRetry' && task.type !== 'automated') throw refuse('VALIDATION_FAILED', 'only an automated step can be patched');
  if (command.action === 'cancelOrder' && record.cancellationInFlight()) throw refuse('CANCELLATION_IN_PROGRESS', `Order ${record.id} is being cancelled already`);
  const scope = command.action === 'abortItem' ? [fallout.orderItemId] : command.action === 'cancelOrder' ? undefined : [];
  const pastPonr = scope === undefined ? record.itemsPastPonr() : record.itemsPastPonr(scope);
  if (pastPonr.length > 0) throw refuse('PONR_REACHED', `Item(s) ${pastPonr.join(', ')} passed the point of no return`);
}

function validateRaise(record: OrderRecord, taskId: string): void {
  const task = record.task(taskId);
  if (!task || task.domainOrderId === '') throw refuse('TASK_NOT_FOUND', `Order ${record.id} has no plan task ${taskId}`);
  const running = (task.type === 'automated' && task.state === 'inProgress') || (task.type === 'human' && task.state === 'ready');
  if (!running) throw refuse('TASK_NOT_OPEN', `Task ${taskId} is ${task.state}: only a running task can be parked in fallout`);
}

function validateHumanTask(record: OrderRecord, taskId: string, expected: 'ready' | 'onHold', verb: string): void {
  const task = record.task(taskId);
  if (!task || task.domainOrderId === '') throw refuse('TASK_NOT_FOUND', `Order ${record.id} has no plan task ${taskId}`);
  if (task.type !== 'human') throw refuse('TASK_NOT_HUMAN', `Task ${taskId} is ${task.type}: only human tasks are ${verb}`);
  if (task.state !== expected) throw refuse('TASK_NOT_OPEN', `Task ${taskId} is ${task.state}: only a task that is ${expected} can be ${verb}`);
}

/** An order cancelled before it was decomposed: let the cancellation finish, then end. */
async function finishCancelled(record: OrderRecord, publisher: Publisher, closings: Array<Promise<void>>): Promise<ProductOrder> {
  while (closings.length > 0) await closings.shift();
  await publisher.publish();
  return record.order;
}

function validateCancellation(record: OrderRecord, request: CancellationRequest): void {
  if (record.isTerminal()) throw refuse('ORDER_TERMINAL', `Order ${record.id} is ${record.order.state}: there is nothing left to cancel`);
  if (record.cancellationInFlight()) throw refuse('CANCELLATION_IN_PROGRESS', `Order ${record.id} is being cancelled already`);
  const items = new Map(record.order.productOrderItem.map((i) => [i.id, i]));
  for (const id of request.itemIds ?? []) {
    const item = items.get(id);
    if (!item) throw refuse('VALIDATION_FAILED', `Order ${record.id} has no item ${id}`);
    if (['failed', 'cancelled', 'rejected'].includes(item.state)) throw refuse('VALIDATION_FAILED', `Item ${id} is ${item.state}: it cannot be cancelled`);
  }
  if (targetedItems(record, request).length === 0) throw refuse('VALIDATION_FAILED', 'No open item to cancel');
}

import { ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import type { Catalog } from '../domain/catalog.js';
import { enrichmentTasks, expiredContracts, withCharacteristic } from '../domain/enrichment.js';
import type { ErrorCode } from '../domain/errors.js';
import type { ProductOrder } from '../domain/order.js';
import { type Actor, OrderRecord } from '../domain/order-record.js';
import {
  type ApprovalDecision,
  completeTaskUpdate,
  decideApprovalUpdate,
  getOrderQuery,
  type OrderWorkflowInput,
  type TaskCompletion,
} from './messages.js';
import { runPlans } from './plan-runner.js';
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

  await publisher.publish();
  const catalog = await loadCatalog(offeringIdsOf(record.order));

  const expired = expiredContracts(record.order);
  if (expired.length > 0) {
    return reject(record, publisher, { actor: 'system:contract-check', reasonCode: 'CONTRACT_EXPIRED', reasonText: `contract ended before the order date for item(s) ${expired.join(', ')}` });
  }

  record.openEnrichment(enrichmentTasks(record.order, catalog, now()));
  if (record.enrichment.length > 0) {
    record.setOrderState('acknowledged', 'enriching', now(), { actor: 'system:enrichment', reasonCode: 'INFORMATION_REQUIRED', reasonText: record.enrichment.map((t) => t.name).join('; ') });
    await publisher.publish();
    await condition(() => record.enrichment.every((t) => t.state === 'completed'));
  }

  record.setOrderState('acknowledged', 'awaitingApproval', now(), { actor: 'system:approval', reasonCode: 'AWAITING_APPROVAL' });
  if (catalog.approval.autoApproveCategories.includes(record.order.category ?? '')) {
    approval = { decision: 'approve', actor: 'system:auto-approval', reason: `category ${record.order.category} is approved automatically` };
  } else {
    await publisher.publish();
    await condition(() => approval !== undefined);
  }
  const decided: Actor = { actor: approval!.actor, reasonCode: approval!.decision === 'approve' ? 'APPROVED' : 'REJECTED', reasonText: approval!.reason };
  if (approval!.decision === 'reject') {
    await reject(record, publisher, decided);
    decisionPublished = true;
    return record.order;
  }

  await decompose(record, publisher, catalog, decided);
  decisionPublished = true;
  await fulfil(record, publisher);
  return record.order;
}

async function decompose(record: OrderRecord, publisher: Publisher, catalog: Catalog, approved: Actor): Promise<void> {
  record.setOrderState('inProgress', 'decomposing', now(), approved);
  record.decompose(catalog, now());
  await recordProducts(productRecords(record, 'pendingActive'));
  record.setOrderState('inProgress', 'fulfilling', now(), { actor: 'system:orchestrator', reasonCode: 'DECOMPOSED', reasonText: `${record.plans.flatMap((p) => p.tasks).length} tasks planned` });
  await publisher.publish();
}

async function fulfil(record: OrderRecord, publisher: Publisher): Promise<void> {
  await runPlans(record, () => publisher.publish());
  record.rollUp(now(), { actor: 'system:orchestrator', reasonCode: 'PLAN_FINISHED' });
  await recordProducts(productRecords(record, 'active'));
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

function productRecords(record: OrderRecord, status: 'pendingActive' | 'active') {
  const customerId = record.order.relatedParty?.find((p) => p.role?.toLowerCase() === 'customer')?.id ?? '';
  return record.order.productOrderItem
    .filter((item) => item.action === 'add' && (status === 'pendingActive' || item.state === 'completed'))
    .map((item) => ({
      id: `${record.id}:${item.id}`,
      orderId: record.id,
      orderItemId: item.id,
      customerId,
      ...(item.productOffering?.id ? { offeringId: item.productOffering.id } : {}),
      status,
      body: { characteristics: item.product?.productCharacteristic ?? [], quantity: item.quantity ?? 1 },
    }));
}

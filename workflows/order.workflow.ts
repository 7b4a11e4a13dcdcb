import { type CancellationScope, condition, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import type { ProductRecord } from '../db/products.js';
import type { Catalog } from '../domain/catalog.js';
import { enrichmentTasks, expiredContracts, withCharacteristic } from '../domain/enrichment.js';
import { offeringIdsOf, type ProductOrder } from '../domain/order.js';
import { type Actor, OrderRecord } from '../domain/order-record.js';
import {
  type ApprovalDecision,
  assignFalloutUpdate,
  completeTaskUpdate,
  holdTaskUpdate,
  raiseFalloutUpdate,
  requestCancellationUpdate,
  requestChangeUpdate,
  decideChangeUpdate,
  previewChangeQuery,
  releaseTaskUpdate,
  resolveFalloutUpdate,
  decideApprovalUpdate,
  getOrderQuery,
  type OrderWorkflowInput,
  type TaskCompletion,
} from './messages.js';
import { Alarm } from './alarm.js';
import { assessCancellation } from './cancellation.js';
import { acceptChange, applyChange, catalogFor, closeChange } from './change.js';
import { closeItems } from './item-closer.js';
import { watchCommitment, watchCommittedDate } from './jeopardy-watch.js';
import { openFallout, runPlans } from './plan-runner.js';
import { Publisher } from './publisher.js';
import {
  openFalloutOrRefuse,
  validateApproval,
  checkChange,
  previewChange,
  validateCancellation,
  validateChangeDecision,
  validateChangeRequest,
  validateCompletion,
  validateHumanTask,
  validateRaise,
  validateResolution,
} from './validators.js';

const { loadCatalog, recordProducts } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

const now = () => new Date().toISOString();
const AUTO_APPROVER = 'system:auto-approval';

/**
 * One customer order, from acknowledgement to a terminal state: enrichment, approval,
 * decomposition, fulfilment. The workflow is the single writer of the order; every change is
 * published to the read model and to operators.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<ProductOrder> {
  const record = new OrderRecord(input.order, input.transitions);
  // Lean publishing and the shared alarm (ADR 0008) came after orders already ran without them: those replay unchanged.
  const lean = patched('lean-history');
  const alarm = lean ? new Alarm() : undefined;
  const publisher = new Publisher(record, input, alarm);
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
    changeRequests: record.changeRequests,
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
  /** What an Update handler awaits before it answers: the read model has its change. */
  const answer = () => publisher.answer();
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
      await answer();
      return record.fallouts.get(resolved.id)!;
    },
    { validator: (command) => validateResolution(record, command) },
  );
  setHandler(
    assignFalloutUpdate,
    async ({ falloutId, assignee }) => {
      const assigned = record.fallouts.assign(falloutId, assignee);
      await answer();
      return assigned;
    },
    { validator: ({ falloutId }) => void openFalloutOrRefuse(record, falloutId) },
  );
  setHandler(
    requestCancellationUpdate,
    async (request) => {
      const { cancellation, carryOut } = assessCancellation(record, request, publish);
      if (carryOut) closings.push(carryOut);
      await answer();
      return cancellation;
    },
    { validator: (request) => validateCancellation(record, request) },
  );
  setHandler(
    holdTaskUpdate,
    async ({ taskId, reason, actor }) => {
      const held = record.updateTask(taskId, { state: 'onHold' }, now(), { actor, reasonCode: 'HOLD', reasonText: reason });
      await answer();
      return held;
    },
    { validator: ({ taskId }) => validateHumanTask(record, taskId, 'ready', 'put on hold') },
  );
  setHandler(
    releaseTaskUpdate,
    async ({ taskId, actor, note }) => {
      const released = record.updateTask(taskId, { state: 'ready' }, now(), { actor, reasonCode: 'RELEASE', ...(note ? { reasonText: note } : {}) });
      await answer();
      return released;
    },
    { validator: ({ taskId }) => validateHumanTask(record, taskId, 'onHold', 'released') },
  );
  setHandler(
    raiseFalloutUpdate,
    async ({ taskId, reason, actor }) => {
      const fallout = openFallout(record, record.task(taskId)!, { code: 'RAISED_BY_HAND', message: reason, type: 'other', attempts: 0, raisedBy: actor });
      inFlight.get(taskId)?.cancel();
      await answer();
      return fallout;
    },
    { validator: ({ taskId }) => validateRaise(record, taskId) },
  );

  // Change requests: assessed against the live plan; the catalog is the order's own (plus added offerings).
  let catalog: Catalog | undefined;
  const changeCatalogs = new Map<string, Catalog>();
  setHandler(previewChangeQuery, (command) => previewChange(record, command, catalog));
  setHandler(
    requestChangeUpdate,
    async (command) => {
      const request = acceptChange(record, command, checkChange(record, command, catalog));
      changeCatalogs.set(request.id, catalogFor(catalog!, command));
      await answer();
      return request;
    },
    { validator: (command) => validateChangeRequest(record, command, catalog) },
  );
  setHandler(
    decideChangeUpdate,
    async (decision) => {
      const request = record.changeRequest(decision.changeRequestId)!;
      if (decision.decision !== 'approve') {
        const closed = closeChange(record, request, decision, decision.decision === 'withdraw' ? 'withdrawn' : 'declined');
        await answer();
        return closed;
      }
      const approved = record.saveChangeRequest({ ...request, state: 'approved', decidedBy: decision.actor, decidedAt: now(), ...(decision.reason ? { decisionReason: decision.reason } : {}) });
      // The order's catalog now has the offerings of the items this change adds.
      catalog = changeCatalogs.get(request.id) ?? catalog!;
      closings.push(applyChange(record, request.id, catalog, publish));
      await answer();
      return approved;
    },
    { validator: (decision) => validateChangeDecision(record, decision) },
  );

  // A whole-order cancellation can arrive at any step before fulfilment: it ends the order there.
  const cancelled = () => record.cancelling || record.isTerminal();

  // Lean: the acknowledged order is projected with the first step that waits, or with its decomposition.
  if (!lean) await publisher.publish();
  // The catalog the API accepted the order with (orders started without one load it).
  catalog = input.catalog ?? (await loadCatalog(offeringIdsOf(record.order)));
  if (alarm) void watchCommittedDate(record, alarm, () => void publisher.publish());
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
    approval = { decision: 'approve', actor: AUTO_APPROVER, reason: `category ${record.order.category} is approved automatically` };
  } else {
    await publisher.publish();
    await condition(() => approval !== undefined || cancelled());
  }
  if (approval === undefined) return finishCancelled(record, publisher, closings);
  const decided: Actor = { actor: approval!.actor, reasonCode: approval!.decision === 'approve' ? 'APPROVED' : 'REJECTED', reasonText: approval!.reason };
  // The manager's decision answers once it is in the read model (lean: the plan follows; before, it
  // waited for the plan too). An automatic approval has nobody waiting.
  const byPerson = approval.actor !== AUTO_APPROVER;
  if (approval!.decision === 'reject') {
    await reject(record, publisher, decided, byPerson);
    decisionPublished = true;
    return record.order;
  }

  // An open change is decided (and applied) before the order is decomposed: the plan is built once, from it.
  await condition(() => !record.openChange());
  // SLA clocks and commitment jeopardy came after orders already ran without them: those replay unchanged.
  const slaClocks = patched('sla-clocks');
  const { decisionProjected } = await decompose(record, publisher, catalog, decided, { slaClocks, lean }, byPerson);
  if (lean) void decisionProjected.then(() => (decisionPublished = true));
  else decisionPublished = true;
  await fulfil(record, publisher, catalog, { slaClocks, lean, alarm }, inFlight, closings);
  return record.order;
}

/** Which later behaviours an order runs with (false only when replaying orders from before them). */
interface Patches {
  slaClocks: boolean;
  lean: boolean;
  /** The shared timer of lean orders. */
  alarm?: Alarm;
}

async function decompose(record: OrderRecord, publisher: Publisher, catalog: Catalog, approved: Actor, patches: Patches, byPerson: boolean): Promise<{ decisionProjected: Promise<void> }> {
  record.setOrderState('inProgress', 'decomposing', now(), approved);
  // Lean: a person's decision is projected on its own, ahead of the (larger) plan.
  const decisionProjected = patches.lean && byPerson ? publisher.answer() : undefined;
  record.decompose(catalog, now());
  if (patches.slaClocks) record.checkCommitment(now());
  await recordProductsWith(publisher, patches, productRecords(record, 'planned'));
  record.setOrderState('inProgress', 'fulfilling', now(), { actor: 'system:orchestrator', reasonCode: 'DECOMPOSED', reasonText: `${record.plans.flatMap((p) => p.tasks).length} tasks planned` });
  const planProjected = publisher.publish();
  // Lean: the first steps start while the plan's projection lands (projections stay in order).
  if (!patches.lean) await planProjected;
  return { decisionProjected: decisionProjected ?? planProjected };
}

async function fulfil(
  record: OrderRecord,
  publisher: Publisher,
  catalog: Catalog,
  patches: Patches,
  inFlight: Map<string, CancellationScope>,
  closings: Array<Promise<void>>,
): Promise<void> {
  const { slaClocks, alarm } = patches;
  if (slaClocks && !alarm) void watchCommitment(record, () => void publisher.publish());
  await runPlans({ record, publish: () => publisher.publish(), note: () => publisher.note(), inFlight, slaClocks, bands: catalog.jeopardy?.bands, alarm });
  while (closings.length > 0) await closings.shift();
  // No deadline matters once the plan has finished: the shared timer is cancelled here, a workflow
  // task before the order completes (orders from before this replay without it).
  if (alarm && patched('alarm-closed-when-plan-finished')) alarm.close();
  record.rollUp(now(), { actor: 'system:orchestrator', reasonCode: 'PLAN_FINISHED' });
  await recordProductsWith(publisher, patches, productRecords(record, 'finished'));
  await publisher.publish();
}

/** Product records go with the next projection; before lean publishing they had an activity of their own. */
async function recordProductsWith(publisher: Publisher, patches: Patches, records: ProductRecord[]): Promise<void> {
  if (patches.lean) publisher.recordProducts(records);
  else await recordProducts(records);
}

async function reject(record: OrderRecord, publisher: Publisher, why: Actor, byPerson = false): Promise<ProductOrder> {
  for (const item of record.order.productOrderItem) record.setItemState(item.id, 'rejected', now(), why);
  record.setOrderState('rejected', undefined, now(), why);
  await (byPerson ? publisher.answer() : publisher.publish());
  return record.order;
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
  await publisher.answer();
  return done;
}

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

/** An order cancelled before it was decomposed: let the cancellation finish, then end. */
async function finishCancelled(record: OrderRecord, publisher: Publisher, closings: Array<Promise<void>>): Promise<ProductOrder> {
  while (closings.length > 0) await closings.shift();
  await publisher.publish();
  return record.order;
}


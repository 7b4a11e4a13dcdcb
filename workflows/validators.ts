import { ApplicationFailure } from '@temporalio/workflow';
import type { Catalog } from '../domain/catalog.js';
import type { Assessment } from '../domain/change-assessment.js';
import type { ChangeImpact } from '../domain/change-request.js';
import type { ErrorCode } from '../domain/errors.js';
import type { OrderRecord } from '../domain/order-record.js';
import { targetedItems } from './cancellation.js';
import { assess } from './change.js';
import type { ApprovalDecision, CancellationRequest, ChangeDecision, ChangePreview, ChangeRequestCommand, FalloutResolutionCommand, TaskCompletion } from './messages.js';

/**
 * The validators of the order workflow's Updates: each checks a command against the live order
 * and refuses it with a typed, non-retryable failure (its type is Ordo's error code, which the API
 * maps to HTTP). A refused command leaves no trace in the workflow's history.
 */
export const refuse = (type: ErrorCode, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

export function validateApproval(record: OrderRecord, decision: ApprovalDecision): void {
  const { state, subState } = record.order;
  if (state !== 'acknowledged' || subState !== 'awaitingApproval') {
    throw refuse('NOT_AWAITING_APPROVAL', `Order ${record.id} is not awaiting approval (it is ${state}${subState ? `/${subState}` : ''})`);
  }
  if (decision.decision === 'reject' && !decision.reason?.trim()) throw refuse('VALIDATION_FAILED', 'A rejection needs a reason');
}

export function validateCompletion(record: OrderRecord, completion: TaskCompletion): void {
  const task = record.task(completion.taskId);
  if (!task) throw refuse('TASK_NOT_FOUND', `Order ${record.id} has no task ${completion.taskId}`);
  if (task.type !== 'human') throw refuse('TASK_NOT_HUMAN', `Task ${task.id} is ${task.type}: only human tasks are completed by hand`);
  if (task.state !== 'ready') throw refuse('TASK_NOT_OPEN', `Task ${task.id} is ${task.state}, not ready for completion`);
  if (task.input.characteristic && completion.value === undefined) {
    throw refuse('VALIDATION_FAILED', `Task ${task.id} needs a value for characteristic "${String(task.input.characteristic)}"`);
  }
}

export function openFalloutOrRefuse(record: OrderRecord, falloutId: string) {
  const fallout = record.fallouts.get(falloutId);
  if (!fallout) throw refuse('FALLOUT_NOT_FOUND', `Order ${record.id} has no fallout ${falloutId}`);
  if (fallout.state !== 'open' && fallout.state !== 'inProgress') throw refuse('FALLOUT_CLOSED', `Fallout ${falloutId} is ${fallout.state}`);
  return fallout;
}

export function validateResolution(record: OrderRecord, command: FalloutResolutionCommand): void {
  const fallout = openFalloutOrRefuse(record, command.falloutId);
  const change = record.openChange();
  if (change && (touchedBy(change.impact).has(fallout.taskId) || ['abortItem', 'cancelOrder'].includes(command.action))) {
    throw refuse('CHANGE_IN_PROGRESS', `Change request ${change.id} (${change.state}) covers this step: decide it first`);
  }
  const task = record.task(fallout.taskId)!;
  if (command.action === 'skip' && task.mandatory) throw refuse('SKIP_MANDATORY_TASK', `Task ${task.id} is mandatory: it cannot be skipped`);
  if (command.action === 'patchAndRetry' && (!command.patch || Object.keys(command.patch).length === 0)) throw refuse('VALIDATION_FAILED', 'patchAndRetry needs a patch');
  if (command.action === 'patchAndRetry' && task.type !== 'automated') throw refuse('VALIDATION_FAILED', 'only an automated step can be patched');
  if (command.action === 'cancelOrder' && record.cancellationInFlight()) throw refuse('CANCELLATION_IN_PROGRESS', `Order ${record.id} is being cancelled already`);
  const scope = command.action === 'abortItem' ? [fallout.orderItemId] : command.action === 'cancelOrder' ? undefined : [];
  const pastPonr = scope === undefined ? record.itemsPastPonr() : record.itemsPastPonr(scope);
  if (pastPonr.length > 0) throw refuse('PONR_REACHED', `Item(s) ${pastPonr.join(', ')} passed the point of no return`);
}

export function validateRaise(record: OrderRecord, taskId: string): void {
  const task = record.task(taskId);
  if (!task || task.domainOrderId === '') throw refuse('TASK_NOT_FOUND', `Order ${record.id} has no plan task ${taskId}`);
  const running = (task.type === 'automated' && task.state === 'inProgress') || (task.type === 'human' && task.state === 'ready');
  if (!running) throw refuse('TASK_NOT_OPEN', `Task ${taskId} is ${task.state}: only a running task can be parked in fallout`);
}

export function validateHumanTask(record: OrderRecord, taskId: string, expected: 'ready' | 'onHold', verb: string): void {
  const task = record.task(taskId);
  if (!task || task.domainOrderId === '') throw refuse('TASK_NOT_FOUND', `Order ${record.id} has no plan task ${taskId}`);
  if (task.type !== 'human') throw refuse('TASK_NOT_HUMAN', `Task ${taskId} is ${task.type}: only human tasks are ${verb}`);
  if (task.state !== expected) throw refuse('TASK_NOT_OPEN', `Task ${taskId} is ${task.state}: only a task that is ${expected} can be ${verb}`);
  const change = record.openChange();
  if (change?.held.some((h) => h.taskId === taskId)) throw refuse('CHANGE_IN_PROGRESS', `Task ${taskId} is held for change request ${change.id}`);
}

export function validateCancellation(record: OrderRecord, request: CancellationRequest): void {
  if (record.isTerminal()) throw refuse('ORDER_TERMINAL', `Order ${record.id} is ${record.order.state}: there is nothing left to cancel`);
  if (record.cancellationInFlight()) throw refuse('CANCELLATION_IN_PROGRESS', `Order ${record.id} is being cancelled already`);
  const change = record.openChange();
  if (change) throw refuse('CHANGE_IN_PROGRESS', `Change request ${change.id} is ${change.state}: decide or withdraw it first`);
  const items = new Map(record.order.productOrderItem.map((i) => [i.id, i]));
  for (const id of request.itemIds ?? []) {
    const item = items.get(id);
    if (!item) throw refuse('VALIDATION_FAILED', `Order ${record.id} has no item ${id}`);
    if (['failed', 'cancelled', 'rejected'].includes(item.state)) throw refuse('VALIDATION_FAILED', `Item ${id} is ${item.state}: it cannot be cancelled`);
  }
  if (targetedItems(record, request).length === 0) throw refuse('VALIDATION_FAILED', 'No open item to cancel');
}

/** Steps a change request undoes, redoes, replans or removes. */
const touchedBy = (impact: ChangeImpact) => new Set([...impact.undo, ...impact.redo, ...impact.replanned, ...impact.removedTasks].map((t) => t.taskId));

/**
 * A change is assessed against the live plan: refused with the rule it breaks, or accepted — the
 * validator, the handler and the dry run all take their assessment from here.
 */
export function checkChange(record: OrderRecord, command: ChangeRequestCommand, catalog: Catalog | undefined): Accepted {
  if (record.isTerminal()) throw refuse('ORDER_TERMINAL', `Order ${record.id} is ${record.order.state}: it can no longer change`);
  if (record.cancelling || record.cancellationInFlight()) throw refuse('CANCELLATION_IN_PROGRESS', `Order ${record.id} is being cancelled`);
  const open = record.openChange();
  if (open) throw refuse('CHANGE_IN_PROGRESS', `Change request ${open.id} is ${open.state}: one change at a time`);
  const closing = record.order.productOrderItem.filter((i) => record.isItemClosing(i.id)).map((i) => i.id);
  if (closing.length > 0) throw refuse('ORDER_NOT_READY', `Item(s) ${closing.join(', ')} are being closed; try again when that is done`);
  if (!catalog) throw refuse('ORDER_NOT_READY', `Order ${record.id} is being acknowledged; try again in a moment`);
  const assessment = assess(record, command, catalog);
  if (!assessment.ok) throw refuse(assessment.code, assessment.message);
  return assessment;
}

type Accepted = Extract<Assessment, { ok: true }>;

export const validateChangeRequest = (record: OrderRecord, command: ChangeRequestCommand, catalog: Catalog | undefined): void => void checkChange(record, command, catalog);

/** The dry run: the same checks and the same assessment as the request, nothing changed. */
export function previewChange(record: OrderRecord, command: ChangeRequestCommand, catalog: Catalog | undefined): ChangePreview {
  try {
    const { impact, order } = checkChange(record, command, catalog);
    return { ok: true, impact, order };
  } catch (error) {
    if (error instanceof ApplicationFailure) return { ok: false, code: error.type as ErrorCode, message: error.message };
    throw error;
  }
}

export function validateChangeDecision(record: OrderRecord, decision: ChangeDecision & { changeRequestId: string }): void {
  const request = record.changeRequest(decision.changeRequestId);
  if (!request) throw refuse('CHANGE_REQUEST_NOT_FOUND', `Order ${record.id} has no change request ${decision.changeRequestId}`);
  if (request.state !== 'requested') throw refuse('CHANGE_REQUEST_CLOSED', `Change request ${request.id} is ${request.state}`);
  if (decision.decision !== 'approve' && !decision.reason?.trim()) throw refuse('VALIDATION_FAILED', `To ${decision.decision} a change request, give a reason`);
}

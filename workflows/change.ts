import { condition } from '@temporalio/workflow';
import type { Catalog } from '../domain/catalog.js';
import { type Assessment, assessChange, type LiveOrder } from '../domain/change-assessment.js';
import { type ChangeRequest, changeRequestIdOf } from '../domain/change-request.js';
import { CHANGE_APPLIED } from '../domain/events.js';
import { isFalloutUnclosed } from '../domain/fallout.js';
import type { Actor, OrderRecord } from '../domain/order-record.js';
import { undoSteps } from './item-closer.js';
import type { ChangeDecision, ChangeRequestCommand } from './messages.js';

const now = () => new Date().toISOString();

/**
 * The live order a change is assessed against. Steps the open request holds are seen in the state
 * they were held from, so the assessment at approval matches the preview the request was accepted
 * with (unless a step that was running then has finished since).
 */
export function liveOrder(record: OrderRecord, open = record.openChange()): LiveOrder {
  const heldFrom = new Map((open?.held ?? []).map((h) => [h.taskId, h.from]));
  const plans = heldFrom.size === 0 ? record.plans : record.plans.map((p) => ({ ...p, tasks: p.tasks.map((t) => (heldFrom.has(t.id) ? { ...t, state: heldFrom.get(t.id)! } : t)) }));
  return { order: record.order, plans };
}

/** The catalog the order runs with, plus the offerings a request adds (sent with the request). */
export function catalogFor(catalog: Catalog, command: Pick<ChangeRequestCommand, 'catalog'>): Catalog {
  if (!command.catalog) return catalog;
  const has = (list: Array<{ id: string }>, id: string) => list.some((x) => x.id === id);
  return {
    ...catalog,
    offerings: [...catalog.offerings, ...command.catalog.offerings.filter((o) => !has(catalog.offerings, o.id))],
    specifications: [...catalog.specifications, ...command.catalog.specifications.filter((s) => !has(catalog.specifications, s.id))],
  };
}

export const assess = (record: OrderRecord, command: ChangeRequestCommand, catalog: Catalog): Assessment =>
  assessChange(liveOrder(record), command.actions, catalogFor(catalog, command), now());

/**
 * Accepts an assessed request: only the affected subtree stops (its steps not yet started go on
 * hold); everything else goes on, SLA clocks included.
 */
export function acceptChange(record: OrderRecord, command: ChangeRequestCommand, assessment: Extract<Assessment, { ok: true }>): ChangeRequest {
  const at = now();
  const id = changeRequestIdOf(record.id, record.changeRequests.length + 1);
  const by: Actor = { actor: command.actor, reasonCode: 'CHANGE_HOLD', reasonText: `held for change request ${id}` };
  const held = assessment.impact.held.map((taskId) => ({ taskId, from: record.task(taskId)!.state }));
  for (const { taskId } of held) record.updateTask(taskId, { state: 'onHold' }, at, by);
  return record.saveChangeRequest({
    id,
    orderId: record.id,
    state: 'requested',
    actions: command.actions,
    ...(command.reason ? { reason: command.reason } : {}),
    fromVersion: record.order.version,
    impact: assessment.impact,
    held,
    requestedBy: command.actor,
    requestedAt: at,
  });
}

/** Declined (or withdrawn): the held steps resume where they were. */
export function closeChange(record: OrderRecord, request: ChangeRequest, decision: ChangeDecision, state: 'declined' | 'withdrawn'): ChangeRequest {
  const at = now();
  const by: Actor = { actor: decision.actor, reasonCode: state === 'declined' ? 'CHANGE_DECLINED' : 'CHANGE_WITHDRAWN', reasonText: decision.reason };
  for (const { taskId, from } of request.held) if (record.task(taskId)?.state === 'onHold') record.updateTask(taskId, { state: from }, at, by);
  return record.saveChangeRequest({ ...request, state, decidedBy: decision.actor, decidedAt: at, decisionReason: decision.reason });
}

/**
 * Applies an approved request: waits for the affected steps still running, assesses again (the
 * preview's function, on the same live plan), undoes completed work newest first with the outputs
 * it recorded, then merges the new plan — steps to redo run again with new idempotency keys, new
 * units and items get their own — and the order becomes version + 1.
 */
export async function applyChange(record: OrderRecord, requestId: string, catalog: Catalog, publish: () => Promise<void>): Promise<void> {
  const request = record.changeRequest(requestId)!;
  const affected = [...request.impact.undo, ...request.impact.redo].map((t) => t.taskId);
  const running = () => affected.some((id) => record.task(id)?.state === 'inProgress');
  await condition(() => !running());

  const by: Actor = { actor: request.decidedBy!, reasonCode: CHANGE_APPLIED, reasonText: `${request.id}: ${request.decisionReason ?? 'approved'}` };
  const assessment = assessChange(liveOrder(record, request), request.actions, catalog, now());
  if (!assessment.ok) {
    // The plan moved on while the request waited (it cannot pass a held step, but a person can
    // abort an item): nothing is applied and the held steps resume.
    closeChange(record, request, { decision: 'decline', actor: 'system:change', reason: `could not be applied: ${assessment.message}` }, 'declined');
    await publish();
    return;
  }
  const { state, subState } = record.order;
  record.setOrderState(state, 'revising', now(), { ...by, reasonCode: 'CHANGE_APPROVED' });
  void publish();
  const undo = assessment.impact.undo.map((u) => record.task(u.taskId)!).filter((t) => t.state === 'completed');
  await undoSteps(record, undo, by, publish);

  const replaced = new Set([...assessment.impact.redo, ...assessment.impact.removedTasks].map((t) => t.taskId));
  for (const f of record.fallouts.all()) {
    if (replaced.has(f.taskId) && isFalloutUnclosed(f)) record.fallouts.close(f.id, now(), 'cancelled');
  }
  record.applyRevision(assessment.order, assessment.plans, assessment.impact.items.removed, now(), by);
  record.saveChangeRequest({ ...request, state: 'applied', toVersion: record.order.version, applied: assessment.impact, appliedAt: now() });
  record.setOrderState(state, subState, now(), by);
  if (record.plans.length > 0) {
    record.reschedule(now());
    record.checkCommitment(now());
    record.rollUp(now(), by);
  }
  await publish();
}

import { loadCatalog } from '../db/catalog.js';
import { findChangeRequest, findOrderVersion, listChangeRequests, listOrderVersions } from '../db/change-requests.js';
import type { ChangeAction, ChangeImpact, ChangeRequest } from '../domain/change-request.js';
import { orderIdOfChangeRequest } from '../domain/change-request.js';
import { OrdoError } from '../domain/errors.js';
import type { ProductOrder } from '../domain/order.js';
import { actorOf, type Principal } from '../domain/roles.js';
import { type ChangeRequestCommand, decideChangeUpdate, previewChangeQuery, requestChangeUpdate } from '../workflows/messages.js';
import { type OrderContext, queryOrderWorkflow, readOrder, updateOrder } from './orders.js';

export interface ChangeSubmission {
  actions: ChangeAction[];
  reason?: string;
  dryRun?: boolean;
}

export type ChangeResult = { dryRun: true; impact: ChangeImpact; order: ProductOrder } | { dryRun: false; changeRequest: ChangeRequest };

/**
 * Submits a change request to the order's workflow, which assesses it against the live plan.
 * A dry run asks the same assessment as a query and changes nothing.
 */
export async function requestChange(ctx: OrderContext, orderId: string, submission: ChangeSubmission, principal: Principal): Promise<ChangeResult> {
  const command: ChangeRequestCommand = {
    actions: submission.actions,
    ...(submission.reason ? { reason: submission.reason } : {}),
    actor: actorOf(principal),
    ...(await catalogOfAddedItems(ctx, submission.actions)),
  };
  if (!submission.dryRun) return { dryRun: false, changeRequest: await updateOrder(ctx, orderId, requestChangeUpdate, command) };
  const preview = await queryOrderWorkflow(ctx, orderId, previewChangeQuery, command);
  if (!preview.ok) throw new OrdoError(preview.code, preview.message);
  return { dryRun: true, impact: preview.impact, order: preview.order };
}

/** A manager approves or declines; the requester (or a manager) withdraws. */
export async function decideChange(ctx: OrderContext, id: string, decision: 'approve' | 'decline' | 'withdraw', reason: string | undefined, principal: Principal): Promise<ChangeRequest> {
  const orderId = orderIdOfChangeRequest(id);
  if (!orderId) throw new OrdoError('CHANGE_REQUEST_NOT_FOUND', `No change request with id ${id}`);
  if (decision === 'withdraw' && principal.role === 'order_agent') {
    const request = await readChangeRequest(ctx, id);
    if (request.requestedBy !== actorOf(principal)) throw new OrdoError('FORBIDDEN', `Only the requester of ${id} or a fulfilment manager may withdraw it`);
  }
  try {
    return await updateOrder(ctx, orderId, decideChangeUpdate, { changeRequestId: id, decision, ...(reason ? { reason } : {}), actor: actorOf(principal) });
  } catch (error) {
    if (error instanceof OrdoError && error.code === 'NOT_FOUND') throw new OrdoError('CHANGE_REQUEST_NOT_FOUND', `No change request with id ${id}`);
    throw error;
  }
}

export async function readChangeRequest(ctx: OrderContext, id: string): Promise<ChangeRequest> {
  const found = await findChangeRequest(ctx.db, id);
  if (!found) throw new OrdoError('CHANGE_REQUEST_NOT_FOUND', `No change request with id ${id}`);
  return found;
}

export async function changeRequestsOf(ctx: OrderContext, orderId: string, page: { offset: number; limit: number }): Promise<ChangeRequest[]> {
  await readOrder(ctx, orderId); // 404 for an unknown order
  return listChangeRequests(ctx.db, orderId, page);
}

/** The order as of a version: the live order for the current one, the stored snapshot for earlier ones. */
export async function orderAtVersion(ctx: OrderContext, orderId: string, version: number): Promise<ProductOrder> {
  const current = await readOrder(ctx, orderId);
  if (version === current.version) return current;
  const stored = version < current.version ? await findOrderVersion(ctx.db, orderId, version) : undefined;
  if (!stored) throw new OrdoError('NOT_FOUND', `Order ${orderId} has no version ${version} (current: ${current.version})`);
  return stored;
}

export async function versionsOf(ctx: OrderContext, orderId: string): Promise<{ orderId: string; current: number; versions: number[] }> {
  const current = await readOrder(ctx, orderId);
  const earlier = await listOrderVersions(ctx.db, orderId);
  return { orderId, current: current.version, versions: [...earlier.filter((v) => v < current.version), current.version] };
}

/** Offerings the order's own catalog may lack: those of added items, sent along with the request. */
async function catalogOfAddedItems(ctx: OrderContext, actions: ChangeAction[]): Promise<Pick<ChangeRequestCommand, 'catalog'>> {
  const ids = actions.flatMap((a) => (a.action === 'addItem' ? [a.item.productOffering?.id ?? a.item.product?.productOffering?.id] : [])).filter((x): x is string => !!x);
  if (ids.length === 0) return {};
  const { offerings, specifications } = await loadCatalog(ctx.db, [...new Set(ids)]);
  return { catalog: { offerings, specifications } };
}

import { findFallout, listFallouts } from '../db/fallouts.js';
import { OrdoError } from '../domain/errors.js';
import type { Fallout, ResolutionAction } from '../domain/fallout.js';
import { assignFalloutUpdate, type FalloutResolutionCommand, raiseFalloutUpdate, resolveFalloutUpdate } from '../workflows/messages.js';
import { liveOrderView, type OrderContext, updateOrder } from './orders.js';

/** Fallout ids carry their order (`FO-<orderId>-<n>`), so commands reach it before the read model does. */
export function orderIdOfFallout(falloutId: string): string {
  const match = /^FO-(.+)-\d+$/.exec(falloutId);
  if (!match) throw new OrdoError('FALLOUT_NOT_FOUND', `No fallout ${falloutId}`);
  return match[1]!;
}

export async function readFallout(ctx: OrderContext, falloutId: string): Promise<Fallout> {
  const stored = await findFallout(ctx.db, falloutId);
  if (stored) return stored;
  const live = (await liveOrderView(ctx, orderIdOfFallout(falloutId)))?.fallouts.find((f) => f.id === falloutId);
  if (live) return live;
  throw new OrdoError('FALLOUT_NOT_FOUND', `No fallout ${falloutId}`);
}

export async function resolveFallout(ctx: OrderContext, command: FalloutResolutionCommand): Promise<Fallout> {
  try {
    return await updateOrder(ctx, orderIdOfFallout(command.falloutId), resolveFalloutUpdate, command);
  } catch (error) {
    // The order ended since: say why in the fallout's terms when the read model has it.
    if (error instanceof OrdoError && error.code === 'ORDER_TERMINAL') {
      const stored = await findFallout(ctx.db, command.falloutId);
      if (stored) throw new OrdoError('FALLOUT_CLOSED', `Fallout ${stored.id} is ${stored.state} and its order has ended`);
    }
    throw error;
  }
}

export const assignFallout = (ctx: OrderContext, falloutId: string, assignee: string, actor: string) =>
  updateOrder(ctx, orderIdOfFallout(falloutId), assignFalloutUpdate, { falloutId, assignee, actor });

export const raiseFallout = (ctx: OrderContext, orderId: string, taskId: string, reason: string, actor: string) =>
  updateOrder(ctx, orderId, raiseFalloutUpdate, { taskId, reason, actor });

export interface BulkOutcome {
  falloutId: string;
  outcome: 'retried' | 'refused';
  code?: string;
  message?: string;
}

/** Retries every unresolved fallout of one system or one root cause; reports each outcome. */
export async function bulkRetry(ctx: OrderContext, group: { system?: string; rootCauseKey?: string }, note: string, actor: string): Promise<BulkOutcome[]> {
  const ids = new Set<string>();
  for (let offset = 0; ; offset += 500) {
    const page = await listFallouts(ctx.db, { ...group, state: 'unresolved' }, { offset, limit: 500 });
    page.fallouts.forEach((f) => ids.add(f.id));
    if (page.fallouts.length < 500) break;
  }
  const outcomes: BulkOutcome[] = [];
  for (const id of ids) outcomes.push(await retryOne(ctx, id, note, actor));
  return outcomes;
}

async function retryOne(ctx: OrderContext, falloutId: string, note: string, actor: string): Promise<BulkOutcome> {
  const action: ResolutionAction = 'retry';
  try {
    await resolveFallout(ctx, { falloutId, action, note, actor });
    return { falloutId, outcome: 'retried' };
  } catch (error) {
    if (error instanceof OrdoError) return { falloutId, outcome: 'refused', code: error.code, message: error.message };
    throw error;
  }
}

import { desc, eq, sql } from 'drizzle-orm';
import type { CancelProductOrder } from '../domain/cancellation.js';
import { eventsForCancellations } from '../domain/events.js';
import type { ProductOrder } from '../domain/order.js';
import type { Db, Tx } from './client.js';
import { appendEvents } from './events.js';
import { cancelProductOrders } from './schema.js';

/** Upserts changed cancellations (revision-guarded) and raises their TMF622 events once each. */
export async function upsertCancellations(tx: Tx | Db, order: ProductOrder, revision: number, changed: CancelProductOrder[]): Promise<void> {
  if (changed.length === 0) return;
  await tx
    .insert(cancelProductOrders)
    .values(changed.map((c) => ({ id: c.id, orderId: c.productOrder.id, state: c.state, revision, body: c })))
    .onConflictDoUpdate({
      target: cancelProductOrders.id,
      set: { state: sql`excluded.state`, revision: sql`excluded.revision`, body: sql`excluded.body`, updatedAt: sql`now()` },
      setWhere: sql`${cancelProductOrders.revision} < excluded.revision`,
    });
  await appendEvents(tx as unknown as Db, eventsForCancellations(order, changed));
}

export async function findCancellation(db: Db, id: string): Promise<CancelProductOrder | undefined> {
  const [row] = await db.select({ body: cancelProductOrders.body }).from(cancelProductOrders).where(eq(cancelProductOrders.id, id)).limit(1);
  return row?.body;
}

export async function listCancellations(db: Db, filter: { orderId?: string }, page: { offset: number; limit: number }): Promise<CancelProductOrder[]> {
  const rows = await db
    .select({ body: cancelProductOrders.body })
    .from(cancelProductOrders)
    .where(filter.orderId ? eq(cancelProductOrders.orderId, filter.orderId) : undefined)
    .orderBy(desc(cancelProductOrders.createdAt), desc(cancelProductOrders.id))
    .limit(page.limit)
    .offset(page.offset);
  return rows.map((r) => r.body);
}

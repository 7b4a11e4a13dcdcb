import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { ChangeRequest } from '../domain/change-request.js';
import type { OrderVersion } from '../domain/order-record.js';
import type { ProductOrder } from '../domain/order.js';
import type { Db, Tx } from './client.js';
import { changeRequests, orderVersions } from './schema.js';

/** Upserts changed change requests (revision-guarded: a late projection never rolls one back). */
export async function upsertChangeRequests(tx: Tx | Db, revision: number, changed: ChangeRequest[]): Promise<void> {
  if (changed.length === 0) return;
  await tx
    .insert(changeRequests)
    .values(changed.map((c) => ({ id: c.id, orderId: c.orderId, state: c.state, revision, body: c })))
    .onConflictDoUpdate({
      target: changeRequests.id,
      set: { state: sql`excluded.state`, revision: sql`excluded.revision`, body: sql`excluded.body`, updatedAt: sql`now()` },
      setWhere: sql`${changeRequests.revision} < excluded.revision`,
    });
}

/** Stores superseded versions of an order once each (a version never changes after it ends). */
export async function recordOrderVersions(tx: Tx | Db, orderId: string, versions: OrderVersion[]): Promise<void> {
  if (versions.length === 0) return;
  await tx
    .insert(orderVersions)
    .values(versions.map((v) => ({ orderId, version: v.version, body: v.order })))
    .onConflictDoNothing();
}

export async function findChangeRequest(db: Db, id: string): Promise<ChangeRequest | undefined> {
  const [row] = await db.select({ body: changeRequests.body }).from(changeRequests).where(eq(changeRequests.id, id)).limit(1);
  return row?.body;
}

/** An order's change requests, newest first. */
export async function listChangeRequests(db: Db, orderId: string, page: { offset: number; limit: number }): Promise<ChangeRequest[]> {
  const rows = await db
    .select({ body: changeRequests.body })
    .from(changeRequests)
    .where(eq(changeRequests.orderId, orderId))
    .orderBy(desc(changeRequests.createdAt), desc(changeRequests.id))
    .limit(page.limit)
    .offset(page.offset);
  return rows.map((r) => r.body);
}

export async function findOrderVersion(db: Db, orderId: string, version: number): Promise<ProductOrder | undefined> {
  const [row] = await db
    .select({ body: orderVersions.body })
    .from(orderVersions)
    .where(and(eq(orderVersions.orderId, orderId), eq(orderVersions.version, version)))
    .limit(1);
  return row?.body;
}

/** The superseded versions of an order, oldest first. */
export async function listOrderVersions(db: Db, orderId: string): Promise<number[]> {
  const rows = await db.select({ version: orderVersions.version }).from(orderVersions).where(eq(orderVersions.orderId, orderId)).orderBy(asc(orderVersions.version));
  return rows.map((r) => r.version);
}

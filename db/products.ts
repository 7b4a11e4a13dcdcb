import { sql } from 'drizzle-orm';
import type { Db, Tx } from './client.js';
import { products } from './schema.js';

export interface ProductRecord {
  id: string;
  orderId: string;
  orderItemId: string;
  customerId: string;
  offeringId?: string;
  status: 'pendingActive' | 'active' | 'terminated';
  body: Record<string, unknown>;
}

/** Product inventory upsert (idempotent: the same record twice leaves one row). */
export async function upsertProducts(db: Tx | Db, records: ProductRecord[]): Promise<void> {
  if (records.length === 0) return;
  await db
    .insert(products)
    .values(records.map((r) => ({ ...r, offeringId: r.offeringId ?? null })))
    .onConflictDoUpdate({ target: products.id, set: { status: sql`excluded.status`, body: sql`excluded.body`, updatedAt: sql`now()` } });
}

export async function productsOfOrder(db: Db, orderId: string) {
  return db.select().from(products).where(sql`${products.orderId} = ${orderId}`).orderBy(products.orderItemId);
}

import { sql } from 'drizzle-orm';
import type { ProductOffering } from '../domain/catalog.js';
import type { Db } from './client.js';
import { productOfferings } from './schema.js';

/** Inserts or replaces offerings by id (seeding is idempotent). */
export async function upsertOfferings(db: Db, offerings: ProductOffering[]): Promise<void> {
  if (offerings.length === 0) return;
  await db
    .insert(productOfferings)
    .values(offerings.map((o) => ({ id: o.id, name: o.name, body: o })))
    .onConflictDoUpdate({ target: productOfferings.id, set: { name: sql`excluded.name`, body: sql`excluded.body`, updatedAt: sql`now()` } });
}

export async function listOfferings(db: Db): Promise<ProductOffering[]> {
  const rows = await db.select({ body: productOfferings.body }).from(productOfferings).orderBy(productOfferings.id);
  return rows.map((r) => r.body);
}

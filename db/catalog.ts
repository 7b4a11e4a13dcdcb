import { eq, inArray, sql } from 'drizzle-orm';
import type { ApprovalPolicy, Catalog, ProductOffering, Specification } from '../domain/catalog.js';
import type { Db } from './client.js';
import { catalogPolicies, productOfferings, productSpecifications } from './schema.js';

/** Inserts or replaces offerings by id (seeding is idempotent). */
export async function upsertOfferings(db: Db, offerings: ProductOffering[]): Promise<void> {
  if (offerings.length === 0) return;
  await db
    .insert(productOfferings)
    .values(offerings.map((o) => ({ id: o.id, name: o.name, body: o })))
    .onConflictDoUpdate({ target: productOfferings.id, set: { name: sql`excluded.name`, body: sql`excluded.body`, updatedAt: sql`now()` } });
}

export async function upsertSpecifications(db: Db, specifications: Specification[]): Promise<void> {
  if (specifications.length === 0) return;
  await db
    .insert(productSpecifications)
    .values(specifications.map((s) => ({ id: s.id, kind: s.kind, body: s })))
    .onConflictDoUpdate({ target: productSpecifications.id, set: { kind: sql`excluded.kind`, body: sql`excluded.body`, updatedAt: sql`now()` } });
}

/** Stores a whole catalog (offerings, specifications, policies), replacing what has the same ids. */
export async function storeCatalog(db: Db, catalog: Catalog): Promise<void> {
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await upsertOfferings(t, catalog.offerings);
    await upsertSpecifications(t, catalog.specifications);
    await tx
      .insert(catalogPolicies)
      .values({ id: 'approval', body: catalog.approval })
      .onConflictDoUpdate({ target: catalogPolicies.id, set: { body: sql`excluded.body`, updatedAt: sql`now()` } });
  });
}

export async function listOfferings(db: Db): Promise<ProductOffering[]> {
  const rows = await db.select({ body: productOfferings.body }).from(productOfferings).orderBy(productOfferings.id);
  return rows.map((r) => r.body);
}

export async function findOfferings(db: Db, ids: string[]): Promise<ProductOffering[]> {
  if (ids.length === 0) return [];
  const rows = await db.select({ body: productOfferings.body }).from(productOfferings).where(inArray(productOfferings.id, [...new Set(ids)]));
  return rows.map((r) => r.body);
}

const NO_AUTO_APPROVAL: ApprovalPolicy = { autoApproveCategories: [] };

/** The catalog an order is decomposed with: the offerings it names, every specification, the policies. */
export async function loadCatalog(db: Db, offeringIds?: string[]): Promise<Catalog> {
  const [offerings, specs, [approval]] = await Promise.all([
    offeringIds ? findOfferings(db, offeringIds) : listOfferings(db),
    db.select({ body: productSpecifications.body }).from(productSpecifications).orderBy(productSpecifications.id),
    db.select({ body: catalogPolicies.body }).from(catalogPolicies).where(eq(catalogPolicies.id, 'approval')),
  ]);
  return { offerings, specifications: specs.map((r) => r.body), approval: approval?.body ?? NO_AUTO_APPROVAL };
}

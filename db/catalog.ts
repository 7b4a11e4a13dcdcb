import { eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { ApprovalPolicy, Catalog, ProductOffering, Specification } from '../domain/catalog.js';
import type { ClassifierRule } from '../domain/fallout.js';
import { type Db, preparedPerDatabase } from './client.js';
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
  await db.transaction(async (tx) => writeCatalog(tx as unknown as Db, catalog));
}

/**
 * Replaces the whole catalog in one transaction: offerings and specifications absent from `catalog`
 * are deleted, the rest upserted, the approval policy stored. Orders already in flight are not
 * affected: each order's workflow reads the catalog once, when it starts, and keeps the plan it
 * decomposes from that copy; only orders started after this commits see the new catalog.
 */
export async function replaceCatalog(db: Db, catalog: Catalog): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(productOfferings).where(notInArray(productOfferings.id, catalog.offerings.map((o) => o.id)));
    await tx.delete(productSpecifications).where(notInArray(productSpecifications.id, catalog.specifications.map((s) => s.id)));
    await writeCatalog(tx as unknown as Db, catalog);
  });
}

async function writeCatalog(db: Db, catalog: Catalog): Promise<void> {
  await upsertOfferings(db, catalog.offerings);
  await upsertSpecifications(db, catalog.specifications);
  await db
    .insert(catalogPolicies)
    .values([
      { id: 'approval', body: catalog.approval },
      { id: 'errorClassifier', body: catalog.errorClassifier ?? [] },
    ])
    .onConflictDoUpdate({ target: catalogPolicies.id, set: { body: sql`excluded.body`, updatedAt: sql`now()` } });
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

export async function getOffering(db: Db, id: string): Promise<ProductOffering | undefined> {
  const [row] = await db.select({ body: productOfferings.body }).from(productOfferings).where(eq(productOfferings.id, id));
  return row?.body;
}

// Every submission loads its catalog: these two are prepared.
const specificationsQuery = preparedPerDatabase((db) =>
  db.select({ body: productSpecifications.body }).from(productSpecifications).orderBy(productSpecifications.id).prepare('catalog_specifications'),
);
const policyQuery = preparedPerDatabase((db) =>
  db.select({ body: catalogPolicies.body }).from(catalogPolicies).where(eq(catalogPolicies.id, sql.placeholder('id'))).prepare('catalog_policy'),
);

export async function listSpecifications(db: Db): Promise<Specification[]> {
  const rows = await specificationsQuery(db).execute();
  return rows.map((r) => r.body);
}

/**
 * The specifications the offerings decompose into: their product specifications and, through
 * relationships, every descendant (one recursive query, however large the catalog).
 */
async function specificationsReachedFrom(db: Db, offeringIds: string[]): Promise<Specification[]> {
  const ids = [...new Set(offeringIds)];
  if (ids.length === 0) return [];
  const reached = sql`with recursive reached(id) as (
      select ${productOfferings.body} ->> 'productSpecificationId' from ${productOfferings} where ${inArray(productOfferings.id, ids)}
      union
      select relationship ->> 'specificationId'
        from ${productSpecifications} join reached on ${productSpecifications.id} = reached.id
        cross join jsonb_array_elements(coalesce(${productSpecifications.body} -> 'relationships', '[]'::jsonb)) as relationship
    ) select id from reached`;
  const rows = await db.select({ body: productSpecifications.body }).from(productSpecifications).where(sql`${productSpecifications.id} in (${reached})`).orderBy(productSpecifications.id);
  return rows.map((r) => r.body);
}

export async function getSpecification(db: Db, id: string): Promise<Specification | undefined> {
  const [row] = await db.select({ body: productSpecifications.body }).from(productSpecifications).where(eq(productSpecifications.id, id));
  return row?.body;
}

const NO_AUTO_APPROVAL: ApprovalPolicy = { autoApproveCategories: [] };

/**
 * The catalog an order is decomposed with: the offerings it names, the specifications they
 * decompose into, the policies. Without offering ids: the whole catalog.
 */
export async function loadCatalog(db: Db, offeringIds?: string[]): Promise<Catalog> {
  const [offerings, specifications, approval, errorClassifier] = await Promise.all([
    offeringIds ? findOfferings(db, offeringIds) : listOfferings(db),
    offeringIds ? specificationsReachedFrom(db, offeringIds) : listSpecifications(db),
    policy<ApprovalPolicy>(db, 'approval'),
    loadErrorClassifier(db),
  ]);
  return { offerings, specifications, approval: approval ?? NO_AUTO_APPROVAL, ...(errorClassifier.length > 0 ? { errorClassifier } : {}) };
}

/** The catalog's error classifier rules (empty when it has none). */
export async function loadErrorClassifier(db: Db): Promise<ClassifierRule[]> {
  return (await policy<ClassifierRule[]>(db, 'errorClassifier')) ?? [];
}

async function policy<T>(db: Db, id: string): Promise<T | undefined> {
  const [row] = await policyQuery(db).execute({ id });
  return row?.body as T | undefined;
}

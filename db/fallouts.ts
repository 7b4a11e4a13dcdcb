import { and, asc, count, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Fallout, FalloutState } from '../domain/fallout.js';
import type { Db, Tx } from './client.js';
import { fallouts } from './schema.js';

/** Upserts changed fallout records; an older revision never overwrites a newer one. */
export async function upsertFallouts(tx: Tx | Db, revision: number, changed: Fallout[]): Promise<void> {
  if (changed.length === 0) return;
  await tx
    .insert(fallouts)
    .values(
      changed.map((f) => ({
        id: f.id,
        orderId: f.orderId,
        orderItemId: f.orderItemId,
        taskId: f.taskId,
        type: f.type,
        priority: f.priority,
        state: f.state,
        system: f.system ?? null,
        rootCauseKey: f.rootCauseKey,
        assignee: f.assignee ?? null,
        openedAt: new Date(f.openedAt),
        resolvedAt: f.resolvedAt ? new Date(f.resolvedAt) : null,
        closedAt: f.closedAt ? new Date(f.closedAt) : null,
        revision,
        body: f,
      })),
    )
    .onConflictDoUpdate({
      target: fallouts.id,
      set: {
        state: sql`excluded.state`,
        assignee: sql`excluded.assignee`,
        resolvedAt: sql`excluded.resolved_at`,
        closedAt: sql`excluded.closed_at`,
        revision: sql`excluded.revision`,
        body: sql`excluded.body`,
      },
      setWhere: sql`${fallouts.revision} < excluded.revision`,
    });
}

export interface FalloutFilter {
  state?: FalloutState | 'unresolved';
  type?: string;
  system?: string;
  orderId?: string;
  assignee?: string;
  rootCauseKey?: string;
  /** Opened before this instant (age filter). */
  openedBefore?: Date;
}

function conditions(f: FalloutFilter): SQL | undefined {
  const where: SQL[] = [];
  if (f.state === 'unresolved') where.push(inArray(fallouts.state, ['open', 'inProgress']));
  else if (f.state) where.push(eq(fallouts.state, f.state));
  if (f.type) where.push(eq(fallouts.type, f.type));
  if (f.system) where.push(eq(fallouts.system, f.system));
  if (f.orderId) where.push(eq(fallouts.orderId, f.orderId));
  if (f.assignee) where.push(eq(fallouts.assignee, f.assignee));
  if (f.rootCauseKey) where.push(eq(fallouts.rootCauseKey, f.rootCauseKey));
  if (f.openedBefore) where.push(lt(fallouts.openedAt, f.openedBefore));
  return and(...where);
}

/** Oldest first (the queue order), with the total matching the filter. */
export async function listFallouts(db: Db, filter: FalloutFilter, page: { offset: number; limit: number }): Promise<{ total: number; fallouts: Fallout[] }> {
  const where = conditions(filter);
  const [rows, [totals]] = await Promise.all([
    db.select({ body: fallouts.body }).from(fallouts).where(where).orderBy(asc(fallouts.priority), asc(fallouts.openedAt), asc(fallouts.id)).limit(page.limit).offset(page.offset),
    db.select({ total: count() }).from(fallouts).where(where),
  ]);
  return { total: totals?.total ?? 0, fallouts: rows.map((r) => r.body) };
}

export async function findFallout(db: Db, id: string): Promise<Fallout | undefined> {
  const [row] = await db.select({ body: fallouts.body }).from(fallouts).where(eq(fallouts.id, id)).limit(1);
  return row?.body;
}

/** Counts by state, type and system, and the mean time to resolve (KPI numbers). */
export async function falloutStats(db: Db) {
  const [byState, byType, bySystem, [mttr]] = await Promise.all([
    db.select({ key: fallouts.state, n: count() }).from(fallouts).groupBy(fallouts.state),
    db.select({ key: fallouts.type, n: count() }).from(fallouts).groupBy(fallouts.type),
    db.select({ key: fallouts.system, n: count() }).from(fallouts).groupBy(fallouts.system),
    db
      .select({ seconds: sql<number | null>`avg(extract(epoch from (${fallouts.resolvedAt} - ${fallouts.openedAt})))::float8` })
      .from(fallouts)
      .where(sql`${fallouts.resolvedAt} is not null`),
  ]);
  const asRecord = (rows: Array<{ key: string | null; n: number }>) => Object.fromEntries(rows.map((r) => [r.key ?? 'none', r.n]));
  return { byState: asRecord(byState), byType: asRecord(byType), bySystem: asRecord(bySystem), meanTimeToResolveSeconds: mttr?.seconds ?? null };
}

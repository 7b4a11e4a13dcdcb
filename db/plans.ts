import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { DomainOrder, PlanTask } from '../domain/plan.js';
import type { Db, Tx } from './client.js';
import { domainOrders, planTasks } from './schema.js';

/** Upserts changed domain orders and tasks; rows from an older revision never overwrite newer ones. */
export async function upsertPlanChanges(
  tx: Tx | Db,
  orderId: string,
  revision: number,
  changed: { domainOrders: DomainOrder[]; tasks: PlanTask[] },
): Promise<void> {
  if (changed.domainOrders.length > 0) {
    await tx
      .insert(domainOrders)
      .values(changed.domainOrders.map((d) => ({ id: d.id, orderId, orderItemId: d.orderItemId, kind: d.kind, state: d.state, revision, body: d })))
      .onConflictDoUpdate({
        target: [domainOrders.orderId, domainOrders.id],
        set: { state: sql`excluded.state`, revision: sql`excluded.revision`, body: sql`excluded.body`, updatedAt: sql`now()` },
        setWhere: sql`${domainOrders.revision} < excluded.revision`,
      });
  }
  if (changed.tasks.length > 0) {
    await tx
      .insert(planTasks)
      .values(
        changed.tasks.map((t) => ({
          id: t.id,
          orderId,
          orderItemId: t.orderItemId,
          domainOrderId: t.domainOrderId,
          name: t.name,
          type: t.type,
          state: t.state,
          system: t.system ?? null,
          assignmentGroup: t.assignmentGroup ?? null,
          mandatory: t.mandatory,
          isPonr: t.isPonr,
          revision,
          body: t,
        })),
      )
      .onConflictDoUpdate({
        target: [planTasks.orderId, planTasks.id],
        set: { state: sql`excluded.state`, revision: sql`excluded.revision`, body: sql`excluded.body`, updatedAt: sql`now()` },
        setWhere: sql`${planTasks.revision} < excluded.revision`,
      });
  }
}

export interface TaskFilter {
  orderId?: string;
  state?: string;
  type?: string;
  system?: string;
  assignmentGroup?: string;
}

export type TaskRow = PlanTask & { orderId: string };

export async function listTasks(db: Db, filter: TaskFilter, page: { offset: number; limit: number }): Promise<{ total: number; tasks: TaskRow[] }> {
  const where: SQL[] = [];
  if (filter.orderId) where.push(eq(planTasks.orderId, filter.orderId));
  if (filter.state) where.push(eq(planTasks.state, filter.state));
  if (filter.type) where.push(eq(planTasks.type, filter.type));
  if (filter.system) where.push(eq(planTasks.system, filter.system));
  if (filter.assignmentGroup) where.push(eq(planTasks.assignmentGroup, filter.assignmentGroup));
  const condition = and(...where);
  const [rows, [totals]] = await Promise.all([
    db.select({ orderId: planTasks.orderId, body: planTasks.body }).from(planTasks).where(condition).orderBy(asc(planTasks.orderId), asc(planTasks.id)).limit(page.limit).offset(page.offset),
    db.select({ total: sql<number>`count(*)::int` }).from(planTasks).where(condition),
  ]);
  return { total: totals?.total ?? 0, tasks: rows.map((r) => ({ ...r.body, orderId: r.orderId })) };
}

export async function planOf(db: Db, orderId: string): Promise<{ domainOrders: DomainOrder[]; tasks: PlanTask[] }> {
  const [dos, tasks] = await Promise.all([
    db.select({ body: domainOrders.body }).from(domainOrders).where(eq(domainOrders.orderId, orderId)).orderBy(asc(domainOrders.id)),
    db.select({ body: planTasks.body }).from(planTasks).where(eq(planTasks.orderId, orderId)).orderBy(asc(planTasks.id)),
  ]);
  return { domainOrders: dos.map((r) => r.body), tasks: tasks.map((r) => r.body) };
}

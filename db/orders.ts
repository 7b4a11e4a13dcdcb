import { and, count, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { ProductOrder, Transition } from '../domain/order.js';
import { customerIdOf } from '../domain/order.js';
import type { CancelProductOrder } from '../domain/cancellation.js';
import type { Fallout } from '../domain/fallout.js';
import type { JeopardyEvent } from '../domain/jeopardy.js';
import type { DomainOrder, PlanTask } from '../domain/plan.js';
import { type Db, preparedPerDatabase } from './client.js';
import { appendOrderEvents } from './events.js';
import { upsertCancellations } from './cancellations.js';
import { recordOrderVersions, upsertChangeRequests } from './change-requests.js';
import type { ChangeRequest } from '../domain/change-request.js';
import type { OrderVersion } from '../domain/order-record.js';
import { upsertFallouts } from './fallouts.js';
import { recordJeopardies } from './jeopardies.js';
import { upsertPlanChanges } from './plans.js';
import { type ProductRecord, upsertProducts } from './products.js';
import { orders, orderTransitions } from './schema.js';

/**
 * What the order workflow projects: the order as of `revision`, its transitions (each with its
 * sequence number, else its index is taken), and the domain orders and tasks that changed.
 */
export interface OrderProjection {
  order: ProductOrder;
  revision: number;
  requestHash: string;
  idempotencyKey?: string;
  transitions: Array<Transition & { seq?: number }>;
  domainOrders?: DomainOrder[];
  tasks?: PlanTask[];
  fallouts?: Fallout[];
  jeopardies?: JeopardyEvent[];
  cancellations?: CancelProductOrder[];
  changeRequests?: ChangeRequest[];
  versions?: OrderVersion[];
  /** Product inventory records, written in the same transaction. */
  products?: ProductRecord[];
}

/**
 * Upserts the order row and appends its transitions, and the TMF622 events of the transitions new
 * to the table, in one transaction. Idempotent and order-insensitive: a replayed or late projection
 * (lower revision) changes nothing, and transitions are keyed by their sequence.
 */
export async function upsertOrderProjection(db: Db, p: OrderProjection): Promise<void> {
  const { order } = p;
  const row = {
    id: order.id,
    externalId: order.externalId ?? null,
    customerId: customerIdOf(order) ?? '',
    state: order.state,
    subState: order.subState ?? null,
    category: order.category ?? null,
    orderDate: new Date(order.orderDate),
    revision: p.revision,
    requestHash: p.requestHash,
    idempotencyKey: p.idempotencyKey ?? null,
    body: order,
  };
  await db.transaction(async (tx) => {
    await tx
      .insert(orders)
      .values(row)
      .onConflictDoUpdate({
        target: orders.id,
        set: { state: row.state, subState: row.subState, revision: row.revision, body: row.body, updatedAt: sql`now()` },
        setWhere: sql`${orders.revision} < excluded.revision`,
      });
    await upsertPlanChanges(tx, order.id, p.revision, { domainOrders: p.domainOrders ?? [], tasks: p.tasks ?? [] });
    await upsertFallouts(tx, p.revision, p.fallouts ?? []);
    await recordJeopardies(tx, order, p.jeopardies ?? []);
    await upsertCancellations(tx, order, p.revision, p.cancellations ?? []);
    await upsertChangeRequests(tx, p.revision, p.changeRequests ?? []);
    await recordOrderVersions(tx, order.id, p.versions ?? []);
    await upsertProducts(tx, p.products ?? []);
    if (p.transitions.length === 0) return;
    const numbered = p.transitions.map((t, index) => ({ ...t, seq: t.seq ?? index }));
    const inserted = await tx
      .insert(orderTransitions)
      .values(
        numbered.map(({ seq, ...t }) => ({
          orderId: order.id,
          seq,
          entity: t.entity,
          entityId: t.entityId,
          fromState: t.from,
          toState: t.to,
          subState: t.subState ?? null,
          at: new Date(t.at),
          actor: t.actor,
          reasonCode: t.reasonCode,
          reasonText: t.reasonText ?? null,
        })),
      )
      .onConflictDoNothing()
      .returning({ seq: orderTransitions.seq });
    // Only transitions recorded just now raise events: a replayed projection appends nothing.
    const bySeq = new Map(numbered.map((t) => [t.seq, t]));
    const recorded = inserted.map(({ seq }) => bySeq.get(seq)!).sort((a, b) => a.seq - b.seq);
    await appendOrderEvents(tx, order, recorded);
  });
}

export interface StoredOrder {
  order: ProductOrder;
  requestHash: string;
  idempotencyKey: string | null;
}

const findOrderQuery = preparedPerDatabase((db) =>
  db
    .select({ order: orders.body, requestHash: orders.requestHash, idempotencyKey: orders.idempotencyKey })
    .from(orders)
    .where(eq(orders.id, sql.placeholder('id')))
    .limit(1)
    .prepare('find_order'),
);

/** Every submission and every order read asks this: prepared. */
export async function findOrder(db: Db, id: string): Promise<StoredOrder | undefined> {
  const [row] = await findOrderQuery(db).execute({ id });
  return row;
}

export interface OrderFilter {
  state?: string;
  externalId?: string;
  customerId?: string;
  category?: string;
  orderDateFrom?: Date;
  orderDateTo?: Date;
}

export interface Page {
  offset: number;
  limit: number;
}

/** A page of orders, newest first, and the total matching the filter. */
export async function listOrders(db: Db, filter: OrderFilter, page: Page): Promise<{ total: number; orders: ProductOrder[] }> {
  const where = and(...conditions(filter));
  const [rows, [totals]] = await Promise.all([
    db.select({ body: orders.body }).from(orders).where(where).orderBy(desc(orders.orderDate), desc(orders.id)).limit(page.limit).offset(page.offset),
    db.select({ total: count() }).from(orders).where(where),
  ]);
  return { total: totals?.total ?? 0, orders: rows.map((r) => r.body) };
}

function conditions(f: OrderFilter): SQL[] {
  const out: SQL[] = [];
  if (f.state) out.push(eq(orders.state, f.state));
  if (f.externalId) out.push(eq(orders.externalId, f.externalId));
  if (f.customerId) out.push(eq(orders.customerId, f.customerId));
  if (f.category) out.push(eq(orders.category, f.category));
  if (f.orderDateFrom) out.push(gte(orders.orderDate, f.orderDateFrom));
  if (f.orderDateTo) out.push(lt(orders.orderDate, f.orderDateTo));
  return out;
}

export async function listTransitions(db: Db, orderId: string): Promise<Transition[]> {
  const rows = await db.select().from(orderTransitions).where(eq(orderTransitions.orderId, orderId)).orderBy(orderTransitions.seq);
  return rows.map((r) => ({
    entity: r.entity as Transition['entity'],
    entityId: r.entityId,
    from: r.fromState,
    to: r.toState,
    ...(r.subState ? { subState: r.subState as Transition['subState'] } : {}),
    at: r.at.toISOString(),
    actor: r.actor,
    reasonCode: r.reasonCode,
    ...(r.reasonText ? { reasonText: r.reasonText } : {}),
  }));
}

import { and, desc, eq, gte, inArray, type SQL } from 'drizzle-orm';
import { eventsForJeopardies } from '../domain/events.js';
import { JEOPARDY_LEVELS, type JeopardyEvent, type JeopardyLevel, rank, recipientOf } from '../domain/jeopardy.js';
import type { ProductOrder } from '../domain/order.js';
import type { Db, Tx } from './client.js';
import { appendEvents } from './events.js';
import { jeopardies, notifications } from './schema.js';

/**
 * Records new jeopardy level changes (once each: keyed by id), the notifications they call for and
 * their JeopardyAlert events for /hub subscribers, in the projection's transaction.
 */
export async function recordJeopardies(tx: Tx | Db, order: ProductOrder, events: JeopardyEvent[]): Promise<void> {
  if (events.length === 0) return;
  const inserted = await tx
    .insert(jeopardies)
    .values(
      events.map((j) => ({
        id: j.id,
        orderId: j.orderId,
        orderItemId: j.orderItemId ?? null,
        taskId: j.taskId ?? null,
        system: j.system ?? null,
        kind: j.kind,
        level: j.level,
        at: new Date(j.at),
        body: j,
      })),
    )
    .onConflictDoNothing()
    .returning({ id: jeopardies.id });
  const fresh = events.filter((j) => inserted.some((r) => r.id === j.id));
  const notices = fresh.flatMap((j) => {
    const recipient = recipientOf(j.level);
    return recipient ? [{ id: `${j.id}:${recipient}`, recipient, orderId: j.orderId, taskId: j.taskId ?? null, level: j.level, message: j.message }] : [];
  });
  if (notices.length > 0) await tx.insert(notifications).values(notices).onConflictDoNothing();
  await appendEvents(tx as unknown as Db, eventsForJeopardies(order, fresh));
}

export interface JeopardyFilter {
  level?: JeopardyLevel;
  /** This level and above. */
  atLeast?: JeopardyLevel;
  orderId?: string;
  system?: string;
  since?: Date;
}

export async function listJeopardies(db: Db, filter: JeopardyFilter, page: { offset: number; limit: number }): Promise<JeopardyEvent[]> {
  const where: SQL[] = [];
  if (filter.level) where.push(eq(jeopardies.level, filter.level));
  if (filter.atLeast) where.push(inArray(jeopardies.level, JEOPARDY_LEVELS.filter((l) => rank(l) >= rank(filter.atLeast!))));
  if (filter.orderId) where.push(eq(jeopardies.orderId, filter.orderId));
  if (filter.system) where.push(eq(jeopardies.system, filter.system));
  if (filter.since) where.push(gte(jeopardies.at, filter.since));
  const rows = await db.select({ body: jeopardies.body }).from(jeopardies).where(and(...where)).orderBy(desc(jeopardies.at), desc(jeopardies.id)).limit(page.limit).offset(page.offset);
  return rows.map((r) => r.body);
}

export async function listNotifications(db: Db, filter: { recipient?: string; orderId?: string }, limit = 100) {
  const where: SQL[] = [];
  if (filter.recipient) where.push(eq(notifications.recipient, filter.recipient));
  if (filter.orderId) where.push(eq(notifications.orderId, filter.orderId));
  return db.select().from(notifications).where(and(...where)).orderBy(desc(notifications.createdAt)).limit(limit);
}

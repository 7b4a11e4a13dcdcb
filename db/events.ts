import { randomUUID } from 'node:crypto';
import { and, eq, isNull, lte, min, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import {
  eventsForTransitions,
  type JeopardyAlertEvent,
  type OrderEventType,
  type OutboxEvent,
  type ProductOrderEvent,
  type SequencedTransition,
  subscriptionAccepts,
} from '../domain/events.js';
import type { ProductOrder } from '../domain/order.js';
import type { Db } from './client.js';
import { eventDeliveries, eventOutbox, hubSubscriptions } from './schema.js';

/**
 * The TMF622 event outbox and its deliveries. Events are appended in the transaction that records
 * the transitions they describe; each is fanned out to the subscriptions that exist at that moment,
 * and the dispatcher (runtime/event-dispatcher.ts) delivers them at least once, in order per order.
 */

/** A TMF622 EventSubscription (`/hub`). */
export interface Subscription {
  id: string;
  callback: string;
  query?: string;
}

/** One event due for one subscriber. */
export interface DeliveryKey {
  subscriptionId: string;
  eventSeq: number;
}

export interface Delivery extends DeliveryKey {
  orderId: string;
  /** Attempts made so far (failed ones, since a delivered event is never claimed again). */
  attempts: number;
  callback: string;
  event: ProductOrderEvent | JeopardyAlertEvent;
}

/**
 * Appends the events of newly recorded transitions (call it in the projection's transaction, with
 * only the transitions that insert actually added). A repeated event id is ignored, and only events
 * new to the outbox are fanned out, so a replayed projection delivers nothing twice.
 */
export async function appendOrderEvents(tx: Db, order: ProductOrder, insertedTransitions: readonly SequencedTransition[]): Promise<void> {
  await appendEvents(tx, eventsForTransitions(order, insertedTransitions));
}

/**
 * Appends events to the outbox (a repeated id is ignored) and fans each new one out to the
 * subscriptions that exist now and whose query admits its type.
 */
export async function appendEvents(tx: Db, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const appended = await tx
    .insert(eventOutbox)
    .values([...events])
    .onConflictDoNothing({ target: eventOutbox.eventId })
    .returning({ seq: eventOutbox.seq, orderId: eventOutbox.orderId, eventType: eventOutbox.eventType });
  if (appended.length === 0) return;
  // Shared locks: a subscription being deleted meanwhile is either waited for (and then not
  // seen) or waits for this transaction (and then removes what it queued).
  const subscribers = await tx.select({ id: hubSubscriptions.id, query: hubSubscriptions.query }).from(hubSubscriptions).for('share');
  const deliveries = subscribers.flatMap((s) =>
    appended.filter((e) => subscriptionAccepts(s.query, e.eventType as OrderEventType)).map((e) => ({ subscriptionId: s.id, eventSeq: e.seq, orderId: e.orderId })),
  );
  if (deliveries.length > 0) await tx.insert(eventDeliveries).values(deliveries);
}

export async function createSubscription(db: Db, s: { callback: string; query?: string; createdBy: string }): Promise<Subscription> {
  const [row] = await db
    .insert(hubSubscriptions)
    .values({ id: randomUUID(), callback: s.callback, query: s.query ?? null, createdBy: s.createdBy })
    .returning();
  return toSubscription(row!);
}

export async function getSubscription(db: Db, id: string): Promise<Subscription | undefined> {
  const [row] = await db.select().from(hubSubscriptions).where(eq(hubSubscriptions.id, id)).limit(1);
  return row && toSubscription(row);
}

/** Removes the subscription and whatever it had not received yet; false when there was none. */
export async function deleteSubscription(db: Db, id: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    // Subscription first: it waits for projections fanning out to it, whose deliveries the
    // next statement then sees and removes.
    const deleted = await tx.delete(hubSubscriptions).where(eq(hubSubscriptions.id, id)).returning({ id: hubSubscriptions.id });
    await tx.delete(eventDeliveries).where(eq(eventDeliveries.subscriptionId, id));
    return deleted.length > 0;
  });
}

function toSubscription(row: typeof hubSubscriptions.$inferSelect): Subscription {
  return { id: row.id, callback: row.callback, ...(row.query !== null ? { query: row.query } : {}) };
}

/**
 * Claims up to `limit` due deliveries and leases them for `leaseMs` (they are not due again until
 * then, so another dispatcher does not send them meanwhile). Per (subscription, order) only the
 * lowest undelivered event is eligible: a later event waits until the earlier one is delivered,
 * however long its retries take. Safe with several dispatchers (rows are locked, skip-locked).
 */
export async function claimDueDeliveries(db: Db, { limit, leaseMs }: { limit: number; leaseMs: number }): Promise<Delivery[]> {
  return db.transaction(async (tx) => {
    const earlier = alias(eventDeliveries, 'earlier');
    const lowestUndelivered = tx
      .select({ seq: min(earlier.eventSeq) })
      .from(earlier)
      .where(and(eq(earlier.subscriptionId, eventDeliveries.subscriptionId), eq(earlier.orderId, eventDeliveries.orderId), isNull(earlier.deliveredAt)));
    const due = await tx
      .select({
        subscriptionId: eventDeliveries.subscriptionId,
        eventSeq: eventDeliveries.eventSeq,
        orderId: eventDeliveries.orderId,
        attempts: eventDeliveries.attempts,
        callback: hubSubscriptions.callback,
        event: eventOutbox.payload,
      })
      .from(eventDeliveries)
      .innerJoin(hubSubscriptions, eq(hubSubscriptions.id, eventDeliveries.subscriptionId))
      .innerJoin(eventOutbox, eq(eventOutbox.seq, eventDeliveries.eventSeq))
      .where(
        and(
          isNull(eventDeliveries.deliveredAt),
          lte(eventDeliveries.nextAttemptAt, sql`now()`),
          eq(eventDeliveries.eventSeq, sql`(${lowestUndelivered})`),
        ),
      )
      .orderBy(eventDeliveries.nextAttemptAt, eventDeliveries.eventSeq)
      .limit(limit)
      .for('update', { of: eventDeliveries, skipLocked: true });
    if (due.length === 0) return [];
    await tx
      .update(eventDeliveries)
      .set({ nextAttemptAt: sql`now() + make_interval(secs => ${leaseMs / 1000})` })
      .where(or(...due.map(matches)));
    return due.map((d) => ({ ...d, event: d.event as ProductOrderEvent }));
  });
}

export async function markDelivered(db: Db, key: DeliveryKey): Promise<void> {
  await db
    .update(eventDeliveries)
    .set({ deliveredAt: sql`now()`, attempts: sql`${eventDeliveries.attempts} + 1` })
    .where(and(matches(key), isNull(eventDeliveries.deliveredAt)));
}

/** Records a failed attempt and when to try again. */
export async function markFailed(db: Db, key: DeliveryKey, attempts: number, nextAttemptAt: Date, error: string): Promise<void> {
  await db
    .update(eventDeliveries)
    .set({ attempts, nextAttemptAt, lastError: error })
    .where(and(matches(key), isNull(eventDeliveries.deliveredAt)));
}

const matches = (key: DeliveryKey) => and(eq(eventDeliveries.subscriptionId, key.subscriptionId), eq(eventDeliveries.eventSeq, key.eventSeq))!;

export const NOTIFICATION_WEBHOOK_SUBSCRIPTION = 'notification-webhook';

/**
 * Points the built-in notification subscription at `url` (JeopardyAlert events only), or removes it
 * when `url` is undefined: notifications reach a configured webhook through the same outbox, at
 * least once, in order per order.
 */
export async function configureNotificationWebhook(db: Db, url: string | undefined): Promise<void> {
  if (!url) {
    await deleteSubscription(db, NOTIFICATION_WEBHOOK_SUBSCRIPTION);
    return;
  }
  await db
    .insert(hubSubscriptions)
    .values({ id: NOTIFICATION_WEBHOOK_SUBSCRIPTION, callback: url, query: 'eventType=JeopardyAlertEvent', createdBy: 'system:config' })
    .onConflictDoUpdate({ target: hubSubscriptions.id, set: { callback: url } });
}

/** Who created a subscription (its actor), or undefined when there is none. */
export async function subscriptionOwner(db: Db, id: string): Promise<string | undefined> {
  const [row] = await db.select({ createdBy: hubSubscriptions.createdBy }).from(hubSubscriptions).where(eq(hubSubscriptions.id, id)).limit(1);
  return row?.createdBy;
}

import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type Database } from '../../db/client.js';
import { claimDueDeliveries, createSubscription, deleteSubscription, getSubscription, markDelivered, markFailed } from '../../db/events.js';
import { upsertOrderProjection } from '../../db/orders.js';
import { eventDeliveries, eventOutbox } from '../../db/schema.js';
import { acknowledgeOrder, type ProductOrder, type ProductOrderItem, type Transition } from '../../domain/order.js';
import { internetOrder } from '../support/orders.js';
import { createTestDatabase } from '../support/postgres.js';
import { openTestDatabase } from '../support/stack.js';

// Claims lease whatever is due in the whole database, so each driver gets a database of its own
// here: the run's shared Postgres database is also served by the dispatchers of API tests.
async function isolatedPostgres(): Promise<Database> {
  const created = (await createTestDatabase())!;
  const database = await openDatabase({ url: created.url, poolSize: 2 });
  return { ...database, close: () => database.close().then(() => created.drop()) };
}

const drivers = [
  { kind: 'pglite', open: () => openTestDatabase('pglite') },
  ...(inject('postgresUrl') ? [{ kind: 'postgres', open: isolatedPostgres }] : []),
];

interface Projected {
  order: ProductOrder;
  transitions: Transition[];
  revision: number;
}

describe.each(drivers)('event outbox on $kind', ({ open }) => {
  let database: Database;
  beforeAll(async () => {
    database = await open();
  });
  afterAll(() => database?.close());

  /** A projected order of `items` items (revision 1): its submission raises one event, ProductOrderCreateEvent. */
  async function projectNewOrder(items = 1): Promise<Projected> {
    const id = randomUUID();
    const body = internetOrder();
    body.productOrderItem = Array.from({ length: items }, (_, i) => ({ ...body.productOrderItem[0]!, id: String(i + 1) }));
    const { order, transitions } = acknowledgeOrder(body, { id, href: `http://x/${id}`, orderDate: new Date().toISOString(), actor: 'test' });
    await upsertOrderProjection(database.db, { order, revision: 1, transitions, requestHash: 'h' });
    return { order, transitions, revision: 1 };
  }

  /**
   * Projects the order's next revision: `moves` recorded after its transitions so far, each an
   * order move ([from, to]) or an item move ([itemId, from, to]), applied to the order's body too.
   */
  async function projectMoves(projected: Projected, ...moves: Array<[string, string] | [string, string, string]>): Promise<Projected> {
    let order = projected.order;
    const added = moves.map((move): Transition => {
      const at = new Date().toISOString();
      if (move.length === 2) {
        const [from, to] = move;
        order = { ...order, state: to as ProductOrder['state'] };
        return { entity: 'order', entityId: order.id, from, to, at, actor: 'test', reasonCode: 'MOVED' };
      }
      const [itemId, from, to] = move;
      order = { ...order, productOrderItem: order.productOrderItem.map((i) => (i.id === itemId ? { ...i, state: to as ProductOrderItem['state'] } : i)) };
      return { entity: 'item', entityId: itemId, from, to, at, actor: 'test', reasonCode: 'MOVED' };
    });
    const next = { order, transitions: [...projected.transitions, ...added], revision: projected.revision + 1 };
    await upsertOrderProjection(database.db, { ...next, requestHash: 'h' });
    return next;
  }

  const subscribe = () => createSubscription(database.db, { callback: `http://127.0.0.1:9/${randomUUID()}`, createdBy: 'test' });

  /** The event ids queued for a subscriber, in outbox order. */
  async function queuedFor(subscriptionId: string): Promise<string[]> {
    const rows = await database.db
      .select({ eventId: eventOutbox.eventId })
      .from(eventDeliveries)
      .innerJoin(eventOutbox, eq(eventOutbox.seq, eventDeliveries.eventSeq))
      .where(eq(eventDeliveries.subscriptionId, subscriptionId))
      .orderBy(eventDeliveries.eventSeq);
    return rows.map((r) => r.eventId);
  }

  async function outboxOf(orderId: string): Promise<string[]> {
    const rows = await database.db.select({ eventId: eventOutbox.eventId }).from(eventOutbox).where(eq(eventOutbox.orderId, orderId)).orderBy(eventOutbox.seq);
    return rows.map((r) => r.eventId);
  }

  it('fans each new event out to the subscriptions that exist, and only to them', async () => {
    const early = await subscribe();
    const first = await projectNewOrder();
    const late = await subscribe();
    const second = await projectNewOrder();
    await projectMoves(first, ['acknowledged', 'inProgress']);

    const firstCreated = `${first.order.id}:0:ProductOrderCreateEvent`;
    const firstStarted = `${first.order.id}:2:ProductOrderStateChangeEvent`;
    const secondCreated = `${second.order.id}:0:ProductOrderCreateEvent`;
    expect(await outboxOf(first.order.id)).toEqual([firstCreated, firstStarted]);
    expect(await outboxOf(second.order.id)).toEqual([secondCreated]);
    expect(await queuedFor(early.id)).toEqual([firstCreated, secondCreated, firstStarted]);
    // Subscribed after the first order was created: it hears that order move on, not its creation.
    expect(await queuedFor(late.id)).toEqual([secondCreated, firstStarted]);
  });

  it('appends nothing when a projection is replayed, and only the events of new transitions when some are added', async () => {
    const subscription = await subscribe();
    const submitted = await projectNewOrder();
    const { order, transitions } = submitted;
    await upsertOrderProjection(database.db, { order, revision: 1, transitions, requestHash: 'h' });
    await upsertOrderProjection(database.db, { order, revision: 2, transitions, requestHash: 'h' });
    expect(await outboxOf(order.id)).toEqual([`${order.id}:0:ProductOrderCreateEvent`]);
    expect(await queuedFor(subscription.id)).toEqual(await outboxOf(order.id));

    // A sub-state-only step (seq 2) raises nothing; the order (3) and its item (4) starting do.
    const moved = await projectMoves({ ...submitted, revision: 2 }, ['acknowledged', 'acknowledged'], ['acknowledged', 'inProgress'], ['1', 'acknowledged', 'inProgress']);
    await upsertOrderProjection(database.db, { ...moved, requestHash: 'h' });
    await upsertOrderProjection(database.db, { ...moved, revision: moved.revision + 1, requestHash: 'h' });
    expect(await outboxOf(order.id)).toEqual([
      `${order.id}:0:ProductOrderCreateEvent`,
      `${order.id}:3:ProductOrderStateChangeEvent`,
      `${order.id}:4:ProductOrderAttributeValueChangeEvent`,
    ]);
    expect(await queuedFor(subscription.id)).toEqual(await outboxOf(order.id));
    const [row] = await database.db.select({ payload: eventOutbox.payload }).from(eventOutbox).where(eq(eventOutbox.eventId, `${order.id}:3:ProductOrderStateChangeEvent`));
    expect(row?.payload).toMatchObject({
      eventType: 'ProductOrderStateChangeEvent',
      event: { productOrder: { id: order.id, state: 'inProgress', productOrderItem: [{ id: '1', state: 'inProgress' }] } },
    });
  });

  it('claims only the lowest undelivered event per order and subscriber, across failures and retries', async () => {
    const subscription = await subscribe();
    const one = await projectNewOrder();
    const two = await projectNewOrder();
    await projectMoves(one, ['acknowledged', 'inProgress'], ['1', 'acknowledged', 'inProgress']);
    const [a1, a2, a3] = await outboxOf(one.order.id);
    expect([a1, a2, a3]).toEqual([
      `${one.order.id}:0:ProductOrderCreateEvent`,
      `${one.order.id}:2:ProductOrderStateChangeEvent`,
      `${one.order.id}:3:ProductOrderAttributeValueChangeEvent`, // never claimed below: a2 is not delivered
    ]);
    const [b1] = await outboxOf(two.order.id);
    expect(b1).toBe(`${two.order.id}:0:ProductOrderCreateEvent`);
    const claim = async () =>
      (await claimDueDeliveries(database.db, { limit: 100, leaseMs: 60_000 })).filter((d) => d.subscriptionId === subscription.id);

    const first = await claim();
    expect(first.map((d) => d.event.eventId).sort()).toEqual([a1, b1].sort());
    expect(first.find((d) => d.event.eventId === a1)).toMatchObject({ orderId: one.order.id, attempts: 0, callback: expect.stringMatching(/^http:/) });
    expect(await claim()).toEqual([]); // leased: not handed out twice

    const delivered = first.find((d) => d.event.eventId === a1)!;
    await markDelivered(database.db, delivered);
    const second = await claim();
    expect(second.map((d) => d.event.eventId)).toEqual([a2]);

    // A failed attempt due again is retried before anything after it; one not yet due holds them back.
    await markFailed(database.db, second[0]!, 1, new Date(Date.now() - 1000), 'HTTP 500');
    const retried = await claim();
    expect(retried.map((d) => [d.event.eventId, d.attempts])).toEqual([[a2, 1]]);
    await markFailed(database.db, retried[0]!, 2, new Date(Date.now() + 60_000), 'HTTP 500');
    expect(await claim()).toEqual([]);
    const [row] = await database.db
      .select()
      .from(eventDeliveries)
      .where(and(eq(eventDeliveries.subscriptionId, subscription.id), eq(eventDeliveries.eventSeq, retried[0]!.eventSeq)));
    expect(row).toMatchObject({ attempts: 2, lastError: 'HTTP 500', deliveredAt: null });

    // Once it is delivered, the next event of that order is the one handed out.
    await markFailed(database.db, retried[0]!, 2, new Date(Date.now() - 1000), 'HTTP 500');
    const third = await claim();
    expect(third.map((d) => [d.event.eventId, d.attempts])).toEqual([[a2, 2]]);
    await markDelivered(database.db, third[0]!);
    expect((await claim()).map((d) => d.event.eventId)).toEqual([a3]);
  });

  it('creates, reads and deletes subscriptions; a query selects event types; a deleted one keeps nothing queued', async () => {
    const subscription = await createSubscription(database.db, { callback: 'https://example.test/listener', query: 'eventType=ProductOrderStateChangeEvent', createdBy: 'test' });
    expect(await getSubscription(database.db, subscription.id)).toEqual({ id: subscription.id, callback: 'https://example.test/listener', query: 'eventType=ProductOrderStateChangeEvent' });
    const submitted = await projectNewOrder();
    await projectMoves(submitted, ['acknowledged', 'inProgress'], ['1', 'acknowledged', 'inProgress']);
    const outbox = await outboxOf(submitted.order.id);
    expect(outbox).toHaveLength(3);
    expect(await queuedFor(subscription.id)).toEqual(outbox.filter((id) => id.endsWith(':ProductOrderStateChangeEvent')));
    expect(await queuedFor(subscription.id)).toHaveLength(1);

    expect(await deleteSubscription(database.db, subscription.id)).toBe(true);
    expect(await getSubscription(database.db, subscription.id)).toBeUndefined();
    expect(await queuedFor(subscription.id)).toEqual([]);
    expect(await deleteSubscription(database.db, subscription.id)).toBe(false);
  });
});

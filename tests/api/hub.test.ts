import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TMF622_BASE } from '../../api/app.js';
import { deleteSubscription, type Subscription } from '../../db/events.js';
import { findOrder } from '../../db/orders.js';
import { eventDeliveries, eventOutbox, hubSubscriptions } from '../../db/schema.js';
import type { OrderEventType, ProductOrderEvent } from '../../domain/events.js';
import type { ProductOrder } from '../../domain/order.js';
import type { Role } from '../../domain/roles.js';
import type { ProductOrderCreate } from '../../domain/tmf622/schemas.js';
import { type EventDispatcher, retryDelayMs, startEventDispatcher } from '../../runtime/event-dispatcher.js';
import { eventually } from '../support/eventually.js';
import { orderDriver } from '../support/flows.js';
import { internetOrder, PRODUCT_ORDER_PATH } from '../support/orders.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const HUB_PATH = `${TMF622_BASE}/hub`;

let stack: TestStack;
let api: ReturnType<typeof orderDriver>;
let dispatcher: EventDispatcher;
const listeners: Listener[] = [];
const subscriptions: string[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  api = orderDriver(stack);
  dispatcher = startEventDispatcher(stack.database.db, {
    pollIntervalMs: 20,
    timeoutMs: 2000,
    initialBackoffMs: 50,
    // Retries stay frequent however many attempts fail (a test holds a listener failing for a while).
    maxBackoffMs: 200,
    log: { warn: () => {}, error: (details, message) => console.error(message, details) },
  });
});
afterAll(async () => {
  await dispatcher?.stop();
  // The run's database is shared: leave no subscriber behind to collect other files' events.
  for (const id of subscriptions) await deleteSubscription(stack.database.db, id);
  await Promise.all(listeners.map((l) => l.close()));
  await stack?.close();
});

interface Received {
  /** The path the event was POSTed to. */
  path: string | undefined;
  event: ProductOrderEvent;
  contentType: string | undefined;
  status: number;
}

interface Listener {
  url: string;
  received: Received[];
  /** What arrived about one order: every request, and the ones answered 2xx. */
  of(orderId: string): { all: Received[]; accepted: Received[] };
  close(): Promise<void>;
}

/** Where a listener whose callback is `/hooks` receives each event type (TMF622: `{callback}/listener/{eventName}`). */
const LISTENER_PATHS: Record<OrderEventType, string> = {
  ProductOrderCreateEvent: '/hooks/listener/productOrderCreateEvent',
  ProductOrderStateChangeEvent: '/hooks/listener/productOrderStateChangeEvent',
  ProductOrderAttributeValueChangeEvent: '/hooks/listener/productOrderAttributeValueChangeEvent',
  ProductOrderInformationRequiredEvent: '/hooks/listener/productOrderInformationRequiredEvent',
  JeopardyAlertEvent: '/hooks/listener/jeopardyAlertEvent',
  CancelProductOrderCreateEvent: '/hooks/listener/cancelProductOrderCreateEvent',
  CancelProductOrderStateChangeEvent: '/hooks/listener/cancelProductOrderStateChangeEvent',
};

/** A real subscriber on 127.0.0.1, its callback `/hooks`; `answer` picks the status of each request. */
async function listen(answer: (event: ProductOrderEvent) => number = () => 204): Promise<Listener> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ProductOrderEvent;
      const status = answer(event);
      received.push({ path: req.url, event, contentType: req.headers['content-type'], status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const listener: Listener = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    of(orderId) {
      const all = received.filter((r) => r.event.event.productOrder.id === orderId);
      return { all, accepted: all.filter((r) => r.status < 300) };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  listeners.push(listener);
  return listener;
}

const subscribeRequest = (body: unknown, role: Role = 'api_client') =>
  stack.app.inject({ method: 'POST', url: HUB_PATH, headers: stack.as(role), payload: body as object });

async function subscribe(callback: string): Promise<Subscription> {
  const res = await subscribeRequest({ callback });
  expect(res.statusCode).toBe(201);
  const created = res.json<Subscription>();
  subscriptions.push(created.id);
  return created;
}

/** A valid order of `items` internet-access items. */
function orderBody(items = 1): ProductOrderCreate {
  const body = internetOrder();
  body.productOrderItem = Array.from({ length: items }, (_, i) => ({ ...body.productOrderItem[0]!, id: String(i + 1) }));
  return body;
}

/** Submits an order and waits until it is projected (its create event is in the outbox). */
async function submitOrder(body = orderBody()): Promise<ProductOrder> {
  const res = await stack.app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: stack.as('api_client'), payload: body });
  expect(res.statusCode).toBe(201);
  const order = res.json<ProductOrder>();
  await eventually(() => findOrder(stack.database.db, order.id));
  return order;
}

/**
 * Approves the order (not residential: it waits for a fulfilment manager) and waits until it is
 * completed in the read model, every event of its story then in the outbox.
 */
async function approveUntilCompleted(order: ProductOrder): Promise<ProductOrder> {
  await api.until(order.id, (o) => o.subState === 'awaitingApproval');
  const approved = await api.approve(order.id);
  expect(approved.statusCode).toBe(200);
  return api.until(order.id, (o) => o.state === 'completed');
}

async function outboxOf(orderId: string): Promise<string[]> {
  const rows = await stack.database.db.select({ eventId: eventOutbox.eventId }).from(eventOutbox).where(eq(eventOutbox.orderId, orderId)).orderBy(eventOutbox.seq);
  return rows.map((r) => r.eventId);
}

/** Waits until `listener` has accepted every event the outbox holds for the order now; returns them. */
async function acceptedAll(listener: Listener, orderId: string): Promise<string[]> {
  const expected = await outboxOf(orderId);
  const accepted = await eventually(async () => {
    const ids = listener.of(orderId).accepted.map((r) => r.event.eventId);
    return ids.length >= expected.length ? ids : undefined;
  });
  // The order may have moved on meanwhile: what arrived is the outbox's order, from its start.
  expect(accepted).toEqual((await outboxOf(orderId)).slice(0, accepted.length));
  return accepted;
}

describe('POST /hub', () => {
  it('subscribes a listener that then receives the order creation, items included, at its listener resource', async () => {
    const listener = await listen();
    const res = await subscribeRequest({ callback: listener.url, query: 'eventType=ProductOrderCreateEvent' });
    expect(res.statusCode).toBe(201);
    const created = res.json<Subscription>();
    subscriptions.push(created.id);
    expect(created).toEqual({ id: expect.any(String), callback: listener.url, query: 'eventType=ProductOrderCreateEvent' });
    expect(res.headers.location).toBe(`${HUB_PATH}/${created.id}`);

    // Submission raises one event: the items arrive inside it. The order then awaits approval.
    const order = await submitOrder(orderBody(2));
    await api.until(order.id, (o) => o.subState === 'awaitingApproval');
    expect(await acceptedAll(listener, order.id)).toEqual([`${order.id}:0:ProductOrderCreateEvent`]);
    await dispatcher.drain();
    const all = listener.of(order.id).all;
    expect(all).toHaveLength(1); // nothing else, and nothing sent twice
    const [create] = all;
    expect(create!.path).toBe('/hooks/listener/productOrderCreateEvent');
    expect(create!.contentType).toBe('application/json');
    expect(create!.status).toBe(204);
    expect(create!.event).toMatchObject({
      eventId: `${order.id}:0:ProductOrderCreateEvent`,
      eventType: 'ProductOrderCreateEvent',
      eventTime: order.orderDate,
      timeOcurred: order.orderDate,
      correlationId: order.id,
      event: { productOrder: { id: order.id, href: order.href, externalId: order.externalId, '@type': 'ProductOrder' } },
    });
    expect(create!.event.event.productOrder.productOrderItem.map((i) => [i.id, i.state])).toEqual([
      ['1', 'acknowledged'],
      ['2', 'acknowledged'],
    ]);
  });

  it('delivers each later change of the order, in order, to the listener resource of its event type', async () => {
    const listener = await listen();
    await subscribe(listener.url);
    const order = await submitOrder(orderBody(2));
    const done = await approveUntilCompleted(order);
    expect(done.productOrderItem.map((i) => i.state)).toEqual(['completed', 'completed']);

    const accepted = await acceptedAll(listener, order.id);
    expect(accepted).toEqual(await outboxOf(order.id));
    const all = listener.of(order.id).all;
    expect(all.map((r) => r.event.eventId)).toEqual(accepted); // each once, all taken
    expect(all.every((r) => r.status === 204 && r.contentType === 'application/json')).toBe(true);
    expect(all.map((r) => [r.path, r.event.eventType])).toEqual(all.map((r) => [LISTENER_PATHS[r.event.eventType], r.event.eventType]));

    expect(all[0]).toMatchObject({ path: '/hooks/listener/productOrderCreateEvent', event: { eventType: 'ProductOrderCreateEvent' } });
    const stateChanges = all.filter((r) => r.path === '/hooks/listener/productOrderStateChangeEvent');
    expect(stateChanges.map((r) => [r.event.eventType, r.event.event.productOrder.state])).toEqual([
      ['ProductOrderStateChangeEvent', 'inProgress'],
      ['ProductOrderStateChangeEvent', 'completed'],
    ]);
    expect(all.at(-1)).toBe(stateChanges.at(-1));
    // Each item is heard starting and completing, never being created (that came with the order).
    const itemChanges = all.filter((r) => r.path === '/hooks/listener/productOrderAttributeValueChangeEvent');
    expect(itemChanges.every((r) => r.event.eventType === 'ProductOrderAttributeValueChangeEvent')).toBe(true);
    for (const id of ['1', '2']) {
      expect(itemChanges.filter((r) => r.event.fieldPath === `productOrderItem[?(@.id=='${id}')].state`).map((r) => r.event.description)).toEqual([
        expect.stringContaining('changed state from acknowledged to inProgress'),
        expect.stringContaining('changed state from inProgress to completed'),
      ]);
    }
  });

  it('retries a failing listener and still delivers every event in order, resending only the one that failed', async () => {
    const body = orderBody(2);
    let failing = true;
    let failed = 0;
    const listener = await listen((event) => {
      if (event.event.productOrder.externalId !== body.externalId || !failing) return 204;
      failed += 1;
      return 500;
    });
    const subscription = await subscribe(listener.url);
    const order = await submitOrder(body);
    const createId = `${order.id}:0:ProductOrderCreateEvent`;

    // The order moves on while its create event keeps failing: its later events wait behind it.
    await eventually(async () => (failed >= 3 ? true : undefined));
    await approveUntilCompleted(order);
    const story = await outboxOf(order.id);
    expect(story.length).toBeGreaterThan(1);
    expect(listener.of(order.id).accepted).toEqual([]);
    expect(new Set(listener.of(order.id).all.map((r) => r.event.eventId))).toEqual(new Set([createId]));

    failing = false;
    const accepted = await acceptedAll(listener, order.id);
    expect(accepted).toEqual(story);
    const all = listener.of(order.id).all;
    expect(failed).toBeGreaterThanOrEqual(3);
    expect(all.map((r) => [r.event.eventId, r.status])).toEqual([
      ...Array.from({ length: failed }, () => [createId, 500]),
      ...story.map((id) => [id, 204]),
    ]);
    expect(all.map((r) => r.path)).toEqual(all.map((r) => LISTENER_PATHS[r.event.eventType]));

    const [create] = await stack.database.db
      .select({ attempts: eventDeliveries.attempts, lastError: eventDeliveries.lastError, deliveredAt: eventDeliveries.deliveredAt })
      .from(eventDeliveries)
      .innerJoin(eventOutbox, eq(eventOutbox.seq, eventDeliveries.eventSeq))
      .where(and(eq(eventOutbox.eventId, createId), eq(eventDeliveries.subscriptionId, subscription.id)));
    expect(create).toMatchObject({ attempts: failed + 1, lastError: 'HTTP 500', deliveredAt: expect.any(Date) });
  });

  it('refuses a callback that is not an http(s) URL, and an unknown field, storing nothing', async () => {
    const unique = `http://127.0.0.1:9/${Date.now()}`;
    const bodies = [{ callback: 'not a url' }, { callback: 'ftp://example.test/listener' }, { callback: unique, colour: 'blue' }, { query: 'x' }, { callback: 42 }];
    for (const body of bodies) {
      const res = await subscribeRequest(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, errors: expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/^body\.(callback|colour|query)$/) })]) });
    }
    const stored = await stack.database.db
      .select()
      .from(hubSubscriptions)
      .where(inArray(hubSubscriptions.callback, ['not a url', 'ftp://example.test/listener', unique]));
    expect(stored).toEqual([]);
  });

  it('is refused to roles that may not subscribe, and without a key', async () => {
    const forbidden = await subscribeRequest({ callback: 'http://127.0.0.1:9/x' }, 'fulfilment_agent');
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ code: 'FORBIDDEN' });
    const anonymous = await stack.app.inject({ method: 'POST', url: HUB_PATH, payload: { callback: 'http://127.0.0.1:9/x' } });
    expect(anonymous.statusCode).toBe(401);
    const stored = await stack.database.db.select().from(hubSubscriptions).where(eq(hubSubscriptions.callback, 'http://127.0.0.1:9/x'));
    expect(stored).toEqual([]);
  });
});

describe('DELETE /hub/{id}', () => {
  it('stops delivering new events to the listener', async () => {
    const leaving = await listen();
    const staying = await listen();
    const gone = await subscribe(leaving.url);
    await subscribe(staying.url);

    const before = await submitOrder();
    const createdBefore = `${before.id}:0:ProductOrderCreateEvent`;
    expect(await acceptedAll(leaving, before.id)).toEqual([createdBefore]);
    expect(await acceptedAll(staying, before.id)).toEqual([createdBefore]);

    // Only the key that subscribed (or an admin) may unsubscribe.
    const notYours = await stack.app.inject({ method: 'DELETE', url: `${HUB_PATH}/${gone.id}`, headers: stack.as('order_agent') });
    expect(notYours.json()).toMatchObject({ code: 'FORBIDDEN', status: 403 });
    const res = await stack.app.inject({ method: 'DELETE', url: `${HUB_PATH}/${gone.id}`, headers: stack.as('api_client') });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');

    // The order it heard created moves on, and another is submitted: neither reaches it any more.
    await approveUntilCompleted(before);
    const after = await submitOrder();
    const heardBefore = await acceptedAll(staying, before.id);
    expect(heardBefore).toEqual(await outboxOf(before.id));
    expect(heardBefore.length).toBeGreaterThan(1);
    expect(await acceptedAll(staying, after.id)).toEqual([`${after.id}:0:ProductOrderCreateEvent`]);
    await dispatcher.drain();
    expect(leaving.of(before.id).all.map((r) => r.event.eventId)).toEqual([createdBefore]);
    expect(leaving.of(after.id).all).toEqual([]);
    expect(await stack.database.db.select().from(eventDeliveries).where(eq(eventDeliveries.subscriptionId, gone.id))).toEqual([]);
  });

  it('answers 404 problem+json for an unknown subscription, and 403 to a role that may not unsubscribe', async () => {
    const unknown = await stack.app.inject({ method: 'DELETE', url: `${HUB_PATH}/no-such-subscription`, headers: stack.as('admin') });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(unknown.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no-such-subscription') });

    const forbidden = await stack.app.inject({ method: 'DELETE', url: `${HUB_PATH}/no-such-subscription`, headers: stack.as('fulfilment_agent') });
    expect(forbidden.statusCode).toBe(403);

    const others = await subscribe('http://127.0.0.1:9/others');
    expect((await stack.app.inject({ method: 'DELETE', url: `${HUB_PATH}/${others.id}`, headers: stack.as('admin') })).statusCode).toBe(204);
  });
});

describe('retryDelayMs', () => {
  it('doubles from 1 s with each failed attempt, up to the cap', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30)).toBe(300_000);
    expect(retryDelayMs(5, 1000, 10_000)).toBe(10_000);
  });
});

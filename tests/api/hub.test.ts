import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TMF622_BASE } from '../../api/app.js';
import { deleteSubscription, type Subscription } from '../../db/events.js';
import { findOrder } from '../../db/orders.js';
import { eventDeliveries, eventOutbox, hubSubscriptions } from '../../db/schema.js';
import type { ProductOrderEvent } from '../../domain/events.js';
import type { ProductOrder } from '../../domain/order.js';
import type { Role } from '../../domain/roles.js';
import type { ProductOrderCreate } from '../../domain/tmf622/schemas.js';
import { type EventDispatcher, retryDelayMs, startEventDispatcher } from '../../runtime/event-dispatcher.js';
import { eventually } from '../support/eventually.js';
import { internetOrder, PRODUCT_ORDER_PATH } from '../support/orders.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const HUB_PATH = `${TMF622_BASE}/hub`;

let stack: TestStack;
let dispatcher: EventDispatcher;
const listeners: Listener[] = [];
const subscriptions: string[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  dispatcher = startEventDispatcher(stack.database.db, {
    pollIntervalMs: 20,
    timeoutMs: 2000,
    initialBackoffMs: 50,
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

/** A real subscriber on 127.0.0.1; `answer` picks the status of each request. */
async function listen(answer: (event: ProductOrderEvent) => number = () => 204): Promise<Listener> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ProductOrderEvent;
      const status = answer(event);
      received.push({ event, contentType: req.headers['content-type'], status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const listener: Listener = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/listener`,
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

/** Submits an order and waits until it is projected (its first events are in the outbox). */
async function submitOrder(body = orderBody()): Promise<ProductOrder> {
  const res = await stack.app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: stack.as('api_client'), payload: body });
  expect(res.statusCode).toBe(201);
  const order = res.json<ProductOrder>();
  await eventually(() => findOrder(stack.database.db, order.id));
  return order;
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

/** Consecutive repeats folded into one: what a subscriber sees if it ignores redeliveries. */
const collapse = (ids: string[]) => ids.filter((id, i) => id !== ids[i - 1]);

describe('POST /hub', () => {
  it('subscribes a listener that then receives the order events in order', async () => {
    const listener = await listen();
    const res = await subscribeRequest({ callback: listener.url, query: 'eventType=ProductOrderCreateEvent' });
    expect(res.statusCode).toBe(201);
    const created = res.json<Subscription>();
    subscriptions.push(created.id);
    expect(created).toEqual({ id: expect.any(String), callback: listener.url, query: 'eventType=ProductOrderCreateEvent' });
    expect(res.headers.location).toBe(`${HUB_PATH}/${created.id}`);

    const order = await submitOrder(orderBody(2));
    const accepted = await acceptedAll(listener, order.id);

    expect(accepted.slice(0, 3)).toEqual([
      `${order.id}:0:ProductOrderCreateEvent`,
      `${order.id}:1:ProductOrderAttributeValueChangeEvent`,
      `${order.id}:2:ProductOrderAttributeValueChangeEvent`,
    ]);
    const [create] = listener.of(order.id).accepted;
    expect(create!.contentType).toBe('application/json');
    expect(create!.event).toMatchObject({
      eventId: `${order.id}:0:ProductOrderCreateEvent`,
      eventType: 'ProductOrderCreateEvent',
      eventTime: order.orderDate,
      timeOcurred: order.orderDate,
      correlationId: order.id,
      event: { productOrder: { id: order.id, href: order.href, externalId: order.externalId, '@type': 'ProductOrder' } },
    });
    const all = listener.of(order.id).all;
    expect(all.every((r) => r.status === 204)).toBe(true);
    expect(new Set(all.map((r) => r.event.eventId)).size).toBe(all.length); // nothing sent twice
  });

  it('retries a failing listener and still delivers every event in order, resending only the one that failed', async () => {
    const failures = 3;
    const body = orderBody(2);
    let failed = 0;
    const listener = await listen((event) => (event.event.productOrder.externalId === body.externalId && failed++ < failures ? 500 : 204));
    const subscription = await subscribe(listener.url);
    const order = await submitOrder(body);

    const accepted = await acceptedAll(listener, order.id);
    const all = listener.of(order.id).all;
    expect(all.slice(0, failures + 1).map((r) => [r.event.eventType, r.status])).toEqual([
      ['ProductOrderCreateEvent', 500],
      ['ProductOrderCreateEvent', 500],
      ['ProductOrderCreateEvent', 500],
      ['ProductOrderCreateEvent', 204],
    ]);
    expect(collapse(all.map((r) => r.event.eventId))).toEqual(accepted);

    const [create] = await stack.database.db
      .select({ attempts: eventDeliveries.attempts, lastError: eventDeliveries.lastError, deliveredAt: eventDeliveries.deliveredAt })
      .from(eventDeliveries)
      .innerJoin(eventOutbox, eq(eventOutbox.seq, eventDeliveries.eventSeq))
      .where(and(eq(eventOutbox.eventId, `${order.id}:0:ProductOrderCreateEvent`), eq(eventDeliveries.subscriptionId, subscription.id)));
    expect(create).toMatchObject({ attempts: failures + 1, lastError: 'HTTP 500', deliveredAt: expect.any(Date) });
  });

  it('refuses a callback that is not an http(s) URL, and an unknown field, storing nothing', async () => {
    const unique = `http://127.0.0.1:9/${Date.now()}`;
    const bodies = [{ callback: 'not a url' }, { callback: 'ftp://example.test/listener' }, { callback: unique, colour: 'blue' }, { query: 'x' }, { callback: 42 }];
    for (const body of bodies) {
      const res = await subscribeRequest(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, errors: [expect.objectContaining({ path: expect.stringMatching(/^body\.(callback|colour)$/) })] });
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
    await acceptedAll(leaving, before.id);
    await acceptedAll(staying, before.id);

    const res = await stack.app.inject({ method: 'DELETE', url: `${HUB_PATH}/${gone.id}`, headers: stack.as('order_agent') });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');

    const after = await submitOrder();
    await acceptedAll(staying, after.id);
    await dispatcher.drain();
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
  });
});

describe('retryDelayMs', () => {
  it('doubles from 1 s with each failed attempt, up to the cap', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(30)).toBe(300_000);
    expect(retryDelayMs(5, 1000, 10_000)).toBe(10_000);
  });
});

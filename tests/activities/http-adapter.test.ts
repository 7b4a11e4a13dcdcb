import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAdapter } from '../../activities/southbound/http-adapter.js';
import { SouthboundError, type SouthboundRequest } from '../../activities/southbound/port.js';
import { createSouthbound } from '../../activities/southbound/registry.js';
import type { Database } from '../../db/client.js';
import { listEffects } from '../../db/simulator.js';
import { openTestDatabase } from '../support/stack.js';

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A stand-in southbound system: each path answers in its own way, and every call is kept. */
const ANSWERS: Record<string, { status: number; body?: unknown; delayMs?: number }> = {
  '/billing/startBilling': { status: 200, body: { output: { billingRef: 'B-42' } } },
  '/billing/stopBilling': { status: 200, body: { stopped: true } },
  '/billing/refuse': { status: 422, body: { code: 'ACCOUNT_CLOSED', message: 'The billing account is closed' } },
  '/billing/forbidden': { status: 403 },
  '/billing/busy': { status: 429, body: { message: 'slow down' } },
  '/billing/crash': { status: 503, body: { code: 'MAINTENANCE' } },
  '/billing/slow': { status: 200, body: {}, delayMs: 2_000 },
};

let server: Server;
let baseUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(raw) });
      const answer = ANSWERS[req.url?.replace(/^\/sb/, '') ?? ''] ?? { status: 404 };
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sb/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const request = (operation: string, overrides: Partial<SouthboundRequest> = {}): SouthboundRequest => ({
  system: 'billing',
  operation,
  idempotencyKey: `key-${randomUUID()}`,
  orderId: `ORD-${randomUUID()}`,
  orderItemId: '1',
  taskId: 'billing/start-billing',
  input: { plan: 'pro' },
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<SouthboundError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SouthboundError);
  return error as SouthboundError;
}

describe('HTTP adapter', () => {
  const adapter = () => createHttpAdapter({ baseUrl, timeoutMs: 1_000 });

  it('posts the call with its idempotency key and returns the output', async () => {
    const call = request('startBilling');
    const result = await adapter().execute(call);

    expect(result).toEqual({ output: { billingRef: 'B-42' } });
    const sent = received.find((r) => (r.body as { idempotencyKey?: string }).idempotencyKey === call.idempotencyKey);
    expect(sent).toMatchObject({
      url: '/sb/billing/startBilling',
      headers: { 'idempotency-key': call.idempotencyKey, 'content-type': 'application/json' },
      body: { idempotencyKey: call.idempotencyKey, orderId: call.orderId, orderItemId: '1', taskId: call.taskId, input: { plan: 'pro' } },
    });
  });

  it('takes the whole body as the output when it has no output field', async () => {
    expect(await adapter().execute(request('stopBilling'))).toEqual({ output: { stopped: true } });
  });

  it('turns a 4xx into a non-retryable refusal carrying the code of the body', async () => {
    const error = await failure(adapter().execute(request('refuse')));
    expect(error).toMatchObject({ code: 'ACCOUNT_CLOSED', retryable: false, message: expect.stringContaining('The billing account is closed') });
  });

  it('names a 4xx without a code by its status', async () => {
    expect(await failure(adapter().execute(request('forbidden')))).toMatchObject({ code: 'HTTP_403', retryable: false });
  });

  it('retries a 429 and a 5xx', async () => {
    expect(await failure(adapter().execute(request('busy')))).toMatchObject({ code: 'HTTP_429', retryable: true });
    expect(await failure(adapter().execute(request('crash')))).toMatchObject({ code: 'MAINTENANCE', retryable: true });
  });

  it('gives up after the timeout, retryably', async () => {
    const started = Date.now();
    const error = await failure(createHttpAdapter({ baseUrl, timeoutMs: 100 }).execute(request('slow')));
    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('treats an unreachable system as transient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const error = await failure(createHttpAdapter({ baseUrl: `http://127.0.0.1:${port}` }).execute(request('startBilling')));
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
  });
});

describe('southbound registry', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database?.close());

  it('sends a system with SOUTHBOUND_<SYSTEM>_URL over HTTP and simulates the others (an empty URL is unset)', async () => {
    const southbound = createSouthbound(database.db, { SOUTHBOUND_BILLING_URL: baseUrl, SOUTHBOUND_CPE_URL: '' });
    const billing = request('startBilling');
    const inventory = request('allocateModem', { system: 'inventory' });

    expect(await southbound('billing').execute(billing)).toEqual({ output: { billingRef: 'B-42' } });
    expect(await southbound('inventory').execute(inventory)).toEqual({ output: { modemSerial: expect.stringMatching(/^M-/) } });

    expect(southbound('cpe')).toBe(southbound('inventory'));
    expect(received.some((r) => r.headers['idempotency-key'] === inventory.idempotencyKey)).toBe(false);
    expect(await listEffects(database.db, { orderId: billing.orderId })).toEqual([]);
    expect(await listEffects(database.db, { orderId: inventory.orderId })).toHaveLength(1);
  });

  it('refuses a malformed URL at once, naming the variable', () => {
    expect(() => createSouthbound(database.db, { SOUTHBOUND_NETWORK_URL: 'not a url' })).toThrow(/SOUTHBOUND_NETWORK_URL/);
  });
});

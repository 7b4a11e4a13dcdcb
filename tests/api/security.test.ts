import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashKey, keyIdOf } from '../../api/auth.js';
import { apiKeys } from '../../db/schema.js';
import { ROLES } from '../../domain/roles.js';
import { ConfigError, loadConfig } from '../../runtime/config.js';
import { createApiKey } from '../../runtime/dev-keys.js';
import { buildConfiguredApp } from '../../runtime/stack.js';
import { internetOrder, PRODUCT_ORDER_PATH } from '../support/orders.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

type Response = Awaited<ReturnType<FastifyInstance['inject']>>;

function expectSecurityHeaders(res: Response, { api = true } = {}) {
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['strict-transport-security']).toBe('max-age=15552000');
  if (api) {
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  } else {
    expect(res.headers['content-security-policy']).toBeUndefined();
  }
}

const expectProblem = (res: Response, status: number, code: string) => {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.json()).toMatchObject({ status, code });
};

describe('security headers', () => {
  it.each([
    ['200, a read', () => stack.app.inject({ url: `${PRODUCT_ORDER_PATH}?limit=1`, headers: stack.as('api_client') }), 200],
    ['200, a public probe', () => stack.app.inject({ url: '/healthz' }), 200],
    ['201, a submission', () => stack.app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: stack.as('api_client'), payload: internetOrder() }), 201],
    ['400, a bad body', () => stack.app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: stack.as('api_client'), payload: {} }), 400],
    ['400, a malformed URL', () => stack.app.inject({ url: '/api/catalog/offerings/%ZZ', headers: stack.as('api_client') }), 400],
    ['401, no key', () => stack.app.inject({ url: PRODUCT_ORDER_PATH }), 401],
    ['403, a role it does not admit', () => stack.app.inject({ method: 'PUT', url: '/api/catalog', headers: stack.as('api_client'), payload: {} }), 403],
    ['404, no such route', () => stack.app.inject({ url: '/no/such/route' }), 404],
    ['404, no such order', () => stack.app.inject({ url: `${PRODUCT_ORDER_PATH}/no-such-order`, headers: stack.as('api_client') }), 404],
    ['415, a text body', () => stack.app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: { ...stack.as('api_client'), 'content-type': 'text/plain' }, payload: 'x' }), 415],
  ])('are on every API response: %s', async (_name, send, status) => {
    const res = await send();
    expect(res.statusCode, res.body).toBe(status);
    expectSecurityHeaders(res);
    if (status >= 400) expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('leave the Swagger UI working: no CSP and no no-store under /docs, the other headers kept', async () => {
    for (const url of ['/docs/', '/docs/json', '/docs/static/swagger-initializer.js']) {
      const res = await stack.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expectSecurityHeaders(res, { api: false });
      expect(res.headers['cache-control'] ?? '', url).not.toBe('no-store');
    }
  });
});

describe('rate limiting', () => {
  let clock = 0;
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await stack.buildApp({ rateLimit: { limit: 3, now: () => clock } });
  });
  afterAll(() => app?.close());

  const read = (headers: Record<string, string>) => app.inject({ url: '/api/catalog/offerings', headers });

  it('counts each key, says so in RateLimit-* headers, then answers 429 problem+json with Retry-After', async () => {
    const remaining = [];
    for (let i = 0; i < 3; i++) {
      const res = await read(stack.as('api_client'));
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe('3');
      expect(res.headers['ratelimit-reset']).toBe('60');
      expect(res.headers['retry-after']).toBeUndefined();
      remaining.push(res.headers['ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    clock += 15_000;
    const refused = await read(stack.as('api_client'));
    expectProblem(refused, 429, 'RATE_LIMITED');
    expect(refused.json()).toMatchObject({ type: 'urn:ordo:problem:rate-limited', title: 'Too many requests' });
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '0', 'ratelimit-reset': '45', 'retry-after': '45' });
    expectSecurityHeaders(refused);

    // Another key has a budget of its own.
    const other = await read(stack.as('order_agent'));
    expect(other.statusCode).toBe(200);
    expect(other.headers['ratelimit-remaining']).toBe('2');

    // A limited key is refused on every route, writes included, before anything runs.
    expectProblem(await app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: stack.as('api_client'), payload: internetOrder() }), 429, 'RATE_LIMITED');

    // The window ends: the budget is back.
    clock += 45_000;
    const again = await read(stack.as('api_client'));
    expect(again.statusCode).toBe(200);
    expect(again.headers['ratelimit-remaining']).toBe('2');
  });

  it('keeps health and docs out of it', async () => {
    for (let i = 0; i < 5; i++) await read(stack.as('fulfilment_agent'));
    expect((await read(stack.as('fulfilment_agent'))).statusCode).toBe(429);
    for (const url of ['/healthz', '/readyz', '/docs/json', '/docs/']) {
      for (let i = 0; i < 5; i++) {
        const res = await app.inject({ url, headers: stack.as('fulfilment_agent') });
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['ratelimit-limit'], url).toBeUndefined();
      }
    }
  });

  it('counts requests without a key by client IP, and made-up keys cannot escape the limit', async () => {
    const fresh = await stack.buildApp({ rateLimit: { limit: 3, now: () => clock } });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await fresh.inject({ url: '/api/catalog' })).statusCode);
      expect(statuses).toEqual([401, 401, 401, 429]);

      // A new invented key each time: the failures of this IP are spent, so 429 without a lookup.
      const invented = await fresh.inject({ url: '/api/catalog', headers: { authorization: `Bearer ${randomBytes(16).toString('hex')}` } });
      expectProblem(invented, 429, 'RATE_LIMITED');
      expect(invented.headers['retry-after']).toBeDefined();
    } finally {
      await fresh.close();
    }
  });

  it('never keeps a raw key: buckets are named by the SHA-256 of the key', async () => {
    const { key } = await createApiKey(stack.database.db, 'order_agent', 'rate limit test');
    expect((await read({ authorization: `Bearer ${key}` })).statusCode).toBe(200);
    const buckets = app.rateLimiter!.buckets();
    expect(buckets).toContain(`key:${hashKey(key)}`);
    const raw = [key, ...ROLES.map((role) => stack.as(role).authorization.slice('Bearer '.length))];
    for (const bucket of buckets) for (const secret of raw) expect(bucket).not.toContain(secret);
  });

  it('is configured by RATE_LIMIT_PER_MINUTE: 6000 by default, 0 turns it off', async () => {
    expect(loadConfig({}).RATE_LIMIT_PER_MINUTE).toBe(6000);
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).RATE_LIMIT_PER_MINUTE).toBe(0);
    expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: 'lots' })).toThrow(ConfigError);
    expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(/RATE_LIMIT_PER_MINUTE/);

    const key = `cfg_${randomBytes(12).toString('hex')}`;
    const configured = async (perMinute: string) =>
      buildConfiguredApp(loadConfig({ RATE_LIMIT_PER_MINUTE: perMinute, LOG_LEVEL: 'silent', API_KEYS: `api_client:${key}` }), stack.database, stack.temporal);
    const limited = await configured('2');
    const unlimited = await configured('0');
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.inject({ url: '/api/catalog/offerings', headers: { authorization: `Bearer ${key}` } })).statusCode);
      expect(statuses).toEqual([200, 200, 429]);
      const res = await unlimited.inject({ url: '/api/catalog/offerings', headers: { authorization: `Bearer ${key}` } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    } finally {
      await limited.close();
      await unlimited.close();
    }
  });
});

describe('API keys are secrets', () => {
  it('are stored as their SHA-256 only', async () => {
    const { id, key } = await createApiKey(stack.database.db, 'api_client', 'hash test');
    const [row] = await stack.database.db.select().from(apiKeys).where(eq(apiKeys.id, id));
    expect(row).toMatchObject({ id: keyIdOf(hashKey(key)), keyHash: hashKey(key), role: 'api_client' });
    expect(JSON.stringify(await stack.database.db.select().from(apiKeys))).not.toContain(key);
  });

  it('never reach the log, and the Authorization header is redacted when headers are logged', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    // A serializer that logs every request header, as an operator might configure: the redaction must still hold.
    const app = await stack.buildApp({
      logger: { level: 'trace', stream, serializers: { req: (req) => ({ method: req.method, url: req.url, headers: req.headers }) } },
    });
    const { key: storedKey } = await createApiKey(stack.database.db, 'api_client', 'log test');
    const keys = [storedKey, ...ROLES.map((role) => stack.as(role).authorization.slice('Bearer '.length))];
    const unknownKey = `not-a-key-${randomBytes(16).toString('hex')}`;
    try {
      const created = await app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: { authorization: `Bearer ${storedKey}` }, payload: internetOrder() });
      expect(created.statusCode).toBe(201);
      const order = created.json();
      for (const role of ROLES) {
        expect((await app.inject({ url: `${PRODUCT_ORDER_PATH}/${order.id}`, headers: stack.as(role) })).statusCode).toBe(200);
      }
      const timeline = await vi.waitFor(
        async () => {
          const res = await app.inject({ url: `/api/orders/${order.id}/timeline`, headers: stack.as('admin') });
          expect(res.json().transitions.length).toBeGreaterThan(0);
          return res;
        },
        { timeout: 15_000, interval: 200 },
      );
      expect((await app.inject({ method: 'PUT', url: '/api/catalog', headers: stack.as('api_client'), payload: {} })).statusCode).toBe(403);
      expect((await app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: stack.as('admin'), payload: { bad: true } })).statusCode).toBe(400);
      expect((await app.inject({ url: PRODUCT_ORDER_PATH, headers: { authorization: `Bearer ${unknownKey}` } })).statusCode).toBe(401);

      const log = lines.join('');
      expect(lines.length).toBeGreaterThan(10);
      expect(log).toContain('"authorization":"[Redacted]"');
      for (const secret of [...keys, unknownKey]) expect(log).not.toContain(secret);
      // The order and its audit trail name the key by its public id, never by the key.
      for (const body of [created.body, timeline.body]) for (const secret of keys) expect(body).not.toContain(secret);
      expect(timeline.body).toContain(`api_client:${keyIdOf(hashKey(storedKey))}`);
    } finally {
      await app.close();
    }
  });
});

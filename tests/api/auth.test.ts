import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey, keyIdOf } from '../../api/auth.js';
import { storeApiKey } from '../../db/api-keys.js';
import type { Role } from '../../domain/roles.js';
import { createApiKey } from '../../runtime/dev-keys.js';
import { internetOrder, PRODUCT_ORDER_PATH } from '../support/orders.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

const submit = (headers: Record<string, string>) =>
  stack.app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers, payload: internetOrder() });

describe('authentication', () => {
  it.each([
    ['no Authorization header', {}],
    ['an unknown key', { authorization: 'Bearer not-a-key' }],
    ['a malformed header', { authorization: 'Basic dXNlcjpwYXNz' }],
  ])('refuses %s with 401 problem+json', async (_name, headers) => {
    const res = await submit(headers);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });

  it('accepts a key created in the database, and refuses it once revoked', async () => {
    const { key } = await createApiKey(stack.database.db, 'api_client', 'auth test');
    expect((await submit({ authorization: `Bearer ${key}` })).statusCode).toBe(201);

    const { apiKeys } = await import('../../db/schema.js');
    const { eq } = await import('drizzle-orm');
    await stack.database.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.keyHash, hashKey(key)));
    expect((await submit({ authorization: `Bearer ${key}` })).statusCode).toBe(401);
  });

  it('stores only the hash of a key', async () => {
    const key = 'a-key-that-must-never-be-stored-in-clear';
    await storeApiKey(stack.database.db, { id: keyIdOf(hashKey(key)), role: 'admin', keyHash: hashKey(key) });
    const { apiKeys } = await import('../../db/schema.js');
    const rows = await stack.database.db.select().from(apiKeys);
    expect(JSON.stringify(rows)).not.toContain(key);
  });
});

describe('authorisation', () => {
  const matrix: Array<[Role, number]> = [
    ['api_client', 201],
    ['order_agent', 201],
    ['fulfilment_manager', 201],
    ['admin', 201],
    ['fulfilment_agent', 403],
  ];
  it.each(matrix)('POST /productOrder as %s → %i', async (role, status) => {
    const res = await submit(stack.as(role));
    expect(res.statusCode).toBe(status);
    if (status === 403) expect(res.json()).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining(role) });
  });

  it('lets every role read orders', async () => {
    for (const role of ['api_client', 'order_agent', 'fulfilment_agent', 'fulfilment_manager', 'admin'] as const) {
      const res = await stack.app.inject({ url: `${PRODUCT_ORDER_PATH}?limit=1`, headers: stack.as(role) });
      expect(res.statusCode, role).toBe(200);
    }
  });

  it('leaves health and docs open', async () => {
    for (const url of ['/healthz', '/readyz', '/docs/json']) {
      expect((await stack.app.inject({ url })).statusCode, url).toBe(200);
    }
  });
});

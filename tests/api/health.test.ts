import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { keyResolver } from '../../api/auth.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

describe('health', () => {
  it('/healthz answers while the process runs', async () => {
    expect((await stack.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });

  it('/readyz is ready when Temporal and the database answer', async () => {
    const res = await stack.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', dependencies: { database: 'up', temporal: 'up' } });
  });

  it('/readyz is 503 naming the dependency that does not answer', async () => {
    const app = await buildApp({
      orders: { db: stack.database.db, temporal: stack.temporal, taskQueue: stack.taskQueue, tmfBaseUrl: 'http://x' },
      keys: keyResolver(stack.database.db, []),
      health: { database: () => stack.database.ping(), temporal: () => Promise.reject(new Error('connection refused')) },
    });
    const res = await app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'UNAVAILABLE', message: 'Not ready: temporal unreachable' });
    await app.close();
  });
});

describe('docs', () => {
  it('serves the OpenAPI document with the TMF622 routes and the UI', async () => {
    const spec = (await stack.app.inject({ url: '/docs/json' })).json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/tmf-api/productOrderingManagement/v4/productOrder', '/tmf-api/productOrderingManagement/v4/productOrder/{id}']),
    );
    expect(spec.paths['/tmf-api/productOrderingManagement/v4/productOrder'].post.requestBody.content['application/json'].schema.required).toContain('productOrderItem');
    const ui = await stack.app.inject({ url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../activities/southbound/simulator.js';
import type { SimulatorEffect } from '../../db/simulator.js';
import { SYSTEMS, type SystemName } from '../../domain/plan.js';
import type { Role } from '../../domain/roles.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  // The settings of real systems are shared with the other test files: leave the defaults behind.
  await put(SYSTEM, {});
  await stack?.close();
});

const SYSTEM = 'logistics';
/** Scripted for an operation no order calls, so test files running alongside are not disturbed. */
const SETTINGS = {
  latencyMs: 1,
  errorRate: 0,
  failNext: { count: 2, code: 'TEST_ONLY', message: 'scripted by the API test', retryable: false, operation: 'apiTestOnly' },
};

const put = (system: string, body: object, role: Role = 'admin') =>
  stack.app.inject({ method: 'PUT', url: `/api/simulator/systems/${system}`, headers: stack.as(role), payload: body });
const get = (url: string, role: Role = 'admin') => stack.app.inject({ url, headers: stack.as(role) });
const settingsOf = async (system: string) =>
  (await get('/api/simulator/systems')).json<{ system: string; settings: unknown }[]>().find((s) => s.system === system)?.settings;

describe('PUT /api/simulator/systems/{system}', () => {
  it('stores the settings of a system, and GET lists every system with its settings', async () => {
    const res = await put(SYSTEM, SETTINGS);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(SETTINGS);

    const list = await get('/api/simulator/systems', 'fulfilment_agent');
    expect(list.statusCode).toBe(200);
    expect(list.json<{ system: string }[]>().map((s) => s.system)).toEqual([...SYSTEMS]);
    expect(await settingsOf(SYSTEM)).toEqual(SETTINGS);
  });

  it('fills in the defaults of omitted settings', async () => {
    const res = await put(SYSTEM, { latencyMs: 2 });
    expect(res.json()).toEqual({ latencyMs: 2, errorRate: 0 });
  });

  it('refuses an invalid body naming each field, and stores nothing', async () => {
    await put(SYSTEM, SETTINGS);
    const res = await put(SYSTEM, { ...SETTINGS, errorRate: 2, colour: 'red' });

    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(res.json<{ errors: { path: string }[] }>().errors.map((e) => e.path).sort()).toEqual(['body.colour', 'body.errorRate']);
    expect(await settingsOf(SYSTEM)).toEqual(SETTINGS);
  });

  it('answers 404 for a system that does not exist', async () => {
    const res = await put('mainframe', SETTINGS);
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('mainframe') });
  });
});

describe('GET /api/simulator/effects', () => {
  it('lists the effects of one order, oldest first', async () => {
    const simulator = createSimulator(stack.database.db);
    // A system of this test alone, so failures other test files script on real systems never reach it.
    const system = `test-${randomUUID().slice(0, 8)}` as SystemName;
    const [mine, other] = [`ORD-${randomUUID()}`, `ORD-${randomUUID()}`];
    const call = (orderId: string, operation: string, input = {}) =>
      simulator.execute({ system, operation, idempotencyKey: randomUUID(), orderId, orderItemId: '1', taskId: operation, input });
    const allocated = await call(mine, 'allocateModem');
    await call(other, 'allocateModem');
    await call(mine, 'releaseModem', allocated.output);

    const res = await get(`/api/simulator/effects?orderId=${mine}`, 'api_client');

    expect(res.statusCode).toBe(200);
    const effects = res.json<SimulatorEffect[]>();
    expect(effects.map((e) => [e.orderId, e.system, e.operation])).toEqual([
      [mine, system, 'allocateModem'],
      [mine, system, 'releaseModem'],
    ]);
    expect(effects[1]?.output).toEqual({ released: allocated.output });

    const filtered = await get(`/api/simulator/effects?orderId=${mine}&operation=releaseModem`, 'fulfilment_agent');
    expect(filtered.json<SimulatorEffect[]>().map((e) => e.operation)).toEqual(['releaseModem']);
  });

  it('refuses an unknown query parameter', async () => {
    const res = await get('/api/simulator/effects?order=1');
    expect(res.statusCode).toBe(400);
    expect(res.json<{ errors: { path: string }[] }>().errors.map((e) => e.path)).toEqual(['querystring.order']);
  });
});

describe('simulator security', () => {
  it('lets only admins change settings', async () => {
    for (const role of ['api_client', 'order_agent', 'fulfilment_agent', 'fulfilment_manager'] as const) {
      expect((await put(SYSTEM, { errorRate: 1 }, role)).statusCode).toBe(403);
    }
    expect(await settingsOf(SYSTEM)).not.toMatchObject({ errorRate: 1 });
  });

  it('keeps the settings from api clients and the effect log from callers without a key', async () => {
    expect((await get('/api/simulator/systems', 'api_client')).statusCode).toBe(403);
    expect((await get('/api/simulator/systems', 'order_agent')).statusCode).toBe(403);
    expect((await stack.app.inject({ url: '/api/simulator/effects' })).statusCode).toBe(401);
  });
});

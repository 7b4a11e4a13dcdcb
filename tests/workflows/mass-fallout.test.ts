import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCatalog } from '../../db/catalog.js';
import { listEffects } from '../../db/simulator.js';
import { type Catalog, DEMO_CATALOG } from '../../domain/catalog.js';
import type { Fallout } from '../../domain/fallout.js';
import type { ProductOrder } from '../../domain/order.js';
import { eventually } from '../support/eventually.js';
import { internetItem, orderDriver, orderOf } from '../support/flows.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let api: ReturnType<typeof orderDriver>;

const QUICK_RETRIES: Catalog = {
  ...DEMO_CATALOG,
  specifications: DEMO_CATALOG.specifications.map((spec) => ({ ...spec, tasks: spec.tasks.map((t) => ({ ...t, retry: { initialIntervalMs: 100, maximumIntervalMs: 200 } })) })),
};

beforeAll(async () => {
  stack = await startTestStack();
  await storeCatalog(stack.database.db, QUICK_RETRIES);
  api = orderDriver(stack);
});
afterAll(() => stack?.close());

const as = (role: Parameters<TestStack['as']>[0]) => stack.as(role);
const post = (url: string, payload?: object) => stack.app.inject({ method: 'POST', url, headers: as('fulfilment_manager'), ...(payload ? { payload } : {}) });
const falloutsOf = async (query: string) => (await stack.app.inject({ url: `/api/fallouts?${query}&limit=1000`, headers: as('fulfilment_agent') })).json<Fallout[]>();

describe('mass fallout', () => {
  it('50 orders hit a failing system: pause it, fix it, resume, bulk-retry — all complete, nothing runs twice', async () => {
    // The network refuses every call (a transient error, retried then parked in fallout).
    await stack.app.inject({ method: 'PUT', url: '/api/simulator/systems/network', headers: as('admin'), payload: { latencyMs: 0, errorRate: 1 } });
    const orders: ProductOrder[] = [];
    for (let i = 0; i < 50; i++) orders.push(await api.submit(orderOf([internetItem('1')], 'residential')));
    const ids = new Set(orders.map((o) => o.id));

    // Some fall out before the operator reacts; then the system is paused.
    await eventually(async () => ((await falloutsOf('system=network&state=open')).length >= 5 ? true : undefined));
    expect((await post('/api/systems/network/pause', { reason: 'network controller incident' })).json()).toMatchObject({ system: 'network', paused: true });
    const systems = (await stack.app.inject({ url: '/api/systems', headers: as('fulfilment_agent') })).json();
    expect(systems).toContainEqual({ system: 'network', paused: true, reason: 'network controller incident' });

    // Everything that had not fallen out yet now waits: the fallout count settles and stays put.
    // Failures from before the pause may still be on their way into the read model: wait until the
    // count has not moved for 3 s.
    const settled = await eventually(async () => {
      const counts: number[] = [];
      for (let i = 0; i < 4; i++) {
        counts.push((await falloutsOf('system=network')).length);
        if (i < 3) await new Promise((r) => setTimeout(r, 1000));
      }
      return counts.every((c) => c === counts[0]) ? counts[0] : undefined;
    }, 60_000);
    await stack.app.inject({ method: 'PUT', url: '/api/simulator/systems/network', headers: as('admin'), payload: { latencyMs: 0, errorRate: 0 } });
    await new Promise((r) => setTimeout(r, 2000));
    expect((await falloutsOf('system=network')).length).toBe(settled);

    // Resume: the waiting calls go through; the parked ones are retried in bulk.
    expect((await post('/api/systems/network/resume')).json()).toMatchObject({ paused: false });
    const bulk = await post('/api/fallouts/bulk-retry', { system: 'network', note: 'controller fixed' });
    expect(bulk.statusCode).toBe(200);
    expect(bulk.json()).toMatchObject({ retried: settled, refused: 0 });

    for (const order of orders) await api.until(order.id, (o) => o.state === 'completed', 120_000);
    const open = (await falloutsOf('system=network&state=unresolved')).filter((f) => ids.has(f.orderId));
    expect(open).toEqual([]);
    const closed = (await falloutsOf('system=network&state=closed')).filter((f) => ids.has(f.orderId));
    expect(closed).toHaveLength(settled);

    for (const order of orders) {
      const effects = await listEffects(stack.database.db, { orderId: order.id });
      expect(effects.filter((e) => e.operation === 'activateLine')).toHaveLength(1);
      expect(effects.filter((e) => e.operation === 'allocateModem')).toHaveLength(1);
    }
  }, 240_000);

  it('bulk-retries by root cause, and names exactly one group', async () => {
    expect((await post('/api/fallouts/bulk-retry', { note: 'x' })).statusCode).toBe(400);
    expect((await post('/api/fallouts/bulk-retry', { system: 'cpe', rootCauseKey: 'cpe:X', note: 'x' })).statusCode).toBe(400);
    expect((await post('/api/fallouts/bulk-retry', { rootCauseKey: 'cpe:NOTHING', note: 'x' })).json()).toEqual({ retried: 0, refused: 0, outcomes: [] });
    const agent = await stack.app.inject({ method: 'POST', url: '/api/systems/cpe/pause', headers: as('fulfilment_agent') });
    expect(agent.statusCode).toBe(403);
  });
});

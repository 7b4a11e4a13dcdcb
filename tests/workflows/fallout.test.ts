import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCatalog } from '../../db/catalog.js';
import { listEffects } from '../../db/simulator.js';
import { type Catalog, DEMO_CATALOG } from '../../domain/catalog.js';
import type { Fallout } from '../../domain/fallout.js';
import { orderWorkflowId } from '../../workflows/messages.js';
import { OpenFallouts } from '../../workflows/search-attributes.js';
import { eventually } from '../support/eventually.js';
import { internetItem, orderDriver, orderOf, sdwanSite } from '../support/flows.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let api: ReturnType<typeof orderDriver>;

/** The demo catalog with quick retries, and billing of internet access optional (skippable). */
const TEST_CATALOG: Catalog = {
  ...DEMO_CATALOG,
  specifications: DEMO_CATALOG.specifications.map((spec) => ({
    ...spec,
    tasks: spec.tasks.map((t) => ({
      ...t,
      retry: { initialIntervalMs: 100, maximumIntervalMs: 200 },
      ...(spec.id === 'internet-access' && t.id === 'start-billing' ? { mandatory: false } : {}),
    })),
  })),
};

beforeAll(async () => {
  stack = await startTestStack();
  await storeCatalog(stack.database.db, TEST_CATALOG);
  api = orderDriver(stack);
});
afterAll(() => stack?.close());

const simulate = (system: string, settings: object) =>
  stack.app.inject({ method: 'PUT', url: `/api/simulator/systems/${system}`, headers: stack.as('admin'), payload: { latencyMs: 0, errorRate: 0, ...settings } });
const failNext = (system: string, operation: string, count: number, retryable: boolean, code = 'REFUSED') =>
  simulate(system, { failNext: { count, operation, code, message: `${operation} refused`, retryable } });
const fallouts = async (query: string) =>
  (await stack.app.inject({ url: `/api/fallouts?${query}`, headers: stack.as('fulfilment_agent') })).json<Fallout[]>();
const openFalloutOf = (orderId: string) => eventually(async () => (await fallouts(`orderId=${orderId}&state=open`))[0]);
const resolve = (id: string, body: object, role: Parameters<TestStack['as']>[0] = 'fulfilment_agent') =>
  stack.app.inject({ method: 'POST', url: `/api/fallouts/${encodeURIComponent(id)}/resolution`, headers: stack.as(role), payload: body });
const residential = (items = [internetItem('1')]) => api.submit(orderOf(items, 'residential'));

describe('fallout management', () => {
  it('retries a transient failure and succeeds without a fallout', async () => {
    await failNext('cpe', 'configureModem', 2, true, 'DEVICE_BUSY');
    const order = await residential();
    await api.until(order.id, (o) => o.state === 'completed');
    expect(await fallouts(`orderId=${order.id}`)).toEqual([]);
    expect((await listEffects(stack.database.db, { orderId: order.id, operation: 'configureModem' })).length).toBe(1);
  });

  it('parks a permanent failure in fallout, then patchAndRetry succeeds without rerunning earlier steps', async () => {
    await failNext('cpe', 'configureModem', 1, false, 'UNSUPPORTED_PROFILE');
    const order = await residential();
    const fallout = await openFalloutOf(order.id);
    expect(fallout).toMatchObject({
      type: 'provisioning',
      state: 'open',
      system: 'cpe',
      errorCode: 'UNSUPPORTED_PROFILE',
      rootCauseKey: 'cpe:UNSUPPORTED_PROFILE',
      attempts: 1,
      orderItemId: '1',
      request: { operation: 'configureModem', input: expect.objectContaining({ speedMbps: 100 }) },
    });
    const held = await api.until(order.id, (o) => o.state === 'held');
    expect(held).toMatchObject({ subState: 'fallout', productOrderItem: [{ state: 'held' }] });
    const description = await stack.temporal.workflow.getHandle(orderWorkflowId(order.id)).describe();
    expect(description.typedSearchAttributes.get(OpenFallouts)).toBe(1);

    const fix = await resolve(fallout.id, { action: 'patchAndRetry', patch: { speedMbps: 500 }, note: 'profile 100 retired; customer agreed 500' });
    expect(fix.statusCode).toBe(200);
    const done = await api.until(order.id, (o) => o.state === 'completed');
    expect(done.productOrderItem[0]!.state).toBe('completed');

    const modemEffects = await listEffects(stack.database.db, { orderId: order.id });
    expect(modemEffects.filter((e) => e.operation === 'allocateModem')).toHaveLength(1);
    expect(modemEffects.find((e) => e.operation === 'configureModem')!.input).toMatchObject({ speedMbps: 500 });
    const closed = (await stack.app.inject({ url: `/api/fallouts/${encodeURIComponent(fallout.id)}`, headers: stack.as('fulfilment_manager') })).json<Fallout>();
    expect(closed).toMatchObject({ state: 'closed', resolution: { action: 'patchAndRetry', patch: { speedMbps: 500 }, note: expect.stringContaining('retired'), actor: expect.stringMatching(/^fulfilment_agent:/) } });
    expect(closed.resolvedAt).toBeDefined();
    expect((await api.timeline(order.id)).transitions).toContainEqual(expect.objectContaining({ entity: 'task', reasonCode: 'FALLOUT_PATCHANDRETRY', reasonText: expect.stringContaining('retired') }));
    expect((await resolve(fallout.id, { action: 'retry', note: 'again' })).json()).toMatchObject({ code: 'FALLOUT_CLOSED', status: 409 });
  });

  it('completes a step by hand with evidence, letting its successors run', async () => {
    await failNext('network', 'activateLine', 1, false);
    const order = await residential();
    const fallout = await openFalloutOf(order.id);
    expect((await resolve(fallout.id, { action: 'completeManually', note: 'activated from the NOC console, ticket 4711' })).statusCode).toBe(200);
    await api.until(order.id, (o) => o.state === 'completed');
    expect((await listEffects(stack.database.db, { orderId: order.id, operation: 'startBilling' })).length).toBe(1);
    const tasks = await api.tasks(`orderId=${order.id}`);
    expect(tasks.find((t) => t.id.endsWith(':activate-line'))).toMatchObject({ state: 'completed' });
  });

  it('skips a non-mandatory step but refuses to skip a mandatory one', async () => {
    await failNext('inventory', 'allocateModem', 1, false);
    const mandatory = await residential();
    const refused = await resolve((await openFalloutOf(mandatory.id)).id, { action: 'skip', note: 'not needed' });
    expect(refused.json()).toMatchObject({ code: 'SKIP_MANDATORY_TASK', status: 409 });

    await failNext('billing', 'startBilling', 1, false);
    const optional = await residential();
    const skipped = await resolve((await openFalloutOf(optional.id)).id, { action: 'skip', note: 'billed by the partner' });
    expect(skipped.statusCode).toBe(200);
    const done = await api.until(optional.id, (o) => o.state === 'completed');
    expect(done.productOrderItem[0]!.state).toBe('completed');
    expect((await api.tasks(`orderId=${optional.id}`)).find((t) => t.id.endsWith(':start-billing'))).toMatchObject({ state: 'skipped' });
    // the mandatory one is still waiting for a person
    await resolve((await openFalloutOf(mandatory.id)).id, { action: 'retry', note: 'stock replenished' });
    await api.until(mandatory.id, (o) => o.state === 'completed');
  });

  it('aborts an item: its work is undone with what was recorded, siblings finish, the order ends partial', async () => {
    await failNext('cpe', 'configureModem', 1, false);
    const order = await residential([internetItem('1'), internetItem('2', 500)]);
    const fallout = await openFalloutOf(order.id);
    expect((await resolve(fallout.id, { action: 'abortItem', note: 'customer withdrew this line' })).statusCode).toBe(200);
    const ended = await api.until(order.id, (o) => ['partial', 'failed', 'completed'].includes(o.state));
    expect(ended.state).toBe('partial');
    const failedItem = ended.productOrderItem.find((i) => i.id === fallout.orderItemId)!;
    expect(failedItem.state).toBe('failed');

    const effects = await listEffects(stack.database.db, { orderId: order.id });
    const allocated = effects.find((e) => e.operation === 'allocateModem' && e.orderItemId === fallout.orderItemId)!;
    const released = effects.find((e) => e.operation === 'releaseModem' && e.orderItemId === fallout.orderItemId)!;
    expect(released.output).toEqual({ released: allocated.output });
    expect(effects.filter((e) => e.operation === 'releaseModem')).toHaveLength(1);
  });

  it('cancels the whole order from a fallout, compensating everything, unless an item passed its PONR', async () => {
    await failNext('cpe', 'configureModem', 1, false);
    const order = await residential();
    const fallout = await openFalloutOf(order.id);
    expect((await resolve(fallout.id, { action: 'cancelOrder', note: 'customer cancelled' })).statusCode).toBe(200);
    const cancelled = await api.until(order.id, (o) => o.state === 'cancelled');
    expect(cancelled.productOrderItem[0]!.state).toBe('cancelled');
    expect(cancelled.cancellationReason).toBe('customer cancelled');
    expect((await listEffects(stack.database.db, { orderId: order.id, operation: 'releaseModem' })).length).toBe(1);

    // An item past PONR (router shipped) refuses cancelOrder.
    await failNext('billing', 'startBilling', 1, false);
    const routers = await api.submit(orderOf([{ id: '1', action: 'add', quantity: 1, productOffering: { id: 'branch-router' } }], 'residential'));
    const billingFallout = await openFalloutOf(routers.id);
    expect((await resolve(billingFallout.id, { action: 'cancelOrder', note: 'too late' })).json()).toMatchObject({ code: 'PONR_REACHED', message: expect.stringContaining('1') });
    await resolve(billingFallout.id, { action: 'retry', note: 'billing fixed' });
    await api.until(routers.id, (o) => o.state === 'completed');
  });

  it('lets an agent raise a fallout by hand on a running task, and assign it', async () => {
    const order = await api.submit(orderOf([sdwanSite('1', { name: 'Metz', contact: 'Eve' })], 'residential'));
    const install = await eventually(async () => (await api.tasks(`orderId=${order.id}&type=human&state=ready`))[0]);
    const raised = await stack.app.inject({
      method: 'POST',
      url: `/api/orders/${order.id}/tasks/${encodeURIComponent(install.id)}/fallout`,
      headers: stack.as('fulfilment_agent'),
      payload: { reason: 'site not ready: no power' },
    });
    expect(raised.statusCode).toBe(201);
    const fallout = raised.json<Fallout>();
    expect(fallout).toMatchObject({ errorCode: 'RAISED_BY_HAND', raisedBy: expect.stringMatching(/^fulfilment_agent:/), state: 'open' });
    expect((await api.complete(order.id, install.id)).json()).toMatchObject({ code: 'TASK_NOT_OPEN' });

    const assigned = await stack.app.inject({ method: 'POST', url: `/api/fallouts/${encodeURIComponent(fallout.id)}/assignment`, headers: stack.as('fulfilment_manager'), payload: { assignee: 'field-lead' } });
    expect(assigned.json()).toMatchObject({ assignee: 'field-lead', state: 'inProgress' });
    expect(await eventually(async () => (await fallouts('assignee=field-lead'))[0])).toMatchObject({ id: fallout.id });

    expect((await resolve(fallout.id, { action: 'retry', note: 'power restored' })).statusCode).toBe(200);
    await eventually(async () => (await api.tasks(`orderId=${order.id}&type=human&state=ready`))[0]);
    expect((await api.complete(order.id, install.id, { note: 'installed' })).statusCode).toBe(200);
    await api.until(order.id, (o) => o.state === 'completed');
  });

  it("follows the catalog's error classifier: a refusal the adapter calls retryable goes to fallout at once", async () => {
    await failNext('inventory', 'allocateModem', 1, true, 'OUT_OF_STOCK');
    const order = await residential();
    const fallout = await openFalloutOf(order.id);
    expect(fallout).toMatchObject({ errorCode: 'OUT_OF_STOCK', type: 'inventoryAllocation', attempts: 1 });
    await resolve(fallout.id, { action: 'retry', note: 'stock arrived' });
    await api.until(order.id, (o) => o.state === 'completed');
  });

  it('validates resolutions and guards the fallout API', async () => {
    expect((await resolve('FO-nope-1', { action: 'retry', note: 'x' })).json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await resolve('not-a-fallout-id', { action: 'retry', note: 'x' })).json()).toMatchObject({ code: 'FALLOUT_NOT_FOUND', status: 404 });
    const noPatch = await resolve('FO-x-1', { action: 'patchAndRetry', note: 'x' });
    expect(noPatch.statusCode).toBe(400);
    expect((await resolve('FO-x-1', { action: 'explode', note: 'x' })).statusCode).toBe(400);
    expect((await stack.app.inject({ url: '/api/fallouts', headers: stack.as('api_client') })).statusCode).toBe(403);
    const summary = (await stack.app.inject({ url: '/api/fallouts/summary', headers: stack.as('fulfilment_manager') })).json();
    expect(summary.byState.closed).toBeGreaterThan(0);
    expect(summary.bySystem.cpe).toBeGreaterThan(0);
    expect(summary.meanTimeToResolveSeconds).toBeGreaterThanOrEqual(0);
  });
});

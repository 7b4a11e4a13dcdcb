import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventDispatcher, startEventDispatcher } from '../../runtime/event-dispatcher.js';
import { productsOfOrder } from '../../db/products.js';
import { listEffects } from '../../db/simulator.js';
import { orderWorkflowId } from '../../workflows/messages.js';
import { PonrReached } from '../../workflows/search-attributes.js';
import { eventually } from '../support/eventually.js';
import { internetItem, orderDriver, orderOf, sdwanSite } from '../support/flows.js';
import { type Listener, startListener } from '../support/listener.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
let api: ReturnType<typeof orderDriver>;
let dispatcher: EventDispatcher;
let listener: Listener<{ eventType: string; event: { productOrder: { id: string; state: string } } }>;
beforeAll(async () => {
  stack = await startTestStack();
  api = orderDriver(stack);
  listener = await startListener();
  dispatcher = startEventDispatcher(stack.database.db, { pollIntervalMs: 50 });
});
afterAll(async () => {
  await dispatcher?.stop();
  await listener?.close();
  await stack?.close();
});


describe('order orchestration, end to end', () => {
  it('takes a 3-site SD-WAN order through enrichment, approval, decomposition and fulfilment', async () => {
    const subscribed = await stack.app.inject({ method: 'POST', url: '/tmf-api/productOrderingManagement/v4/hub', headers: stack.as('api_client'), payload: { callback: listener.url } });
    expect(subscribed.statusCode).toBe(201);
    const order = await api.submit(
      orderOf([
        sdwanSite('1', { name: 'Lyon', contact: 'Ana +33 1', wanOptimisation: true }),
        sdwanSite('2', { name: 'Nantes', wanOptimisation: true, security: true }),
        sdwanSite('3', { name: 'Lille', wanOptimisation: false }),
      ]),
    );

    // Enrichment: sites 2 and 3 lack a site contact.
    const enriching = await api.until(order.id, (o) => o.subState === 'enriching');
    expect(enriching.state).toBe('acknowledged');
    const enrichment = await api.tasks(`orderId=${order.id}&type=human&state=ready`);
    expect(enrichment.map((t) => t.id).sort()).toEqual(['2:enrich-siteContact', '3:enrich-siteContact']);
    expect((await api.approve(order.id)).statusCode).toBe(409); // not awaiting approval yet
    expect((await api.complete(order.id, '2:enrich-siteContact', {}, 'order_agent')).json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    for (const task of enrichment) expect((await api.complete(order.id, task.id, { value: 'Bo +33 2' }, 'order_agent')).statusCode).toBe(200);

    // Approval by a fulfilment manager.
    await api.until(order.id, (o) => o.subState === 'awaitingApproval');
    expect((await api.approve(order.id, 'fulfilment_agent')).statusCode).toBe(403);
    const approved = await api.approve(order.id);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ state: 'inProgress' });
    expect((await api.approve(order.id)).json()).toMatchObject({ code: 'NOT_AWAITING_APPROVAL', status: 409 });

    // Decomposition: no WAN-optimisation service order for the site without it. The approval answered
    // once the decision was in the read model; the plan follows it there.
    const plan = await eventually(async () => {
      const found = await api.plan(order.id);
      return found.items.every((i: { domainOrders: unknown[] }) => i.domainOrders.length > 0) ? found : undefined;
    });
    const specsOf = (itemId: string) => plan.items.find((i: { id: string }) => i.id === itemId).domainOrders.map((d: { specificationId: string }) => d.specificationId);
    expect(specsOf('1')).toContain('wan-optimisation-service');
    expect(specsOf('2')).toEqual(expect.arrayContaining(['wan-optimisation-service', 'sdwan-security-service']));
    expect(specsOf('3')).not.toContain('wan-optimisation-service');
    expect(specsOf('3')).toEqual(['sdwan-site', 'sdwan-controller-service', 'sdwan-edge-connectivity', 'edge-device']);

    // Fulfilment: automated tasks run through the simulator; field engineers complete installations.
    const done = await api.completeHumanTasksUntilDone(order.id);
    expect(done.state).toBe('completed');
    expect(done.productOrderItem.map((i) => [i.id, i.state, i.ponr])).toEqual([
      ['1', 'completed', true],
      ['2', 'completed', true],
      ['3', 'completed', true],
    ]);
    expect(done.completionDate).toBeDefined();
    expect(done.expectedCompletionDate).toBeDefined();
    expect(done.productOrderItem[1]!.product?.productCharacteristic).toContainEqual({ name: 'siteContact', value: 'Bo +33 2' });

    const effects = await listEffects(stack.database.db, { orderId: order.id });
    expect(effects.filter((e) => e.operation === 'allocateDevice')).toHaveLength(3);
    expect(effects.filter((e) => e.operation === 'enableWanOptimisation')).toHaveLength(2);
    expect(new Set(effects.map((e) => e.idempotencyKey)).size).toBe(effects.length);

    const products = await productsOfOrder(stack.database.db, order.id);
    expect(products.map((p) => [p.orderItemId, p.status])).toEqual([
      ['1', 'active'],
      ['2', 'active'],
      ['3', 'active'],
    ]);

    const { transitions } = await api.timeline(order.id);
    const orderPath = transitions.filter((t) => t.entity === 'order').map((t) => t.to);
    expect(orderPath).toEqual(['acknowledged', 'acknowledged', 'acknowledged', 'inProgress', 'inProgress', 'completed']);
    expect(transitions).toContainEqual(expect.objectContaining({ entity: 'order', to: 'inProgress', actor: expect.stringMatching(/^fulfilment_manager:/), reasonCode: 'APPROVED' }));
    expect(transitions).toContainEqual(expect.objectContaining({ entity: 'task', entityId: '2:enrich-siteContact', to: 'completed', actor: expect.stringMatching(/^order_agent:/) }));

    // The subscriber heard the order's story, in order: created, state changes, item changes, information required.
    const heard = await eventually(async () => {
      const mine = listener.received.filter((r) => r.body.event.productOrder.id === order.id);
      const finished = mine.some((r) => r.body.eventType === 'ProductOrderStateChangeEvent' && r.body.event.productOrder.state === 'completed');
      return finished ? mine : undefined;
    });
    expect(heard[0]).toMatchObject({ path: '/hooks/listener/productOrderCreateEvent', body: { eventType: 'ProductOrderCreateEvent' } });
    const stateChanges = heard.filter((r) => r.body.eventType === 'ProductOrderStateChangeEvent').map((r) => r.body.event.productOrder.state);
    expect(stateChanges.at(-1)).toBe('completed');
    expect(heard.map((r) => r.body.eventType)).toEqual(expect.arrayContaining(['ProductOrderInformationRequiredEvent', 'ProductOrderAttributeValueChangeEvent']));
    expect(heard.every((r) => r.path === `/hooks/listener/${r.body.eventType[0]!.toLowerCase()}${r.body.eventType.slice(1)}`)).toBe(true);
    const ids = heard.map((r) => (r.body as unknown as { eventId: string }).eventId);
    expect(ids).toEqual([...ids].sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1])));

    const description = await eventually(async () => {
      const d = await stack.temporal.workflow.getHandle(orderWorkflowId(order.id)).describe();
      return d.status.name === 'COMPLETED' ? d : undefined;
    });
    expect(description.typedSearchAttributes.get(PonrReached)).toBe(true);
  });

  it('rejects an order whose contract has expired, with the reason, and decomposes nothing', async () => {
    const expired = sdwanSite('1', { name: 'Brest', contact: 'Cy' });
    expired.product!.productCharacteristic!.push({ name: 'contractEndDate', value: '2020-01-01T00:00:00Z' });
    const order = await api.submit(orderOf([expired]));
    const rejected = await api.until(order.id, (o) => o.state === 'rejected');
    expect(rejected.productOrderItem[0]!.state).toBe('rejected');
    const { transitions } = await api.timeline(order.id);
    expect(transitions.at(-1)).toMatchObject({ entity: 'order', to: 'rejected', reasonCode: 'CONTRACT_EXPIRED', reasonText: expect.stringContaining('item(s) 1') });
    expect((await api.plan(order.id)).items[0].domainOrders).toEqual([]);
  });

  it('lets a manager reject with a reason, and refuses a rejection without one', async () => {
    const order = await api.submit(orderOf([internetItem('1')]));
    await api.until(order.id, (o) => o.subState === 'awaitingApproval');
    const noReason = await api.approve(order.id, 'fulfilment_manager', { decision: 'reject' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors).toEqual([expect.objectContaining({ path: 'body.reason' })]);
    const rejected = await api.approve(order.id, 'fulfilment_manager', { decision: 'reject', reason: 'credit check failed' });
    expect(rejected.json()).toMatchObject({ state: 'rejected' });
    expect((await api.timeline(order.id)).transitions.at(-1)).toMatchObject({ to: 'rejected', reasonCode: 'REJECTED', reasonText: 'credit check failed' });
    expect((await api.approve(order.id)).json()).toMatchObject({ code: 'ORDER_TERMINAL', status: 409 });
    expect((await api.plan(order.id)).items[0].domainOrders).toEqual([]);
  });

  it('approves residential orders automatically and completes a 1-item order', async () => {
    const order = await api.submit(orderOf([internetItem('1', 500)], 'residential'));
    const done = await api.until(order.id, (o) => o.state === 'completed');
    expect(done.productOrderItem[0]).toMatchObject({ state: 'completed', ponr: true });
    expect((await api.timeline(order.id)).transitions).toContainEqual(expect.objectContaining({ to: 'inProgress', actor: 'system:auto-approval' }));
  });

  it('completes a 20-item order', async () => {
    const items = Array.from({ length: 20 }, (_, i) => internetItem(String(i + 1), i % 2 ? 100 : 500));
    const order = await api.submit(orderOf(items, 'residential'));
    const done = await api.until(order.id, (o) => o.state === 'completed', 120_000);
    expect(done.productOrderItem.every((i) => i.state === 'completed')).toBe(true);
    const effects = await listEffects(stack.database.db, { orderId: order.id });
    expect(effects.filter((e) => e.operation === 'allocateModem')).toHaveLength(20);
  });

  it('refuses to complete tasks that are not open human tasks', async () => {
    const order = await api.submit(orderOf([sdwanSite('1', { name: 'Caen' })]));
    await api.until(order.id, (o) => o.subState === 'enriching');
    expect((await api.complete(order.id, 'nope')).json()).toMatchObject({ code: 'TASK_NOT_FOUND', status: 404 });
    await api.complete(order.id, '1:enrich-siteContact', { value: 'Di' });
    expect((await api.complete(order.id, '1:enrich-siteContact', { value: 'Di' })).json()).toMatchObject({ code: 'TASK_NOT_OPEN', status: 409 });
    expect((await api.complete('no-such-order', 'x')).json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('does not leave an order silently stuck when a step fails: it waits visibly in fallout', async () => {
    const script = await stack.app.inject({
      method: 'PUT',
      url: '/api/simulator/systems/cpe',
      headers: stack.as('admin'),
      payload: { latencyMs: 0, errorRate: 0, failNext: { count: 1, operation: 'configureModem', code: 'MODEM_FIRMWARE_REJECTED', message: 'firmware refused', retryable: false } },
    });
    expect(script.statusCode).toBe(200);
    const order = await api.submit(orderOf([internetItem('1'), { id: '2', action: 'add', quantity: 2, productOffering: { id: 'branch-router' } }], 'residential'));
    const held = await api.until(order.id, (o) => o.state === 'held' && o.productOrderItem[1]!.state === 'completed');
    expect(held).toMatchObject({ state: 'held', subState: 'fallout' });
    expect(held.productOrderItem.map((i) => [i.id, i.state])).toEqual([
      ['1', 'held'],
      ['2', 'completed'],
    ]);
    const tasks = await api.tasks(`orderId=${order.id}`);
    expect(tasks.find((t) => t.id.endsWith('modem:configure'))).toMatchObject({ state: 'fallout' });
  });
});

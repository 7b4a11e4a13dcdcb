import { describe, expect, it } from 'vitest';
import { type Assessment, assessChange, type LiveOrder } from '../../domain/change-assessment.js';
import type { ChangeAction } from '../../domain/change-request.js';
import { DEMO_CATALOG } from '../../domain/catalog.js';
import { decomposeItem } from '../../domain/decompose.js';
import type { ProductOrder, ProductOrderItem } from '../../domain/order.js';
import type { ItemPlan, PlanTask, TaskState } from '../../domain/plan.js';

const AT = '2026-11-22T10:00:00.000Z';

const internet = (id: string, speedMbps: number): ProductOrderItem => ({
  id,
  action: 'add',
  quantity: 1,
  state: 'inProgress',
  productOffering: { id: 'internet-access' },
  product: { productCharacteristic: [{ name: 'speedMbps', value: speedMbps }] },
});
const routers = (id: string, quantity: number): ProductOrderItem => ({ id, action: 'add', quantity, state: 'inProgress', productOffering: { id: 'branch-router' } });

function orderWith(items: ProductOrderItem[]): ProductOrder {
  return { id: 'O1', href: 'http://x/O1', orderDate: AT, state: 'inProgress', version: 1, productOrderItem: items, '@type': 'ProductOrder' };
}

/** A live order whose tasks are in the given states (by template id suffix, or `*` for the rest). */
function live(items: ProductOrderItem[], states: (task: PlanTask) => TaskState): LiveOrder {
  const order = orderWith(items);
  const plans: ItemPlan[] = items.map((item) => {
    const plan = decomposeItem(order.id, item, DEMO_CATALOG);
    const tasks = plan.tasks.map((t) => {
      const state = states(t);
      const done = state === 'completed';
      return { ...t, state, ...(done ? { actualEnd: `2026-11-22T09:${String(plan.tasks.indexOf(t) + 10)}:00.000Z`, output: { ref: `${t.id}#out` } } : {}) };
    });
    return { ...plan, tasks };
  });
  const ponr = plans.some((p) => p.tasks.some((t) => t.isPonr && t.state === 'completed'));
  return { order: { ...order, productOrderItem: order.productOrderItem.map((i) => ({ ...i, ...(ponr ? { ponr } : {}) })) }, plans };
}

const ok = (a: Assessment) => {
  if (!a.ok) throw new Error(`refused ${a.code}: ${a.message}`);
  return a;
};
const speed = (itemId: string, value: number): ChangeAction => ({ action: 'changeCharacteristic', itemId, characteristics: [{ name: 'speedMbps', value }] });
const byTemplate = (states: Record<string, TaskState>) => (t: PlanTask) => states[`${t.domainOrderId.split('/').pop()!.replace(/#\d+$/, '')}:${t.templateId}`] ?? states['*'] ?? 'planned';

describe('assessChange', () => {
  const modemDone = live([internet('1', 100)], byTemplate({ 'modem:allocate': 'completed', 'modem:configure': 'completed', 'internet-service:activate-line': 'fallout' }));

  it('undoes completed work newest first with what it recorded, reruns changed steps with new keys, holds the steps not started', () => {
    const a = ok(assessChange(modemDone, [speed('1', 500)], DEMO_CATALOG, AT));
    expect(a.impact.undo.map((u) => [u.undo, u.releases])).toEqual([
      ['resetModem', { ref: '1/internet-access/internet-service/modem:configure#out' }],
      ['releaseModem', { ref: '1/internet-access/internet-service/modem:allocate#out' }],
    ]);
    expect(a.impact.redo.map((t) => t.taskId).sort()).toEqual(['1/internet-access/internet-service/modem:allocate', '1/internet-access/internet-service/modem:configure', '1/internet-access/internet-service:activate-line']);
    expect(a.impact.held.sort()).toEqual(['1/internet-access/internet-service:line-active', '1/internet-access:start-billing']);
    const rerun = a.plans[0]!.tasks.find((t) => t.templateId === 'allocate')!;
    expect([rerun.state, rerun.idempotencyKey, rerun.input.speedMbps]).toEqual(['planned', 'O1/1/internet-access/internet-service/modem:allocate/2', 500]);
    expect(a.impact.priceDelta).toEqual({ amount: 0, currency: 'EUR' });
  });

  it('is a pure function: the same live order and actions give the same assessment', () => {
    expect(assessChange(modemDone, [speed('1', 500)], DEMO_CATALOG, AT)).toEqual(assessChange(modemDone, [speed('1', 500)], DEMO_CATALOG, AT));
    expect(modemDone.order.productOrderItem[0]!.product?.productCharacteristic?.[0]?.value).toBe(100);
  });

  it('refuses work past the point of no return, naming the item', () => {
    const active = live([internet('1', 100)], byTemplate({ 'internet-service:line-active': 'completed', '*': 'completed', 'internet-access:start-billing': 'planned' }));
    const a = assessChange(active, [speed('1', 500)], DEMO_CATALOG, AT);
    expect(a).toMatchObject({ ok: false, code: 'PONR_REACHED', message: expect.stringContaining('Item(s) 1 ') });
  });

  it('changes quantity by units: the furthest behind go first, never one past PONR; new units are numbered after the highest', () => {
    // Units 1–3 shipped (past PONR), 4 reserved, 5 not started.
    const state = (t: PlanTask): TaskState => {
      const unit = Number(/#(\d+)/.exec(t.domainOrderId)?.[1] ?? 0);
      if (unit === 0) return 'planned';
      if (unit <= 3) return 'completed';
      return unit === 4 && t.templateId === 'reserve' ? 'completed' : 'planned';
    };
    const order = live([routers('1', 5)], state);
    const down = ok(assessChange(order, [{ action: 'changeQuantity', itemId: '1', quantity: 4 }], DEMO_CATALOG, AT));
    expect(new Set(down.impact.removedTasks.map((t) => /#(\d+)/.exec(t.taskId)![1]))).toEqual(new Set(['5']));
    expect(down.impact.undo).toEqual([]);
    expect(down.impact.priceDelta).toEqual({ amount: -350, currency: 'EUR' });

    const further = ok(assessChange(order, [{ action: 'changeQuantity', itemId: '1', quantity: 3 }], DEMO_CATALOG, AT));
    expect(further.impact.undo.map((u) => u.undo)).toEqual(['releaseStock']);

    expect(assessChange(order, [{ action: 'changeQuantity', itemId: '1', quantity: 2 }], DEMO_CATALOG, AT)).toMatchObject({ ok: false, code: 'QUANTITY_BELOW_COMPLETED' });

    const up = ok(assessChange(order, [{ action: 'changeQuantity', itemId: '1', quantity: 7 }], DEMO_CATALOG, AT));
    expect([...new Set(up.impact.newTasks.map((t) => /#(\d+)/.exec(t.taskId)![1]))]).toEqual(['6', '7']);
    // The units that stay are untouched: nothing of theirs reruns.
    expect(up.impact.redo).toEqual([]);
    expect(up.impact.replanned.map((t) => t.name)).toEqual(['Start billing']);
  });

  it('never reuses an id: units removed stay retired, new ones are numbered after every number used, a branch switched back on is planned afresh', () => {
    const applied = (before: LiveOrder, a: Extract<Assessment, { ok: true }>): LiveOrder => ({ order: { ...a.order, version: before.order.version + 1 }, plans: a.plans });
    const ids = (l: LiveOrder) => l.plans.flatMap((p) => p.tasks.map((t) => t.id));
    const unique = (l: LiveOrder) => expect(new Set(ids(l)).size).toBe(ids(l).length);

    const v1 = live([routers('1', 4)], () => 'planned');
    const v2 = applied(v1, ok(assessChange(v1, [{ action: 'changeQuantity', itemId: '1', quantity: 2 }], DEMO_CATALOG, AT)));
    expect(v2.plans[0]!.domainOrders.filter((d) => d.state === 'cancelled').map((d) => d.id.split('#')[1])).toEqual(['3', '4']);
    const v3 = applied(v2, ok(assessChange(v2, [{ action: 'changeQuantity', itemId: '1', quantity: 4 }], DEMO_CATALOG, AT)));
    unique(v3);
    expect(v3.plans[0]!.domainOrders.filter((d) => d.state !== 'cancelled' && d.kind === 'resource').map((d) => d.id.split('#')[1])).toEqual(['1', '2', '5', '6']);

    const site: ProductOrderItem = { id: '1', action: 'add', quantity: 1, state: 'inProgress', productOffering: { id: 'sdwan-service-package' }, product: { productCharacteristic: [{ name: 'siteName', value: 'Lyon' }, { name: 'security', value: true }] } };
    const security = (on: boolean): ChangeAction => ({ action: 'changeCharacteristic', itemId: '1', characteristics: [{ name: 'security', value: on }] });
    const s1 = live([site], () => 'planned');
    const s2 = applied(s1, ok(assessChange(s1, [security(false)], DEMO_CATALOG, AT)));
    const s3 = applied(s2, ok(assessChange(s2, [security(true)], DEMO_CATALOG, AT)));
    unique(s3);
    const policy = s3.plans[0]!.tasks.find((t) => t.templateId === 'apply-policy')!;
    expect([policy.state, policy.idempotencyKey.endsWith('/3')]).toEqual(['planned', true]);
    expect(s3.plans[0]!.domainOrders.find((d) => d.specificationId === 'sdwan-security-service')!.state).toBe('acknowledged');
  });

  it('refuses requests that name no open item, break catalog rules, change nothing or remove everything', () => {
    expect(assessChange(modemDone, [speed('9', 500)], DEMO_CATALOG, AT)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', message: expect.stringContaining('no item 9') });
    expect(assessChange(modemDone, [speed('1', 300)], DEMO_CATALOG, AT)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED', message: expect.stringContaining('speedMbps') });
    expect(assessChange(modemDone, [speed('1', 100)], DEMO_CATALOG, AT)).toMatchObject({ ok: false, message: expect.stringContaining('changes nothing') });
    expect(assessChange(modemDone, [{ action: 'removeItem', itemId: '1' }], DEMO_CATALOG, AT)).toMatchObject({ ok: false, message: expect.stringContaining('cancel the order') });
    expect(assessChange(modemDone, [{ action: 'changeDates', requestedStartDate: '2027-02-01T00:00:00Z', requestedCompletionDate: '2027-01-01T00:00:00Z' }], DEMO_CATALOG, AT)).toMatchObject({ ok: false, code: 'VALIDATION_FAILED' });
  });

  it('adds and removes items: new plans for added ones, removed ones undone and retired', () => {
    const two = live([internet('1', 100), routers('2', 1)], byTemplate({ 'modem:allocate': 'completed', 'router-unit:reserve': 'completed' }));
    const a = ok(assessChange(two, [{ action: 'removeItem', itemId: '2' }, { action: 'addItem', item: { id: '3', action: 'add', productOffering: { id: 'branch-router' }, quantity: 2 } }], DEMO_CATALOG, AT));
    expect(a.impact.items).toEqual({ added: ['3'], removed: ['2'], changed: [] });
    expect(a.impact.undo.map((u) => [u.orderItemId, u.undo])).toEqual([['2', 'releaseStock']]);
    expect(a.plans.find((p) => p.orderItemId === '2')!.tasks.every((t) => t.state === 'superseded')).toBe(true);
    expect(a.plans.find((p) => p.orderItemId === '3')!.tasks.map((t) => t.idempotencyKey.endsWith('/2'))).not.toContain(false);
    expect(a.impact.priceDelta).toEqual({ amount: 350, currency: 'EUR' });
  });

  it('before decomposition only revises the items', () => {
    const waiting: LiveOrder = { order: { ...orderWith([internet('1', 100)]), state: 'acknowledged', subState: 'awaitingApproval' }, plans: [] };
    const a = ok(assessChange(waiting, [speed('1', 500), { action: 'changeDates', requestedCompletionDate: '2030-01-01T00:00:00Z' }], DEMO_CATALOG, AT));
    expect(a.plans).toEqual([]);
    expect(a.order.requestedCompletionDate).toBe('2030-01-01T00:00:00Z');
    expect(a.order.productOrderItem[0]!.product?.productCharacteristic).toEqual([{ name: 'speedMbps', value: 500 }]);
    expect(a.impact).toMatchObject({ undo: [], redo: [], held: [] });
  });
});

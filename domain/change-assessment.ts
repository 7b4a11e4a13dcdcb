import type { Catalog } from './catalog.js';
import type { ChangeAction, ChangeImpact, TaskImpact, UndoImpact } from './change-request.js';
import { checkConfiguration } from './configurator.js';
import { decomposeItem } from './decompose.js';
import type { ErrorCode } from './errors.js';
import type { ProductOrder, ProductOrderItem } from './order.js';
import type { DomainOrder, ItemPlan, PlanTask, TaskState } from './plan.js';
import { isTaskRetired } from './rollup.js';
import { schedulePlan } from './schedule.js';

/**
 * Assesses a change request against the live order and plan, without changing either: the
 * revised order, the merged plan it would run, and the impact (what is undone, redone, new,
 * removed, held; price and date). The same function previews a request, accepts it and applies
 * it, so the applied change is the one its preview described. Pure and deterministic.
 */
export type Assessment =
  | { ok: true; order: ProductOrder; plans: ItemPlan[]; impact: ChangeImpact }
  | { ok: false; code: ErrorCode; message: string };

export interface LiveOrder {
  order: ProductOrder;
  plans: ItemPlan[];
}

class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const ENDED: string[] = ['completed', 'failed', 'cancelled', 'rejected'];
const NOT_STARTED: TaskState[] = ['planned', 'waiting', 'ready', 'onHold'];
const RAN: TaskState[] = ['inProgress', 'completed', 'fallout'];

export function assessChange(live: LiveOrder, actions: ChangeAction[], catalog: Catalog, at: string): Assessment {
  try {
    return { ok: true, ...assess(live, actions, catalog, at) };
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

function assess(live: LiveOrder, actions: ChangeAction[], catalog: Catalog, at: string) {
  const revision = reviseOrder(live.order, actions);
  checkCatalogRules(revision.order, [...revision.added, ...revision.changed], catalog);
  const version = live.order.version + 1;
  const impact: ChangeImpact = {
    items: { added: [...revision.added], removed: [...revision.removed], changed: [...revision.changed] },
    undo: [],
    redo: [],
    replanned: [],
    newTasks: [],
    removedTasks: [],
    held: [],
    ...priceDelta(live.order, revision.order, revision.removed, catalog),
  };
  // Not decomposed yet: the plan will be built from the revised items.
  if (live.plans.length === 0) return { order: revision.order, plans: [], impact };

  const plans: ItemPlan[] = [];
  const pastPonr = new Set<string>();
  for (const item of revision.order.productOrderItem) {
    const old = live.plans.find((p) => p.orderItemId === item.id);
    if (revision.added.has(item.id)) {
      const plan = decomposeItem(live.order.id, item, catalog, { version });
      impact.newTasks.push(...plan.tasks.map(taskImpact));
      plans.push(plan);
    } else if (!old) {
      continue;
    } else if (revision.removed.has(item.id)) {
      if (item.ponr) pastPonr.add(item.id);
      plans.push(removePlan(old, impact));
    } else if (revision.changed.has(item.id)) {
      const before = live.order.productOrderItem.find((i) => i.id === item.id)!;
      const merged = revisePlan(live.order.id, old, before, item, catalog, version, impact);
      merged.touchedPastPonr.forEach((id) => pastPonr.add(id));
      plans.push(merged.plan);
    } else {
      plans.push(old);
    }
  }
  if (pastPonr.size > 0) {
    throw new Refusal('PONR_REACHED', `Item(s) ${[...pastPonr].join(', ')} passed the point of no return: the change would undo or redo work that can no longer change`);
  }
  impact.undo = undoOrder(impact.undo);
  const scheduled = plans.map((p) => schedulePlan(p, new Date(at)));
  const end = Math.max(...scheduled.map((s) => Date.parse(s.expectedCompletion)));
  if (Number.isFinite(end)) impact.expectedCompletionDate = new Date(end).toISOString();
  if (live.order.expectedCompletionDate) impact.previousExpectedCompletionDate = live.order.expectedCompletionDate;
  return { order: revision.order, plans: scheduled.map((s) => s.plan), impact };
}

/** Applies the actions to the order's items and dates; refuses actions that name no open item. */
function reviseOrder(order: ProductOrder, actions: ChangeAction[]) {
  let items = [...order.productOrderItem];
  let revised: ProductOrder = order;
  const added = new Set<string>();
  const removed = new Set<string>();
  const changed = new Set<string>();
  const open = (itemId: string): ProductOrderItem => {
    const item = items.find((i) => i.id === itemId);
    if (!item || removed.has(itemId)) throw new Refusal('VALIDATION_FAILED', `Order ${order.id} has no item ${itemId} to change`);
    if (ENDED.includes(item.state)) {
      if (item.ponr) throw new Refusal('PONR_REACHED', `Item(s) ${itemId} passed the point of no return (it is ${item.state})`);
      throw new Refusal('VALIDATION_FAILED', `Item ${itemId} is ${item.state}: it can no longer change`);
    }
    return item;
  };
  const replace = (next: ProductOrderItem) => {
    items = items.map((i) => (i.id === next.id ? next : i));
    if (!added.has(next.id)) changed.add(next.id);
  };
  for (const action of actions) {
    switch (action.action) {
      case 'addItem': {
        if (action.item.action !== 'add') throw new Refusal('VALIDATION_FAILED', `An added item must have action "add" (item ${action.item.id} has "${action.item.action}")`);
        if (items.some((i) => i.id === action.item.id)) throw new Refusal('VALIDATION_FAILED', `Order ${order.id} already has an item ${action.item.id}`);
        items.push({ ...action.item, quantity: action.item.quantity ?? 1, state: 'acknowledged' });
        added.add(action.item.id);
        break;
      }
      case 'removeItem':
        open(action.itemId);
        if (added.delete(action.itemId)) items = items.filter((i) => i.id !== action.itemId);
        else removed.add(action.itemId);
        changed.delete(action.itemId);
        break;
      case 'changeCharacteristic': {
        const item = open(action.itemId);
        const others = (item.product?.productCharacteristic ?? []).filter((c) => !action.characteristics.some((n) => n.name === c.name));
        replace({ ...item, product: { ...item.product, productCharacteristic: [...others, ...action.characteristics] } });
        break;
      }
      case 'changeQuantity':
        replace({ ...open(action.itemId), quantity: action.quantity });
        break;
      case 'changePlace': {
        const item = open(action.itemId);
        replace({ ...item, product: { ...item.product, place: action.place } });
        break;
      }
      case 'changeDates': {
        const { requestedStartDate, requestedCompletionDate } = { ...revised, ...action };
        if (requestedStartDate && requestedCompletionDate && Date.parse(requestedCompletionDate) < Date.parse(requestedStartDate)) {
          throw new Refusal('VALIDATION_FAILED', `requestedCompletionDate ${requestedCompletionDate} is before requestedStartDate ${requestedStartDate}`);
        }
        revised = { ...revised, ...(requestedStartDate ? { requestedStartDate } : {}), ...(requestedCompletionDate ? { requestedCompletionDate } : {}) };
        break;
      }
    }
  }
  revised = { ...revised, productOrderItem: items };
  if (removed.size > 0 && items.every((i) => removed.has(i.id) || ENDED.includes(i.state))) {
    throw new Refusal('VALIDATION_FAILED', 'The request removes every open item: cancel the order instead (cancelProductOrder)');
  }
  if (JSON.stringify(revised) === JSON.stringify(order)) throw new Refusal('VALIDATION_FAILED', 'The request changes nothing: every value is already as requested');
  return { order: revised, added, removed, changed };
}

/** Added and changed items must still satisfy their offering's configurator rules. */
function checkCatalogRules(order: ProductOrder, itemIds: string[], catalog: Catalog): void {
  for (const id of itemIds) {
    const item = order.productOrderItem.find((i) => i.id === id)!;
    const offeringId = item.productOffering?.id ?? item.product?.productOffering?.id;
    const offering = catalog.offerings.find((o) => o.id === offeringId);
    if (!offering) throw new Refusal('VALIDATION_FAILED', `Item ${id}: offering ${offeringId ?? '(none)'} is not in the catalog`);
    const errors = checkConfiguration(item, offering, `item ${id}`);
    if (errors.length > 0) throw new Refusal('VALIDATION_FAILED', `The change breaks catalog rules: ${errors.map((e) => `${e.message} (${e.rule})`).join('; ')}`);
  }
}

/** The revised order keeps removed items (they end cancelled), but they no longer count for price. */
function priceDelta(before: ProductOrder, after: ProductOrder, removed: Set<string>, catalog: Catalog): Pick<ChangeImpact, 'priceDelta'> {
  const totals = new Map<string, number>();
  const add = (item: ProductOrderItem, sign: number) => {
    const price = catalog.offerings.find((o) => o.id === (item.productOffering?.id ?? item.product?.productOffering?.id))?.price;
    if (price && !ENDED.includes(item.state)) totals.set(price.currency, (totals.get(price.currency) ?? 0) + sign * price.amount * (item.quantity ?? 1));
  };
  before.productOrderItem.forEach((i) => add(i, -1));
  after.productOrderItem.filter((i) => !removed.has(i.id)).forEach((i) => add(i, +1));
  if (totals.size !== 1) return {};
  const [currency, amount] = [...totals][0]!;
  return { priceDelta: { amount: Math.round(amount * 100) / 100, currency } };
}

/** A removed item: everything it did is undone, everything it has not done is dropped. */
function removePlan(old: ItemPlan, impact: ChangeImpact): ItemPlan {
  const tasks = old.tasks.filter((t) => !isTaskRetired(t));
  for (const t of tasks) retire(t, impact);
  return { ...old, tasks: old.tasks.map((t) => (isTaskRetired(t) ? t : { ...t, state: 'superseded' as const })) };
}

function retire(task: PlanTask, impact: ChangeImpact): void {
  impact.removedTasks.push(taskImpact(task));
  if (task.undo && (task.state === 'completed' || task.state === 'inProgress')) impact.undo.push(undoImpact(task));
  if (NOT_STARTED.includes(task.state)) impact.held.push(task.id);
}

/**
 * A changed item: decompose it again with the new values (keeping the units that stay) and merge
 * with what ran. A step whose input changed runs again — undone first when it completed — and so
 * does a completed step built on one that runs again; untouched steps keep their state.
 */
function revisePlan(orderId: string, old: ItemPlan, before: ProductOrderItem, after: ProductOrderItem, catalog: Catalog, version: number, impact: ChangeImpact) {
  const frozen = frozenDomainOrders(old);
  const units = unitsAfter(old, after, frozen);
  const was = new Map(decomposeItem(orderId, before, catalog, { units: unitsOf(old) }).tasks.map((t) => [t.id, t]));
  const next = decomposeItem(orderId, after, catalog, { units, version });
  const current = new Map(old.tasks.filter((t) => !isTaskRetired(t)).map((t) => [t.id, t]));
  const touchedPastPonr = new Set<string>();
  const touch = (t: PlanTask) => {
    if (frozen.has(t.domainOrderId) && RAN.includes(t.state)) touchedPastPonr.add(t.orderItemId);
  };

  // Steps that must run again: changed input, or a completed step that follows one that runs again.
  const rerun = new Set(next.tasks.filter((t) => current.has(t.id) && sameInput(was.get(t.id), t) === false).map((t) => t.id));
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of next.tasks) {
      const ran = current.get(t.id);
      if (!rerun.has(t.id) && ran && RAN.includes(ran.state) && t.predecessors.some((p) => rerun.has(p) && RAN.includes(current.get(p)?.state ?? 'planned'))) {
        rerun.add(t.id);
        grew = true;
      }
    }
  }

  const tasks: PlanTask[] = next.tasks.map((t) => {
    const ran = current.get(t.id);
    if (!ran) {
      impact.newTasks.push(taskImpact(t));
      return t;
    }
    if (!rerun.has(t.id)) return { ...ran, predecessors: t.predecessors };
    touch(ran);
    if (RAN.includes(ran.state)) {
      impact.redo.push(taskImpact(ran));
      if (ran.undo && (ran.state === 'completed' || ran.state === 'inProgress')) impact.undo.push(undoImpact(ran));
    } else {
      impact.replanned.push(taskImpact(ran));
      impact.held.push(ran.id);
    }
    return t;
  });
  const kept = new Set(next.tasks.map((t) => t.id));
  const dropped = [...current.values()].filter((t) => !kept.has(t.id));
  for (const t of dropped) {
    if (frozen.has(t.domainOrderId)) touchedPastPonr.add(t.orderItemId);
    retire(t, impact);
  }
  holdDescendants(next.tasks, current, rerun, impact);
  const domainOrders = mergeDomainOrders(old.domainOrders, next.domainOrders);
  // A step retired by an earlier change whose id comes back (a branch switched off, then on) is
  // planned afresh: ids stay unique, its history stays in the transitions.
  const retired = old.tasks.filter((t) => isTaskRetired(t) && !kept.has(t.id));
  return { plan: { orderItemId: old.orderItemId, domainOrders, tasks: [...tasks, ...dropped.map((t) => ({ ...t, state: 'superseded' as const })), ...retired] }, touchedPastPonr };
}

/** Steps not started yet that wait on a step that runs again must not start before the decision. */
function holdDescendants(tasks: PlanTask[], current: Map<string, PlanTask>, rerun: Set<string>, impact: ChangeImpact): void {
  const affected = new Set(rerun);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of tasks) {
      if (!affected.has(t.id) && t.predecessors.some((p) => affected.has(p))) {
        affected.add(t.id);
        grew = true;
      }
    }
  }
  for (const id of affected) {
    const t = current.get(id);
    if (t && NOT_STARTED.includes(t.state) && !impact.held.includes(id)) impact.held.push(id);
  }
}

function mergeDomainOrders(old: DomainOrder[], next: DomainOrder[]): DomainOrder[] {
  const byId = new Map(old.filter((d) => d.state !== 'cancelled').map((d) => [d.id, d]));
  const kept = new Set(next.map((d) => d.id));
  return [...next.map((d) => byId.get(d.id) ?? d), ...old.filter((d) => !kept.has(d.id)).map((d) => ({ ...d, state: 'cancelled' as const }))];
}

/**
 * Domain orders past their point of no return: those whose PONR milestone completed, and
 * everything under them (the modem of an active line can no longer change).
 */
function frozenDomainOrders(plan: ItemPlan): Set<string> {
  const ponr = new Set(plan.tasks.filter((t) => t.isPonr && t.state === 'completed').map((t) => t.domainOrderId));
  const parent = new Map(plan.domainOrders.map((d) => [d.id, d.parentId]));
  const frozen = new Set<string>();
  for (const d of plan.domainOrders) {
    for (let at: string | undefined = d.id; at; at = parent.get(at)) {
      if (ponr.has(at)) {
        frozen.add(d.id);
        break;
      }
    }
  }
  return frozen;
}

const UNIT = /^(.*)#(\d+)$/;

/** The unit numbers of each per-unit group of the plan as it stands (`everUsed`: removed ones too). */
function unitsOf(plan: ItemPlan, everUsed = false): Record<string, number[]> {
  const units: Record<string, number[]> = {};
  for (const d of plan.domainOrders) {
    const match = UNIT.exec(d.id);
    if (match && (everUsed || d.state !== 'cancelled')) (units[match[1]!] ??= []).push(Number(match[2]));
  }
  return units;
}

/**
 * The units after a quantity change. Fewer: the units furthest behind go (never one past its
 * point of no return — too few of those left is QUANTITY_BELOW_COMPLETED). More: new units are
 * numbered after the highest, so the ones that exist keep their ids and their work.
 */
function unitsAfter(plan: ItemPlan, item: ProductOrderItem, frozen: Set<string>): Record<string, number[]> {
  const quantity = item.quantity ?? 1;
  const result: Record<string, number[]> = {};
  const used = unitsOf(plan, true);
  for (const [group, numbers] of Object.entries(unitsOf(plan))) {
    if (numbers.length <= quantity) {
      // After the highest number ever used: a removed unit's id is never reused.
      const top = Math.max(...used[group]!);
      result[group] = [...numbers, ...Array.from({ length: quantity - numbers.length }, (_, i) => top + i + 1)];
      continue;
    }
    // A unit is its domain order and every domain order under it.
    const inUnit = (n: number, domainOrderId: string) => domainOrderId === `${group}#${n}` || domainOrderId.startsWith(`${group}#${n}/`);
    const isFrozen = (n: number) => [...frozen].some((d) => inUnit(n, d));
    const done = numbers.filter(isFrozen);
    if (done.length > quantity) {
      throw new Refusal('QUANTITY_BELOW_COMPLETED', `Item ${item.id}: ${done.length} unit(s) passed the point of no return; the quantity cannot go below ${done.length} (asked ${quantity})`);
    }
    const progress = (n: number) => plan.tasks.filter((t) => inUnit(n, t.domainOrderId) && t.state === 'completed').length;
    const removable = numbers.filter((n) => !isFrozen(n)).sort((a, b) => progress(a) - progress(b) || b - a);
    const drop = new Set(removable.slice(0, numbers.length - quantity));
    result[group] = numbers.filter((n) => !drop.has(n));
  }
  return result;
}

/** Whether the catalog tells a step the same thing before and after (undefined: it did not exist). */
function sameInput(before: PlanTask | undefined, after: PlanTask): boolean | undefined {
  if (!before) return undefined;
  return canonical(before.input) === canonical(after.input);
}

const canonical = (value: unknown): string =>
  JSON.stringify(value, (_, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));

/** Undo runs newest first: the reverse of the order the steps completed in (running ones first). */
function undoOrder(undo: UndoImpact[]): UndoImpact[] {
  return undo.map((u, i) => ({ u, i })).sort((a, b) => (b.u.completedAt ?? '\uffff').localeCompare(a.u.completedAt ?? '\uffff') || b.i - a.i).map(({ u }) => u);
}

const taskImpact = (t: PlanTask): TaskImpact => ({
  taskId: t.id,
  orderItemId: t.orderItemId,
  name: t.name,
  state: t.state,
  ...(t.system ? { system: t.system } : {}),
  ...(t.operation ? { operation: t.operation } : {}),
});

const undoImpact = (t: PlanTask): UndoImpact => ({ ...taskImpact(t), undo: t.undo!, releases: t.output ?? {}, ...(t.actualEnd ? { completedAt: t.actualEnd } : {}) });

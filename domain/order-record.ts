import { decomposeItem } from './decompose.js';
import type { Catalog } from './catalog.js';
import type { ItemStateType, OrderStateType, OrderSubState, ProductOrder, Transition } from './order.js';
import type { DomainOrder, ItemPlan, PlanTask, TaskState } from './plan.js';
import { domainOrderState, isTaskRetired, itemStateFromPlan, rollUpOrder, TERMINAL_ORDER } from './rollup.js';
import { schedulePlan } from './schedule.js';
import type { CancelProductOrder } from './cancellation.js';
import type { Fallout } from './fallout.js';
import { type JeopardyEvent, type JeopardyLevel, maxLevel, rank } from './jeopardy.js';
import { FalloutLedger } from './fallout-ledger.js';
import { type ChangeRequest, isChangeOpen } from './change-request.js';

export interface Actor {
  actor: string;
  reasonCode: string;
  reasonText?: string;
}

/** What changed since the last projection: the read model receives only this. */
export interface OrderChanges {
  order: ProductOrder;
  transitions: Array<Transition & { seq: number }>;
  domainOrders: Array<DomainOrder & { orderId: string }>;
  tasks: Array<PlanTask & { orderId: string }>;
  fallouts: Fallout[];
  jeopardies: JeopardyEvent[];
  cancellations: CancelProductOrder[];
  changeRequests: ChangeRequest[];
  /** The order as it was at the end of each version a change request superseded. */
  versions: OrderVersion[];
}

export interface OrderVersion {
  version: number;
  order: ProductOrder;
}

/** How an item ended early: aborted after fallout (failed) or cancelled. */
export type ItemClosure = 'failed' | 'cancelled';

/**
 * An order as its workflow holds it: the TMF order, its item plans, and every transition, with
 * the roll-up applied after each change. Pure and deterministic (time is passed in), so the
 * workflow stays a list of steps and this logic is unit-tested without Temporal.
 */
export class OrderRecord {
  order: ProductOrder;
  plans: ItemPlan[] = [];
  /** Human tasks that collect missing data before approval (enrichment). */
  enrichment: PlanTask[] = [];
  readonly transitions: Transition[];
  readonly fallouts = new FalloutLedger();
  readonly jeopardies: JeopardyEvent[] = [];
  cancellations: CancelProductOrder[] = [];
  private readonly dirtyCancellations = new Set<string>();
  changeRequests: ChangeRequest[] = [];
  private readonly dirtyChangeRequests = new Set<string>();
  private readonly versions: OrderVersion[] = [];
  private projectedVersions = 0;
  private projectedJeopardies = 0;
  /** Jeopardy of the order's committed date (requestedCompletionDate) against its projection. */
  private commitmentLevel: JeopardyLevel = 'none';
  /** An order-level cancellation in flight decides the order's state (domain.md §1 rule 1). */
  cancelling = false;
  /** Items being closed early: no new task of theirs starts; set before compensation runs. */
  private readonly closingItems = new Map<string, ItemClosure>();
  private projectedTransitions = 0;
  private readonly dirtyTasks = new Set<string>();
  private readonly dirtyDomainOrders = new Set<string>();

  constructor(order: ProductOrder, transitions: Transition[]) {
    this.order = order;
    this.transitions = [...transitions];
  }

  get id() {
    return this.order.id;
  }

  isTerminal(): boolean {
    return TERMINAL_ORDER.includes(this.order.state);
  }

  setOrderState(to: OrderStateType, subState: OrderSubState | undefined, at: string, why: Actor): void {
    const from = this.order.state;
    if (from === to && this.order.subState === subState) return;
    this.order = { ...this.order, state: to, ...(subState ? { subState } : { subState: undefined }) };
    if (subState === undefined) delete this.order.subState;
    this.transitions.push({ entity: 'order', entityId: this.id, from, to, ...(subState ? { subState } : {}), at, ...why });
  }

  setItemState(itemId: string, to: ItemStateType, at: string, why: Actor): void {
    const item = this.order.productOrderItem.find((i) => i.id === itemId);
    if (!item || item.state === to) return;
    this.transitions.push({ entity: 'item', entityId: itemId, from: item.state, to, at, ...why });
    this.order = { ...this.order, productOrderItem: this.order.productOrderItem.map((i) => (i.id === itemId ? { ...i, state: to } : i)) };
  }

  /** Builds every item's plan from the catalog and plans dates from `at`. */
  decompose(catalog: Catalog, at: string): void {
    this.plans = this.order.productOrderItem.map((item) => schedulePlan(decomposeItem(this.id, item, catalog), new Date(at)).plan);
    for (const plan of this.plans) {
      plan.tasks.forEach((t) => this.dirtyTasks.add(t.id));
      plan.domainOrders.forEach((d) => this.dirtyDomainOrders.add(d.id));
    }
    this.reschedule(at);
  }

  /** Opens the enrichment tasks the order needs before approval. */
  openEnrichment(tasks: PlanTask[]): void {
    this.enrichment = tasks;
    tasks.forEach((t) => this.dirtyTasks.add(t.id));
  }

  task(taskId: string): PlanTask | undefined {
    // Asked by every waiting step's condition on every activation: no arrays built on the way.
    const enrichment = this.enrichment.find((t) => t.id === taskId);
    if (enrichment) return enrichment;
    for (const plan of this.plans) {
      const task = plan.tasks.find((t) => t.id === taskId);
      if (task) return task;
    }
    return undefined;
  }

  /** Whether the run keyed `key` is still the task's: a change request may replan (new key) or retire it. */
  isCurrentRun(taskId: string, key: string): boolean {
    const task = this.task(taskId);
    return task !== undefined && task.idempotencyKey === key && !isTaskRetired(task);
  }

  updateTask(taskId: string, patch: Partial<PlanTask> & { state?: TaskState }, at: string, why: Actor): PlanTask {
    const current = this.task(taskId);
    if (!current) throw new Error(`no task ${taskId}`);
    const next = { ...current, ...patch };
    if (patch.state && patch.state !== current.state) {
      this.transitions.push({ entity: 'task', entityId: taskId, from: current.state, to: patch.state, at, ...why });
    }
    this.enrichment = this.enrichment.map((t) => (t.id === taskId ? next : t));
    this.plans = this.plans.map((p) => (p.orderItemId === next.orderItemId ? { ...p, tasks: p.tasks.map((t) => (t.id === taskId ? next : t)) } : p));
    this.dirtyTasks.add(taskId);
    if (next.isPonr && next.state === 'completed') this.markPonr(next.orderItemId);
    return next;
  }

  /** Stops starting the item's tasks and cancels those not yet started (human ones included). */
  beginClosingItem(itemId: string, closure: ItemClosure, at: string, why: Actor): void {
    this.closingItems.set(itemId, closure);
    const plan = this.plans.find((p) => p.orderItemId === itemId);
    const enrichment = this.enrichment.filter((t) => t.orderItemId === itemId);
    for (const t of [...enrichment, ...(plan?.tasks ?? [])]) {
      // A task parked in fallout or on hold is done with too: its fallout is closed with the item.
      if (['planned', 'waiting', 'ready', 'fallout', 'onHold'].includes(t.state)) this.updateTask(t.id, { state: 'cancelled' }, at, why);
    }
  }

  /** The item's closure, once compensation is done. */
  finishClosingItem(itemId: string, at: string, why: Actor): void {
    this.setItemState(itemId, this.closingItems.get(itemId)!, at, why);
  }

  isItemClosing(itemId: string): boolean {
    return this.closingItems.has(itemId);
  }

  saveCancellation(c: CancelProductOrder): CancelProductOrder {
    this.cancellations = [...this.cancellations.filter((x) => x.id !== c.id), c];
    this.dirtyCancellations.add(c.id);
    return c;
  }

  saveChangeRequest(c: ChangeRequest): ChangeRequest {
    this.changeRequests = [...this.changeRequests.filter((x) => x.id !== c.id), c];
    this.dirtyChangeRequests.add(c.id);
    return c;
  }

  changeRequest(id: string): ChangeRequest | undefined {
    return this.changeRequests.find((c) => c.id === id);
  }

  /** The change request awaiting its decision or being applied, if any (one at a time). */
  openChange(): ChangeRequest | undefined {
    return this.changeRequests.find(isChangeOpen);
  }

  /**
   * Applies an assessed change: the revised order becomes version + 1 (the one it replaces is kept),
   * and the merged plans replace the current ones. Every task whose state the merge changes gets a
   * transition; a task the change retired keeps what it recorded (its undo output included).
   */
  applyRevision(order: ProductOrder, plans: ItemPlan[], removedItems: string[], at: string, why: Actor): void {
    this.versions.push({ version: this.order.version, order: this.order });
    const before = new Map(this.plans.flatMap((p) => p.tasks).map((t) => [t.id, t]));
    const { state, subState } = this.order;
    this.order = { ...order, state, ...(subState ? { subState } : {}), version: this.order.version + 1 };
    this.plans = plans.map((plan) => ({
      ...plan,
      tasks: plan.tasks.map((t) => {
        const was = before.get(t.id);
        const task = t.state === 'superseded' && was ? { ...was, state: t.state } : t;
        if (was?.state !== task.state || was?.idempotencyKey !== task.idempotencyKey) {
          this.transitions.push({ entity: 'task', entityId: t.id, from: was?.state ?? null, to: task.state, at, ...why });
        }
        return task;
      }),
    }));
    for (const plan of this.plans) {
      plan.tasks.forEach((t) => this.dirtyTasks.add(t.id));
      plan.domainOrders.forEach((d) => this.dirtyDomainOrders.add(d.id));
    }
    // Items removed before the plan existed have no tasks to roll up from.
    for (const id of removedItems) if (!this.plans.some((p) => p.orderItemId === id)) this.setItemState(id, 'cancelled', at, why);
    this.transitions.push({ entity: 'order', entityId: this.id, from: state, to: state, ...(subState ? { subState } : {}), at, ...why });
  }

  /** A cancellation is being carried out (accepted, compensation not finished). */
  cancellationInFlight(): boolean {
    return this.cancellations.some((c) => c.state === 'inProgress' || c.state === 'acknowledged');
  }

  /** Items past their point of no return. */
  itemsPastPonr(itemIds: string[] = this.order.productOrderItem.map((i) => i.id)): string[] {
    return this.order.productOrderItem.filter((i) => itemIds.includes(i.id) && i.ponr).map((i) => i.id);
  }

  /**
   * Raises a task's jeopardy level (never lowers it, never records the same level twice) and rolls
   * the levels up. Returns the event, or undefined when nothing changed.
   */
  raiseTaskJeopardy(taskId: string, level: JeopardyLevel, elapsedMs: number, at: string): JeopardyEvent | undefined {
    const task = this.task(taskId)!;
    const previous = task.jeopardyLevel ?? 'none';
    if (rank(level) <= rank(previous)) return undefined;
    this.updateTask(taskId, { jeopardyLevel: level }, at, { actor: 'system:jeopardy', reasonCode: `JEOPARDY_${level.toUpperCase()}` });
    const pct = Math.round((elapsedMs / task.slaMs) * 100);
    return this.recordJeopardy(
      {
        kind: 'task',
        orderItemId: task.orderItemId,
        taskId,
        taskName: task.name,
        ...(task.system ? { system: task.system } : {}),
        level,
        previous,
        slaMs: task.slaMs,
        elapsedMs,
        message: `${task.name} (item ${task.orderItemId}) is ${level === 'critical' ? 'past' : 'at risk of missing'} its SLA: ${pct}% of ${Math.round(task.slaMs / 60_000)} min used`,
      },
      at,
    );
  }

  /** Order-level jeopardy from `requestedCompletionDate`: projected late (high) or passed (critical). */
  checkCommitment(at: string): JeopardyEvent | undefined {
    const committed = this.order.requestedCompletionDate;
    if (!committed || this.isTerminal()) return undefined;
    const level: JeopardyLevel = Date.parse(at) > Date.parse(committed) ? 'critical' : this.order.expectedCompletionDate && Date.parse(this.order.expectedCompletionDate) > Date.parse(committed) ? 'high' : 'none';
    if (rank(level) <= rank(this.commitmentLevel)) return undefined;
    const previous = this.commitmentLevel;
    this.commitmentLevel = level;
    return this.recordJeopardy(
      {
        kind: 'orderCommitment',
        level,
        previous,
        message:
          level === 'critical'
            ? `Order ${this.id} missed its committed date ${committed}`
            : `Order ${this.id} is projected to complete ${this.order.expectedCompletionDate}, after its committed date ${committed}`,
      },
      at,
    );
  }

  private recordJeopardy(event: Omit<JeopardyEvent, 'id' | 'orderId' | 'at'>, at: string): JeopardyEvent {
    const recorded: JeopardyEvent = { id: `JP-${this.id}-${this.jeopardies.length + 1}`, orderId: this.id, at, ...event };
    this.jeopardies.push(recorded);
    this.rollUpJeopardy();
    return recorded;
  }

  /** Levels roll up as the maximum over what is still open: tasks → items → order (with its commitment). */
  private rollUpJeopardy(): void {
    const open = (t: PlanTask) => !['completed', 'skipped', 'cancelled', 'compensated', 'superseded'].includes(t.state);
    const items = this.order.productOrderItem.map((item) => {
      const plan = this.plans.find((p) => p.orderItemId === item.id);
      const level = maxLevel((plan?.tasks ?? []).filter(open).map((t) => t.jeopardyLevel ?? 'none'));
      return level === (item.jeopardyLevel ?? 'none') ? item : { ...item, jeopardyLevel: level };
    });
    const level = maxLevel([...items.map((i) => i.jeopardyLevel ?? 'none'), this.commitmentLevel]);
    this.order = { ...this.order, productOrderItem: items, jeopardyLevel: level };
  }

  /** Applies the roll-up: domain orders and items from their tasks, the order from its items. */
  rollUp(at: string, why: Actor): void {
    this.rollUpJeopardy();
    for (const plan of this.plans) {
      plan.domainOrders = plan.domainOrders.map((d) => {
        const state = domainOrderState(plan.tasks.filter((t) => t.domainOrderId === d.id));
        if (state !== d.state) this.dirtyDomainOrders.add(d.id);
        return state === d.state ? d : { ...d, state };
      });
      if (this.closingItems.has(plan.orderItemId)) continue;
      this.setItemState(plan.orderItemId, itemStateFromPlan(plan), at, why);
    }
    if (this.cancelling) return;
    const state = rollUpOrder(this.order.productOrderItem.map((i) => i.state));
    const terminal = TERMINAL_ORDER.includes(state);
    const subState = terminal ? undefined : state === 'inProgress' ? 'fulfilling' : state === 'held' ? 'fallout' : this.order.subState;
    this.setOrderState(state, subState, at, why);
    if (terminal && !this.order.completionDate) this.order = { ...this.order, completionDate: at };
  }

  /** Re-plans open tasks from `at` and moves expected completion dates (item and order). */
  reschedule(at: string): void {
    let orderEnd = 0;
    this.plans = this.plans.map((plan) => {
      const { plan: scheduled, expectedCompletion } = schedulePlan(plan, new Date(at));
      orderEnd = Math.max(orderEnd, Date.parse(expectedCompletion));
      this.order = {
        ...this.order,
        productOrderItem: this.order.productOrderItem.map((i) => (i.id === plan.orderItemId ? { ...i, expectedCompletionDate: expectedCompletion } : i)),
      };
      return scheduled;
    });
    if (orderEnd > 0) this.order = { ...this.order, expectedCompletionDate: new Date(orderEnd).toISOString() };
  }

  private markPonr(itemId: string): void {
    this.order = { ...this.order, productOrderItem: this.order.productOrderItem.map((i) => (i.id === itemId ? { ...i, ponr: true } : i)) };
  }

  ponrReached(): boolean {
    return this.order.productOrderItem.some((i) => i.ponr);
  }

  private takeChangedCancellations(): CancelProductOrder[] {
    const changed = this.cancellations.filter((c) => this.dirtyCancellations.has(c.id));
    this.dirtyCancellations.clear();
    return changed;
  }

  private takeChangedRequests(): ChangeRequest[] {
    const changed = this.changeRequests.filter((c) => this.dirtyChangeRequests.has(c.id));
    this.dirtyChangeRequests.clear();
    return changed;
  }

  private takeNewVersions(): OrderVersion[] {
    const fresh = this.versions.slice(this.projectedVersions);
    this.projectedVersions = this.versions.length;
    return fresh;
  }

  private takeNewJeopardies(): JeopardyEvent[] {
    const fresh = this.jeopardies.slice(this.projectedJeopardies);
    this.projectedJeopardies = this.jeopardies.length;
    return fresh;
  }

  /** Everything changed since the last call, for the projection activity. */
  takeChanges(): OrderChanges {
    const tasks = [...this.enrichment, ...this.plans.flatMap((p) => p.tasks)].filter((t) => this.dirtyTasks.has(t.id));
    const domainOrders = this.plans.flatMap((p) => p.domainOrders).filter((d) => this.dirtyDomainOrders.has(d.id));
    const transitions = this.transitions.slice(this.projectedTransitions).map((t, i) => ({ ...t, seq: this.projectedTransitions + i }));
    this.projectedTransitions = this.transitions.length;
    this.dirtyTasks.clear();
    this.dirtyDomainOrders.clear();
    return {
      order: this.order,
      transitions,
      domainOrders: domainOrders.map((d) => ({ ...d, orderId: this.id })),
      tasks: tasks.map((t) => ({ ...t, orderId: this.id })),
      fallouts: this.fallouts.takeChanges(),
      jeopardies: this.takeNewJeopardies(),
      cancellations: this.takeChangedCancellations(),
      changeRequests: this.takeChangedRequests(),
      versions: this.takeNewVersions(),
    };
  }
}

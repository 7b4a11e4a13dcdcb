import type { ItemStateType, OrderStateType } from './order.js';
import type { DomainOrderState, ItemPlan, PlanTask, TaskState } from './plan.js';

/**
 * State roll-up, exactly as ../shared/spec/domain.md §1–3: tasks → domain orders → items → order.
 */
const TASK_DONE: TaskState[] = ['completed', 'skipped'];
const TASK_CLOSED: TaskState[] = ['completed', 'skipped', 'cancelled', 'compensated', 'superseded'];

export const isTaskDone = (t: PlanTask) => TASK_DONE.includes(t.state);
export const isTaskClosed = (t: PlanTask) => TASK_CLOSED.includes(t.state);

/** A task a change request replaced or removed: kept for the record, no longer part of the plan. */
export const isTaskRetired = (t: PlanTask) => t.state === 'superseded';
const live = (tasks: PlanTask[]) => tasks.filter((t) => !isTaskRetired(t));

export function domainOrderState(all: PlanTask[]): DomainOrderState {
  const tasks = live(all);
  if (all.length > 0 && tasks.length === 0) return 'cancelled';
  if (tasks.some((t) => t.state === 'fallout')) return 'held';
  if (tasks.length > 0 && tasks.every(isTaskDone)) return 'completed';
  if (tasks.length > 0 && tasks.every(isTaskClosed)) return 'cancelled';
  if (tasks.some((t) => t.state !== 'planned' && t.state !== 'waiting')) return 'inProgress';
  return tasks.length === 0 ? 'completed' : 'acknowledged';
}

/** The item's state from its plan: held while a task is in fallout. */
export function itemStateFromPlan(plan: ItemPlan): ItemStateType {
  const tasks = live(plan.tasks);
  if (plan.tasks.length > 0 && tasks.length === 0) return 'cancelled';
  if (tasks.some((t) => t.state === 'fallout')) return 'held';
  if (tasks.every(isTaskDone)) return 'completed';
  if (tasks.some((t) => t.state !== 'planned' && t.state !== 'waiting')) return 'inProgress';
  return 'acknowledged';
}

const TERMINAL_ITEM: ItemStateType[] = ['completed', 'failed', 'cancelled', 'rejected'];
export const TERMINAL_ORDER: OrderStateType[] = ['completed', 'failed', 'partial', 'cancelled', 'rejected'];

/**
 * The order's state from its items: all terminal → completed / cancelled / failed / partial;
 * otherwise held > pending > inProgress (a held or pending item never stops its siblings).
 */
export function rollUpOrder(items: ItemStateType[]): OrderStateType {
  if (items.every((s) => TERMINAL_ITEM.includes(s))) {
    const has = (s: ItemStateType) => items.includes(s);
    const only = (...allowed: ItemStateType[]) => items.every((s) => allowed.includes(s));
    if (only('completed')) return 'completed';
    if (only('cancelled')) return 'cancelled';
    if (only('rejected')) return 'rejected';
    if (only('completed', 'cancelled')) return 'completed';
    if (has('failed') && has('completed')) return 'partial';
    return 'failed';
  }
  if (items.includes('held')) return 'held';
  if (items.includes('pending')) return 'pending';
  return 'inProgress';
}

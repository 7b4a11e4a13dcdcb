import { addBusinessTime } from './calendar.js';
import type { ItemPlan, PlanTask } from './plan.js';
import { isTaskRetired } from './rollup.js';

/**
 * Planned dates from durations and dependencies: a task starts when its last predecessor ends
 * (or at `from`, or when it actually started) and ends one SLA later — in working time when it has
 * a business calendar — or when it actually ended.
 * Returns the plan with dates filled in and the item's expected completion.
 */
export function schedulePlan(plan: ItemPlan, from: Date): { plan: ItemPlan; expectedCompletion: string } {
  // Tasks a change request retired are history, not plan: they neither take time nor get dates.
  const byId = new Map(plan.tasks.filter((t) => !isTaskRetired(t)).map((t) => [t.id, t]));
  const ends = new Map<string, number>();
  const endOf = (task: PlanTask, trail: Set<string>): number => {
    const known = ends.get(task.id);
    if (known !== undefined) return known;
    if (trail.has(task.id)) throw new Error(`plan of item ${plan.orderItemId} has a dependency cycle at ${task.id}`);
    trail.add(task.id);
    const start = task.actualStart
      ? Date.parse(task.actualStart)
      : Math.max(from.getTime(), ...task.predecessors.map((p) => endOf(byId.get(p)!, trail)));
    const end = task.actualEnd ? Date.parse(task.actualEnd) : Math.max(addBusinessTime(new Date(start), task.slaMs, task.calendar).getTime(), from.getTime());
    ends.set(task.id, end);
    return end;
  };
  const tasks = plan.tasks.map((t) => {
    if (isTaskRetired(t)) return t;
    const end = endOf(t, new Set());
    const start = t.actualStart ? Date.parse(t.actualStart) : Math.max(from.getTime(), ...t.predecessors.map((p) => ends.get(p)!));
    return { ...t, plannedStart: new Date(start).toISOString(), plannedEnd: new Date(end).toISOString() };
  });
  const last = Math.max(from.getTime(), ...ends.values());
  return { plan: { ...plan, tasks }, expectedCompletion: new Date(last).toISOString() };
}

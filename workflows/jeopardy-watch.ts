import { condition } from '@temporalio/workflow';
import { addBusinessTime, businessTimeBetween } from '../domain/calendar.js';
import { DEFAULT_BANDS, type JeopardyBands, nextBand } from '../domain/jeopardy.js';
import type { OrderRecord } from '../domain/order-record.js';
import type { Alarm } from './alarm.js';

const OPEN_STATES = ['ready', 'inProgress', 'fallout', 'onHold'];

/**
 * The SLA clock of one task: a durable timer per jeopardy band (50/75/90/100 % of the SLA by
 * default), in working time when the task has a calendar. The clock stops while the task is on
 * hold or its item waits on the customer, and resumes with the budget it had left; it ends when
 * the task does. Each level is raised once. Returns when the task is no longer open.
 */
export async function watchTaskSla(record: OrderRecord, taskId: string, onRaised: () => void, bands: JeopardyBands = DEFAULT_BANDS, alarm?: Alarm): Promise<void> {
  const task = record.task(taskId)!;
  if (task.slaMs <= 0) return;
  const state = () => record.task(taskId)!.state;
  // A change request that replans the task starts a new run with a new key and a clock of its own.
  const done = () => !OPEN_STATES.includes(state()) || record.isItemClosing(task.orderItemId) || !record.isCurrentRun(taskId, task.idempotencyKey);
  const paused = () => state() === 'onHold' || record.order.productOrderItem.find((i) => i.id === task.orderItemId)?.state === 'pending';
  let used = 0;
  for (;;) {
    if (done()) return;
    if (paused()) {
      await condition(() => done() || !paused());
      continue;
    }
    const band = nextBand(record.task(taskId)!.jeopardyLevel ?? 'none', bands);
    if (!band) return;
    const from = new Date();
    const budget = band.fraction * task.slaMs - used;
    const wait = Math.max(1, addBusinessTime(from, Math.max(0, budget), task.calendar).getTime() - from.getTime());
    const summary = `SLA ${Math.round(band.fraction * 100)} % of "${task.name}" → ${band.level}`;
    // Orders from before the shared alarm replay with a timer per band.
    const interrupted = alarm ? await alarm.until(() => done() || paused(), from.getTime() + wait, summary) : await condition(() => done() || paused(), wait, { summary });
    used += businessTimeBetween(from, new Date(), task.calendar);
    if (!interrupted) {
      const at = new Date().toISOString();
      record.raiseTaskJeopardy(taskId, band.level, Math.max(used, band.fraction * task.slaMs), at);
      // A breach moves what follows: successors and the expected completion dates.
      if (band.level === 'critical') record.reschedule(at);
      record.checkCommitment(at);
      onRaised();
    }
  }
}

/**
 * The order's committed date, from decomposition: critical jeopardy if the order is still open when
 * it passes. Orders from before lean publishing (replayed unchanged); the others use watchCommittedDate.
 */
export async function watchCommitment(record: OrderRecord, onRaised: () => void): Promise<void> {
  const committed = record.order.requestedCompletionDate;
  if (!committed) return;
  const wait = Date.parse(committed) - Date.now();
  if (wait > 0 && (await condition(() => record.isTerminal(), wait, { summary: `committed completion date ${committed}` }))) return;
  if (record.checkCommitment(new Date().toISOString())) onRaised();
}

/**
 * The order's committed date, watched from acknowledgement (an order waiting for approval can miss
 * it too) on the shared alarm: critical jeopardy if the order is still open when it passes. A
 * change of the date (change request) moves the deadline; an order without one waits for one.
 */
export async function watchCommittedDate(record: OrderRecord, alarm: Alarm, onRaised: () => void): Promise<void> {
  for (;;) {
    const committed = record.order.requestedCompletionDate;
    const moved = () => record.order.requestedCompletionDate !== committed;
    if (!committed) {
      await condition(() => record.isTerminal() || moved());
    } else if (Date.parse(committed) > Date.now()) {
      await alarm.until(() => record.isTerminal() || moved(), Date.parse(committed), `committed completion date ${committed}`);
    }
    if (record.isTerminal()) return;
    if (moved()) continue;
    if (record.checkCommitment(new Date().toISOString())) onRaised();
    // Raised (or already raised): wait for a later date, if a change request sets one.
    await condition(() => record.isTerminal() || moved());
    if (record.isTerminal()) return;
  }
}

import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders, orderTransitions, planTasks, simulatorEffects } from '../../db/schema.js';
import type { ProductOrder } from '../../domain/order.js';
import { internetItem, orderDriver, orderOf } from '../support/flows.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { checkInvariants } from './invariants.js';

let stack: TestStack;
let placed: ProductOrder[];

beforeAll(async () => {
  stack = await startTestStack();
  const api = orderDriver(stack);
  placed = [];
  for (let i = 0; i < 3; i++) placed.push(await api.submit(orderOf([internetItem('1')], 'residential')));
  for (const o of placed) await api.until(o.id, (x) => x.state === 'completed');
});
afterAll(() => stack?.close());

const check = () => checkInvariants({ db: stack.database.db, temporal: stack.temporal, taskQueue: stack.taskQueue, acknowledged: placed.map((o) => o.id) });

// The checker the fault tests rely on, shown to see what it must: it passes on a clean run, and
// names each kind of damage done to the read model behind the workflows' backs.
describe('fault invariant checker', () => {
  it('passes on orders that ran without faults', async () => {
    const report = await check();
    expect(report.violations).toEqual([]);
    expect(report).toMatchObject({ orders: 3, workflows: 3, effects: 12, outcomes: { completed: 3 } });
  });

  it('names a step that took effect twice, a second terminal transition, a lost task row, a stale revision and an orphaned workflow', async () => {
    const [a, b, c] = placed.map((o) => o.id) as [string, string, string];
    const db = stack.database.db;
    const [effect] = await db.select().from(simulatorEffects).where(eq(simulatorEffects.orderId, a)).limit(1);
    await db.insert(simulatorEffects).values({ ...effect!, idempotencyKey: `${effect!.idempotencyKey}:again` });
    const [{ next }] = (await db.select({ next: sql<number>`max(seq)::int + 1` }).from(orderTransitions).where(eq(orderTransitions.orderId, a))) as [{ next: number }];
    await db.insert(orderTransitions).values({ orderId: a, seq: next, entity: 'order', entityId: a, fromState: 'inProgress', toState: 'completed', at: new Date(), actor: 'test', reasonCode: 'TAMPERED' });
    const [task] = await db.select({ id: planTasks.id }).from(planTasks).where(eq(planTasks.orderId, b)).limit(1);
    await db.delete(planTasks).where(and(eq(planTasks.orderId, b), eq(planTasks.id, task!.id)));
    await db.update(orders).set({ revision: sql`${orders.revision} - 1` }).where(eq(orders.id, b));
    await db.delete(orders).where(eq(orders.id, c));

    const { violations } = await check();
    const expected = [
      new RegExp(`southbound step took effect 2 times: ${a} ${effect!.taskId} ${effect!.operation}`),
      new RegExp(`order ${a} has 2 transitions into a terminal state`),
      new RegExp(`order ${a}: order:${a} goes inProgress→completed but was completed`),
      new RegExp(`order ${a}: \\d+ outbox events, the transitions call for \\d+`),
      new RegExp(`order ${b} tasks: ${task!.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} missing from the read model`),
      new RegExp(`order ${b}: read model at revision \\d+, workflow at \\d+`),
      new RegExp(`orphaned workflow order-${c}: no orders row`),
      new RegExp(`acknowledged order ${c} has no orders row`),
    ];
    for (const pattern of expected) expect(violations.some((v) => pattern.test(v)), `${pattern} in\n${violations.join('\n')}`).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { faultSeed, testFaultEnv } from './env.js';
import { approvalKillScenario, summarise } from './scenarios.js';

const env = testFaultEnv();

describe.skipIf(!env)('fault: worker SIGKILL during approvals', () => {
  it('SIGKILLs the worker while managers approve 12 orders at once: every approval is answered, every order is approved once and completes, no southbound step takes effect twice', async () => {
    const seed = faultSeed();
    const report = await approvalKillScenario(env!, { orders: 12, seed });
    console.log(summarise(report));
    expect(report.violations, `seed ${seed}: ${JSON.stringify(report.faults)}`).toEqual([]);
    expect(report.faults).toHaveLength(1);
    expect(report.faults[0]!.openOrders).toBe(12);
    expect(report.invariants.outcomes).toEqual({ completed: 12 });
    expect(report.invariants.effects).toBe(12 * 4);
  }, 150_000);
});

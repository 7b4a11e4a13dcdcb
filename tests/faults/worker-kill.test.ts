import { describe, expect, it } from 'vitest';
import { faultSeed, testFaultEnv } from './env.js';
import { workerKillScenario, summarise } from './scenarios.js';

const env = testFaultEnv();

describe.skipIf(!env)('fault: worker SIGKILL', () => {
  it('SIGKILLs the worker process 3 times at random points across 12 in-flight orders: every order completes once, no southbound step takes effect twice', async () => {
    const seed = faultSeed();
    const report = await workerKillScenario(env!, { orders: 12, kills: 3, seed, killWindowMs: 1000 });
    console.log(summarise(report));
    expect(report.violations, `seed ${seed}: ${JSON.stringify(report.faults)}`).toEqual([]);
    expect(report.faults).toHaveLength(3);
    // The kills hit orders in flight: the first within 1 s of submitting (an order takes longer), the
    // second once southbound steps are running.
    expect(report.faults.every((f) => f.openOrders > 0)).toBe(true);
    expect(report.faults[1]!.effects).toBeGreaterThan(0);
    expect(report.faults.every((f) => f.detail?.endsWith('SIGKILL'))).toBe(true);
    expect(report.invariants.outcomes).toEqual({ completed: 12 });
    // The residential internet order has four southbound steps: each took effect exactly once.
    expect(report.invariants.effects).toBe(12 * 4);
  }, 150_000);
});

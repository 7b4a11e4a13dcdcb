import { describe, expect, it } from 'vitest';
import { faultSeed, testFaultEnv } from './env.js';
import { apiKillScenario, summarise } from './scenarios.js';

const env = testFaultEnv();

describe.skipIf(!env)('fault: API killed between workflow start and reply', () => {
  it('12 submissions, the API process SIGKILLed right after a workflow start; retried with the same Idempotency-Keys on a fresh API: exactly one order each', async () => {
    const seed = faultSeed();
    const report = await apiKillScenario(env!, { orders: 12, seed });
    console.log(summarise(report));
    expect(report.violations, `seed ${seed}: ${JSON.stringify(report.faults)}`).toEqual([]);
    expect(report.faults[0]!.detail).toMatch(/\(SIGKILL\)/);
    // At least the order whose start triggered the kill exists without its client having heard of it.
    expect(report.faults[0]!.counts!.startedUnanswered).toBeGreaterThanOrEqual(1);
    expect(report.invariants.orders).toBe(12);
    expect(report.invariants.workflows).toBe(12);
    expect(report.workerCrashes).toEqual([]);
    expect(report.invariants.outcomes).toEqual({ completed: 12 });
  }, 90_000);
});

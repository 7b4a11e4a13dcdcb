import { describe, expect, it } from 'vitest';
import { testFaultEnv } from './env.js';
import { temporalRestartScenario, summarise } from './scenarios.js';

const env = testFaultEnv();

describe.skipIf(!env)('fault: Temporal dev server restart', () => {
  it.each(['SIGKILL', 'SIGTERM'] as const)('%s of a file-backed dev server mid-flight, started again on the same port and file: all 10 orders complete', async (signal) => {
    const report = await temporalRestartScenario(env!, { orders: 10, restarts: 1, signal });
    console.log(summarise(report));
    expect(report.violations, JSON.stringify(report.faults)).toEqual([]);
    expect(report.faults).toHaveLength(1);
    // It struck mid-flight: orders were open, some steps had run.
    expect(report.faults[0]!.openOrders).toBeGreaterThan(0);
    expect(report.faults[0]!.effects).toBeGreaterThan(0);
    expect(report.workerCrashes).toEqual([]);
    expect(report.invariants.outcomes).toEqual({ completed: 10 });
    expect(report.invariants.effects).toBe(10 * 4);
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import { testFaultEnv } from './env.js';
import { postgresOutageScenario, summarise } from './scenarios.js';

const env = testFaultEnv();

describe.skipIf(!env)('fault: Postgres outage', () => {
  // Simulated: the worker reaches Postgres through a TCP proxy that is cut (connections destroyed,
  // new ones refused) for 20 s. The machine's Postgres keeps running for the other tests.
  it("cuts the worker off its database for 20 s mid-flight: activities retry, all 10 orders complete, no duplicate rows", async () => {
    const report = await postgresOutageScenario(env!, { orders: 10, outageMs: 20_000 });
    console.log(summarise(report));
    expect(report.violations, JSON.stringify(report.faults)).toEqual([]);
    expect(report.faults[0]!.openOrders).toBeGreaterThan(0);
    // Activities did fail and retry through the outage.
    expect(report.activityRetries).toBeGreaterThan(0);
    expect(report.invariants.outcomes).toEqual({ completed: 10 });
    expect(report.invariants.effects).toBe(10 * 4);
    // The worker runs under a supervisor (restarted if it exits), but a database outage must not
    // crash it: postgres.js's null-socket write (porsager/postgres#1154) is mended on install
    // (scripts/patch-dependencies.mjs).
    expect(report.workerCrashes.map((c) => c.stderr.slice(-400))).toEqual([]);
  }, 120_000);
});

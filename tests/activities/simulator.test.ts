import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulator } from '../../activities/southbound/simulator.js';
import { SouthboundError, type SouthboundRequest } from '../../activities/southbound/port.js';
import type { Database } from '../../db/client.js';
import { listEffects, listSystemSettings, putSystemSettings } from '../../db/simulator.js';
import type { SystemName } from '../../domain/plan.js';
import { simulatorSettingsSchema } from '../../domain/simulator.js';
import { testDrivers } from '../support/stack.js';

// Raw SQL runs here (one round trip per plain call): the same suite on PGlite and on Postgres.
describe.each(testDrivers())('simulator on $kind', ({ open }) => {
  let database: Database;
  beforeAll(async () => {
    database = await open();
  });
  afterAll(() => database?.close());

  /**
   * A system of this test alone. Settings are per system and the database is shared with other test
   * files whose workers call the real systems, so a test never changes the settings of a real one.
   */
  const privateSystem = () => `test-${randomUUID().slice(0, 8)}` as SystemName;

  const request = (overrides: Partial<SouthboundRequest> = {}): SouthboundRequest => ({
    system: privateSystem(),
    operation: 'allocateModem',
    idempotencyKey: `key-${randomUUID()}`,
    orderId: `ORD-${randomUUID()}`,
    orderItemId: '1',
    taskId: 'internet-rfs/allocate',
    input: { model: 'fritz-7590' },
    ...overrides,
  });

  const configure = (system: SystemName, settings: unknown) => putSystemSettings(database.db, system, simulatorSettingsSchema.parse(settings));

  /** The settled outcome of a call: its output, or the code and retryability of its error. */
  async function outcome(promise: Promise<{ output: Record<string, unknown> }>) {
    try {
      return { output: (await promise).output };
    } catch (error) {
      if (!(error instanceof SouthboundError)) throw error;
      return { error: { code: error.code, retryable: error.retryable, message: error.message } };
    }
  }

  describe('exactly once per idempotency key', () => {
    it('replays the recorded output for a retried key and records a single effect', async () => {
      const simulator = createSimulator(database.db);
      const call = request();

      const first = await simulator.execute(call);
      const again = await simulator.execute({ ...call, input: { model: 'changed-on-retry' } });

      expect(first.output).toEqual({ modemSerial: expect.stringMatching(/^M-[0-9A-F]{6}$/) });
      expect(again).toEqual(first);
      const effects = await listEffects(database.db, { orderId: call.orderId });
      expect(effects).toEqual([
        expect.objectContaining({ idempotencyKey: call.idempotencyKey, system: call.system, operation: 'allocateModem', taskId: call.taskId, input: call.input, output: first.output }),
      ]);
    });

    it('records one effect when attempts with the same key race', async () => {
      const simulator = createSimulator(database.db);
      const call = request();

      const results = await Promise.all(Array.from({ length: 8 }, () => simulator.execute(call)));

      expect(new Set(results.map((r) => JSON.stringify(r.output))).size).toBe(1);
      expect(await listEffects(database.db, { orderId: call.orderId })).toHaveLength(1);
    });

    it('answers a retried key with its recorded output, even once failures are scripted, and consumes none', async () => {
      const simulator = createSimulator(database.db);
      const call = request();
      const first = await simulator.execute(call);
      await configure(call.system, { failNext: { count: 1, code: 'OUT_OF_STOCK', retryable: false } });

      expect(await simulator.execute(call)).toEqual(first);
      expect((await listSystemSettings(database.db)).find((s) => s.system === call.system)?.settings.failNext?.count).toBe(1);
    });

    it('derives outputs from the key: different keys, different serials', async () => {
      const simulator = createSimulator(database.db);
      const system = privateSystem();
      const outputs = await Promise.all(Array.from({ length: 3 }, () => simulator.execute(request({ system, operation: 'shipRouter' }))));
      expect(new Set(outputs.map((o) => o.output.trackingNumber)).size).toBe(3);
      for (const o of outputs) expect(o.output.trackingNumber).toMatch(/^TRK-[0-9A-F]{6}$/);
    });

    it('produces the documented output of each forward operation', async () => {
      const simulator = createSimulator(database.db);
      const run = async (operation: string) => (await simulator.execute(request({ operation }))).output;
      expect(await run('configureDevice')).toEqual({ configVersion: expect.stringMatching(/^cfg-[0-9a-f]{4}$/) });
      expect(await run('provisionOverlay')).toEqual({ tunnelIds: [expect.any(String), expect.any(String)] });
      expect(await run('startBilling')).toEqual({ billingRef: expect.any(String) });
      expect(await run('activateLine')).toEqual({ lineId: expect.any(String) });
    });

    it('undoes with what the forward call produced, and returns what it released', async () => {
      const simulator = createSimulator(database.db);
      const system = privateSystem();
      const allocated = await simulator.execute(request({ system }));
      const released = await simulator.execute(request({ system, operation: 'releaseModem', input: allocated.output }));
      expect(released.output).toEqual({ released: allocated.output });
    });

    it('refuses an unknown operation without retry, and records nothing', async () => {
      const call = request({ operation: 'launchRocket' });
      expect(await outcome(createSimulator(database.db).execute(call))).toEqual({
        error: { code: 'UNKNOWN_OPERATION', retryable: false, message: expect.stringContaining('launchRocket') },
      });
      expect(await listEffects(database.db, { orderId: call.orderId })).toEqual([]);
    });
  });

  describe('settings', () => {
    it('fails exactly the next N calls with the scripted error, then succeeds', async () => {
      const system = privateSystem();
      await configure(system, { failNext: { count: 2, code: 'OUT_OF_STOCK', message: 'No modems left', retryable: false } });
      const simulator = createSimulator(database.db);
      const call = request({ system });

      const results = [await outcome(simulator.execute(call)), await outcome(simulator.execute(call)), await outcome(simulator.execute(call))];

      const refusal = { error: { code: 'OUT_OF_STOCK', retryable: false, message: 'No modems left' } };
      expect(results).toEqual([refusal, refusal, { output: { modemSerial: expect.any(String) } }]);
      expect(await listEffects(database.db, { orderId: call.orderId })).toHaveLength(1);
      expect((await listSystemSettings(database.db)).find((s) => s.system === system)?.settings.failNext?.count).toBe(0);
    });

    it('scopes scripted failures to the named operation', async () => {
      const system = privateSystem();
      await configure(system, { failNext: { count: 1, code: 'CONTROLLER_BUSY', message: 'busy', retryable: true, operation: 'registerSite' } });
      const simulator = createSimulator(database.db);

      const other = await outcome(simulator.execute(request({ system, operation: 'activateLine' })));
      const named = await outcome(simulator.execute(request({ system, operation: 'registerSite' })));
      const next = await outcome(simulator.execute(request({ system, operation: 'registerSite' })));

      expect(other).toEqual({ output: { lineId: expect.any(String) } });
      expect(named).toEqual({ error: { code: 'CONTROLLER_BUSY', retryable: true, message: 'busy' } });
      expect(next).toEqual({ output: { siteRef: expect.any(String) } });
    });

    it('lets only one of many concurrent callers consume the last scripted failure', async () => {
      const system = privateSystem();
      await configure(system, { failNext: { count: 1, code: 'ONCE', retryable: true } });
      const simulator = createSimulator(database.db);

      const results = await Promise.all(Array.from({ length: 8 }, () => outcome(simulator.execute(request({ system })))));

      expect(results.filter((r) => r.error).map((r) => r.error?.code)).toEqual(['ONCE']);
    });

    it('fails every call retryably at error rate 1, and none at error rate 0', async () => {
      const system = privateSystem();
      const simulator = createSimulator(database.db, { random: () => 0.999_999 });

      await configure(system, { errorRate: 1 });
      const always = await Promise.all([1, 2, 3].map(() => outcome(simulator.execute(request({ system })))));
      await configure(system, { errorRate: 0 });
      const never = await outcome(createSimulator(database.db, { random: () => 0 }).execute(request({ system })));

      expect(always.map((r) => r.error && { code: r.error.code, retryable: r.error.retryable })).toEqual(
        Array(3).fill({ code: 'SIMULATED_TRANSIENT', retryable: true }),
      );
      expect(never).toEqual({ output: { modemSerial: expect.any(String) } });
    });

    it('waits the configured latency through the injected sleep', async () => {
      const system = privateSystem();
      await configure(system, { latencyMs: 1500 });
      const slept: number[] = [];
      const simulator = createSimulator(database.db, { sleep: async (ms) => void slept.push(ms) });

      await simulator.execute(request({ system }));

      expect(slept).toEqual([1500]);
    });
  });
});

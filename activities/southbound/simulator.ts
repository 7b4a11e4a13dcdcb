import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Db } from '../../db/client.js';
import { consumeScriptedFailure, recordEffect, recordPlainCall } from '../../db/simulator.js';
import { SouthboundError, type SouthboundAdapter, type SouthboundRequest } from './port.js';

export interface SimulatorOptions {
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1), drawn once per call that reaches the error-rate check. */
  random?: () => number;
}

type Output = Record<string, unknown>;

/** What each forward operation produces, derived from a hash of its idempotency key. */
const OPERATIONS: Record<string, (hex: string) => Output> = {
  allocateModem: (h) => ({ modemSerial: `M-${ref(h)}` }),
  allocateDevice: (h) => ({ deviceSerial: `EDGE-${ref(h)}` }),
  reserveStock: (h) => ({ stockUnit: `RTR-${ref(h)}` }),
  configureModem: (h) => ({ configVersion: `cfg-${h.slice(0, 4)}` }),
  configureDevice: (h) => ({ configVersion: `cfg-${h.slice(0, 4)}` }),
  shipDevice: (h) => ({ trackingNumber: `TRK-${ref(h)}` }),
  shipRouter: (h) => ({ trackingNumber: `TRK-${ref(h)}` }),
  activateLine: (h) => ({ lineId: `LINE-${ref(h)}` }),
  registerSite: (h) => ({ siteRef: `SITE-${ref(h)}` }),
  provisionOverlay: (h) => ({ tunnelIds: [`TUN-${ref(h)}-1`, `TUN-${ref(h)}-2`] }),
  applySecurityPolicy: (h) => ({ policyRef: `POL-${ref(h)}` }),
  enableWanOptimisation: (h) => ({ policyRef: `WANOPT-${ref(h)}` }),
  startBilling: (h) => ({ billingRef: `BILL-${ref(h)}` }),
};

/** Compensations: each is given what its forward operation produced, and releases exactly that. */
const UNDO_OPERATIONS = new Set([
  'releaseModem',
  'releaseDevice',
  'releaseStock',
  'resetModem',
  'resetDevice',
  'deactivateLine',
  'deregisterSite',
  'removeOverlay',
  'removeSecurityPolicy',
  'disableWanOptimisation',
  'stopBilling',
]);

const ref = (hex: string) => hex.slice(0, 6).toUpperCase();

/**
 * The built-in stand-in for every southbound system, backed by the database so that its settings
 * and its effects survive restarts and are shared by all workers. Exactly once per idempotency
 * key: a retry of a task that already took effect gets the recorded output and does nothing else.
 */
export function createSimulator(db: Db, options: SimulatorOptions = {}): SouthboundAdapter {
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const random = options.random ?? Math.random;

  return {
    async execute(request) {
      // An unknown operation is refused before it can consume a scripted failure.
      const output = outputOf(request);
      // A plain system records the effect in the same round trip that reads its settings.
      const { settings, output: stands } = await recordPlainCall(db, { ...request, output });
      if (stands) return { output: stands };
      if (settings.latencyMs > 0) await sleep(settings.latencyMs);

      // Only a system with failures scripted pays for the (race-safe) update that consumes one.
      const scripted = (settings.failNext?.count ?? 0) > 0 ? await consumeScriptedFailure(db, request.system, request.operation) : undefined;
      if (scripted) throw new SouthboundError(scripted.code, scripted.message, scripted.retryable);
      if (random() < settings.errorRate) {
        throw new SouthboundError('SIMULATED_TRANSIENT', `${request.system} failed transiently (simulated, error rate ${settings.errorRate})`, true);
      }

      // A concurrent attempt may have recorded the key first: its output is the one that stands.
      const recorded = await recordEffect(db, { ...request, output });
      return { output: recorded.output };
    },
  };
}

function outputOf({ system, operation, idempotencyKey, input }: SouthboundRequest): Output {
  if (UNDO_OPERATIONS.has(operation)) return { released: input };
  const produce = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
  if (!produce) throw new SouthboundError('UNKNOWN_OPERATION', `${system} has no operation ${operation}`, false);
  return produce(createHash('sha256').update(idempotencyKey).digest('hex'));
}

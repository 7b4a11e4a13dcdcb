import type { Db } from '../../db/client.js';
import { SYSTEMS, type SystemName } from '../../domain/plan.js';
import { createHttpAdapter } from './http-adapter.js';
import type { SouthboundAdapter } from './port.js';
import { createSimulator } from './simulator.js';

/** The variable that points `system` at a real integration, e.g. `SOUTHBOUND_BILLING_URL`. */
export const southboundUrlVariable = (system: SystemName) => `SOUTHBOUND_${system.toUpperCase()}_URL`;

/**
 * The adapter of each southbound system: the generic HTTP adapter where `SOUTHBOUND_<SYSTEM>_URL`
 * is set (an empty value counts as unset), the built-in simulator everywhere else. Adapters are
 * built once, so a malformed URL fails here, at boot.
 */
export function createSouthbound(db: Db, env: Record<string, string | undefined>): (system: SystemName) => SouthboundAdapter {
  const simulator = createSimulator(db);
  const adapters = new Map<SystemName, SouthboundAdapter>(
    SYSTEMS.map((system) => {
      const variable = southboundUrlVariable(system);
      const baseUrl = env[variable];
      if (!baseUrl) return [system, simulator];
      if (!URL.canParse(baseUrl)) throw new Error(`${variable} must be an absolute URL, got "${baseUrl}"`);
      return [system, createHttpAdapter({ baseUrl })];
    }),
  );
  return (system) => adapters.get(system) ?? simulator;
}

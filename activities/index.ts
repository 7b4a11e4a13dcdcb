import { ApplicationFailure } from '@temporalio/activity';
import { loadCatalog } from '../db/catalog.js';
import type { Db } from '../db/client.js';
import { type OrderProjection, upsertOrderProjection } from '../db/orders.js';
import { upsertProducts, type ProductRecord } from '../db/products.js';
import type { Catalog } from '../domain/catalog.js';
import type { SystemName } from '../domain/plan.js';
import { SouthboundError, type SouthboundAdapter, type SouthboundRequest } from './southbound/port.js';

/** What activities may touch. The worker wires real clients; tests wire their own. */
export interface ActivityDeps {
  db: Db;
  southbound: (system: SystemName) => SouthboundAdapter;
}

/**
 * Every side effect of an order workflow. Each activity is idempotent: Temporal may run it more
 * than once (retries, worker crashes), so repeating it must leave the same result.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    /** Writes what changed into the read model; a stale revision is ignored by the upserts. */
    async projectOrder(projection: OrderProjection): Promise<void> {
      await upsertOrderProjection(deps.db, projection);
    },

    /** The catalog an order is decomposed with (the order keeps it; later edits don't apply). */
    async loadCatalog(offeringIds: string[]): Promise<Catalog> {
      return loadCatalog(deps.db, offeringIds);
    },

    async recordProducts(records: ProductRecord[]): Promise<void> {
      await upsertProducts(deps.db, records);
    },

    /**
     * One southbound call, keyed by the task's idempotency key. A business refusal becomes a
     * non-retryable failure whose type is the system's error code; anything else is retried.
     */
    async callSouthbound(request: SouthboundRequest): Promise<Record<string, unknown>> {
      try {
        return (await deps.southbound(request.system).execute(request)).output;
      } catch (error) {
        if (error instanceof SouthboundError) {
          throw ApplicationFailure.create({ message: error.message, type: error.code, nonRetryable: !error.retryable, details: [{ system: request.system, operation: request.operation }] });
        }
        throw error;
      }
    },
  };
}

export type OrderActivities = ReturnType<typeof createActivities>;

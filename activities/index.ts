import type { Db } from '../db/client.js';
import { upsertOrderProjection, type OrderProjection } from '../db/orders.js';

/** What activities may touch. The worker wires real clients; tests wire their own database. */
export interface ActivityDeps {
  db: Db;
}

/**
 * Every side effect of an order workflow. Each activity is idempotent: Temporal may run it more
 * than once (retries, worker crashes), so repeating it must leave the same result.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    /** Writes the order read model; a stale revision is ignored by the upsert. */
    async projectOrder(projection: OrderProjection): Promise<void> {
      await upsertOrderProjection(deps.db, projection);
    },
  };
}

export type OrderActivities = ReturnType<typeof createActivities>;

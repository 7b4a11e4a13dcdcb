import { ApplicationFailure, Context } from '@temporalio/activity';
import { loadCatalog } from '../db/catalog.js';
import type { Db } from '../db/client.js';
import { type OrderProjection, upsertOrderProjection } from '../db/orders.js';
import { upsertProducts, type ProductRecord } from '../db/products.js';
import type { Catalog } from '../domain/catalog.js';
import { classifyFailure, type ClassifierRule, DEFAULT_CLASSIFIER } from '../domain/fallout.js';
import type { SystemName } from '../domain/plan.js';
import { isSystemPaused } from '../db/system-controls.js';
import { SouthboundError, type SouthboundAdapter, type SouthboundRequest } from './southbound/port.js';
import { cachedClassifierRules } from './classifier-cache.js';

/** What activities may touch. The worker wires real clients; tests wire their own. */
export interface ActivityDeps {
  db: Db;
  southbound: (system: SystemName) => SouthboundAdapter;
  /** The catalog's error classifier rules, read before each classification (cache it). */
  classifierRules?: () => Promise<ClassifierRule[]>;
  /** How often a call waiting on a paused system looks again. */
  pausePollMs?: number;
}

/**
 * Every side effect of an order workflow. Each activity is idempotent: Temporal may run it more
 * than once (retries, worker crashes), so repeating it must leave the same result.
 */
export function createActivities(deps: ActivityDeps) {
  const classifierRules = deps.classifierRules ?? cachedClassifierRules(deps.db);
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
     * One southbound call, keyed by the task's idempotency key. While the system is paused the
     * call waits (heartbeating) without failing, so it burns no retry and makes no fallout. A
     * failure is classified: retryable ones are retried by Temporal, the rest go straight to
     * fallout; the failure carries the attempt number and the fallout type.
     */
    async callSouthbound(request: SouthboundRequest): Promise<Record<string, unknown>> {
      const context = Context.current();
      const paused = () => isSystemPaused(deps.db, request.system);
      for (;;) {
        while (await paused()) {
          context.heartbeat({ waiting: `${request.system} is paused` });
          await context.sleep(deps.pausePollMs ?? 1000);
        }
        const beat = setInterval(() => context.heartbeat(), 5000);
        try {
          return (await deps.southbound(request.system).execute(request)).output;
        } catch (error) {
          // A failure of a system paused meanwhile is the incident the operator declared: the call
          // waits for the resume instead of counting the failure (no retry burnt, no fallout).
          if (await paused()) continue;
          throw await classified(error, request, context.info.attempt);
        } finally {
          clearInterval(beat);
        }
      }
    },
  };

  async function classified(error: unknown, request: SouthboundRequest, attempt: number): Promise<ApplicationFailure> {
    const failure = error instanceof SouthboundError ? error : new SouthboundError('ERROR', error instanceof Error ? error.message : String(error), true);
    const rules = [...(await classifierRules()), ...DEFAULT_CLASSIFIER];
    const { retryable, type } = classifyFailure({ system: request.system, code: failure.code, message: failure.message, retryable: failure.retryable }, rules);
    return ApplicationFailure.create({
      message: failure.message,
      type: failure.code,
      nonRetryable: !retryable,
      details: [{ system: request.system, operation: request.operation, attempt, falloutType: type }],
    });
  }
}

export type OrderActivities = ReturnType<typeof createActivities>;

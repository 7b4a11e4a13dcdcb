import type { FastifyPluginAsync } from 'fastify';
import { OrdoError } from '../../domain/errors.js';

export interface HealthChecks {
  /** Each check resolves when its dependency answers, and rejects otherwise. */
  [dependency: string]: () => Promise<unknown>;
}

const withTimeout = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);

/** Liveness (the process answers) and readiness (Temporal and the database answer). */
export const healthRoutes: FastifyPluginAsync<{ checks: HealthChecks }> = async (app, { checks }) => {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async () => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 3000);
          return [name, 'up'] as const;
        } catch {
          return [name, 'down'] as const;
        }
      }),
    );
    const down = results.filter(([, s]) => s === 'down').map(([n]) => n);
    if (down.length > 0) throw new OrdoError('UNAVAILABLE', `Not ready: ${down.join(', ')} unreachable`);
    return { status: 'ready', dependencies: Object.fromEntries(results) };
  });
};

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { falloutStats, listFallouts } from '../../db/fallouts.js';
import { listSystemControls, setSystemPaused } from '../../db/system-controls.js';
import { FALLOUT_STATES, FALLOUT_TYPES, RESOLUTION_ACTIONS } from '../../domain/fallout.js';
import { SYSTEMS } from '../../domain/plan.js';
import { actorOf, type Role } from '../../domain/roles.js';
import { assignFallout, bulkRetry, raiseFallout, readFallout, resolveFallout } from '../fallouts.js';
import type { OrderContext } from '../orders.js';

const FULFILMENT: Role[] = ['fulfilment_agent', 'fulfilment_manager', 'admin'];
const MANAGERS: Role[] = ['fulfilment_manager', 'admin'];

const falloutParams = z.strictObject({ id: z.string().min(1).max(400) });
const note = z.string().trim().min(1).max(4000);
const patchValue = z.union([z.string().max(4096), z.number(), z.boolean()]);

/** Fallout management: the queue, one record, assignment, resolution, bulk retry, system pause. */
export const falloutRoutes: FastifyPluginAsyncZod<{ orders: OrderContext }> = async (app, { orders }) => {
  app.get(
    '/api/fallouts',
    {
      config: { roles: FULFILMENT },
      schema: {
        summary: 'Fallout queue, by priority then age',
        tags: ['Fallout'],
        querystring: z.strictObject({
          state: z.enum([...FALLOUT_STATES, 'unresolved']).optional(),
          type: z.enum(FALLOUT_TYPES).optional(),
          system: z.enum(SYSTEMS).optional(),
          orderId: z.string().max(255).optional(),
          assignee: z.string().max(255).optional(),
          rootCauseKey: z.string().max(400).optional(),
          olderThanMinutes: z.coerce.number().int().min(0).optional(),
          offset: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (request, reply) => {
      const { offset, limit, olderThanMinutes, ...filter } = request.query;
      const openedBefore = olderThanMinutes === undefined ? undefined : new Date(Date.now() - olderThanMinutes * 60_000);
      const page = await listFallouts(orders.db, { ...filter, ...(openedBefore ? { openedBefore } : {}) }, { offset, limit });
      reply.header('x-total-count', page.total).header('x-result-count', page.fallouts.length);
      return page.fallouts;
    },
  );

  app.get('/api/fallouts/summary', { config: { roles: FULFILMENT }, schema: { summary: 'Counts by state, type and system; mean time to resolve', tags: ['Fallout'] } }, async () =>
    falloutStats(orders.db),
  );

  app.get('/api/fallouts/:id', { config: { roles: FULFILMENT }, schema: { summary: 'One fallout: failed request and response, attempts, links', tags: ['Fallout'], params: falloutParams } }, async (request) =>
    readFallout(orders, request.params.id),
  );

  app.post(
    '/api/fallouts/:id/assignment',
    { config: { roles: FULFILMENT }, schema: { summary: 'Assign an open fallout', tags: ['Fallout'], params: falloutParams, body: z.strictObject({ assignee: z.string().trim().min(1).max(255) }) } },
    async (request) => assignFallout(orders, request.params.id, request.body.assignee, actorOf(request.principal)),
  );

  app.post(
    '/api/fallouts/:id/resolution',
    {
      config: { roles: FULFILMENT },
      schema: {
        summary: 'Resolve an open fallout',
        tags: ['Fallout'],
        params: falloutParams,
        body: z
          .strictObject({ action: z.enum(RESOLUTION_ACTIONS), note, patch: z.record(z.string().min(1).max(255), patchValue).optional() })
          .refine((b) => b.action !== 'patchAndRetry' || (b.patch && Object.keys(b.patch).length > 0), { message: 'patchAndRetry needs a non-empty patch', path: ['patch'] })
          .refine((b) => b.action === 'patchAndRetry' || !b.patch, { message: 'only patchAndRetry takes a patch', path: ['patch'] }),
      },
    },
    async (request) => resolveFallout(orders, { falloutId: request.params.id, ...request.body, actor: actorOf(request.principal) }),
  );

  app.post(
    '/api/fallouts/bulk-retry',
    {
      config: { roles: MANAGERS },
      schema: {
        summary: 'Retry every unresolved fallout of one system or one root cause',
        tags: ['Fallout'],
        body: z
          .strictObject({ system: z.enum(SYSTEMS).optional(), rootCauseKey: z.string().min(1).max(400).optional(), note: note.default('bulk retry') })
          .refine((b) => (b.system === undefined) !== (b.rootCauseKey === undefined), { message: 'name exactly one of system or rootCauseKey', path: ['system'] }),
      },
    },
    async (request) => {
      const { note: text, ...group } = request.body;
      const outcomes = await bulkRetry(orders, group, text, actorOf(request.principal));
      return { retried: outcomes.filter((o) => o.outcome === 'retried').length, refused: outcomes.filter((o) => o.outcome === 'refused').length, outcomes };
    },
  );

  app.post(
    '/api/orders/:id/tasks/:taskId/fallout',
    {
      config: { roles: FULFILMENT },
      schema: {
        summary: 'Park a running task in fallout by hand (URL-encode the task id)',
        tags: ['Fallout'],
        params: z.strictObject({ id: z.string().min(1).max(255), taskId: z.string().min(1).max(1000) }),
        body: z.strictObject({ reason: note }),
      },
    },
    async (request, reply) => reply.code(201).send(await raiseFallout(orders, request.params.id, request.params.taskId, request.body.reason, actorOf(request.principal))),
  );

  const systemParams = z.strictObject({ system: z.enum(SYSTEMS) });
  app.get('/api/systems', { config: { roles: FULFILMENT }, schema: { summary: 'Southbound systems and whether each is paused', tags: ['Systems'] } }, async () => {
    const controls = new Map((await listSystemControls(orders.db)).map((c) => [c.system, c]));
    return SYSTEMS.map((system) => ({ system, paused: controls.get(system)?.paused ?? false, reason: controls.get(system)?.reason ?? null }));
  });
  app.post(
    '/api/systems/:system/pause',
    { config: { roles: MANAGERS }, schema: { summary: 'Pause a system: its calls wait (no retries burnt, no fallout) until resumed', tags: ['Systems'], params: systemParams, body: z.strictObject({ reason: z.string().max(2000).optional() }).optional() } },
    async (request) => setSystemPaused(orders.db, request.params.system, true, actorOf(request.principal), request.body?.reason),
  );
  app.post(
    '/api/systems/:system/resume',
    { config: { roles: MANAGERS }, schema: { summary: 'Resume a paused system', tags: ['Systems'], params: systemParams } },
    async (request) => setSystemPaused(orders.db, request.params.system, false, actorOf(request.principal)),
  );
};

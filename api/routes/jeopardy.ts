import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listJeopardies, listNotifications } from '../../db/jeopardies.js';
import { JEOPARDY_LEVELS } from '../../domain/jeopardy.js';
import { SYSTEMS } from '../../domain/plan.js';
import { actorOf, type Role } from '../../domain/roles.js';
import { holdTaskUpdate, releaseTaskUpdate } from '../../workflows/messages.js';
import { type OrderContext, updateOrder } from '../orders.js';

const WATCHERS: Role[] = ['order_agent', 'fulfilment_agent', 'fulfilment_manager', 'admin'];
const FULFILMENT: Role[] = ['fulfilment_agent', 'fulfilment_manager', 'admin'];
const LEVELS = JEOPARDY_LEVELS.filter((l) => l !== 'none') as Exclude<(typeof JEOPARDY_LEVELS)[number], 'none'>[];
const taskParams = z.strictObject({ id: z.string().min(1).max(255), taskId: z.string().min(1).max(1000) });

/** Jeopardy: the level changes raised by SLA clocks, notifications, and holding a task's clock. */
export const jeopardyRoutes: FastifyPluginAsyncZod<{ orders: OrderContext }> = async (app, { orders }) => {
  app.get(
    '/api/jeopardies',
    {
      config: { roles: WATCHERS },
      schema: {
        summary: 'Jeopardy level changes, newest first',
        tags: ['Jeopardy'],
        querystring: z.strictObject({
          level: z.enum(LEVELS).optional(),
          atLeast: z.enum(LEVELS).optional(),
          orderId: z.string().max(255).optional(),
          system: z.enum(SYSTEMS).optional(),
          since: z.iso.datetime({ offset: true }).optional(),
          offset: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (request) => {
      const { offset, limit, since, ...filter } = request.query;
      return listJeopardies(orders.db, { ...filter, ...(since ? { since: new Date(since) } : {}) }, { offset, limit });
    },
  );

  app.get(
    '/api/notifications',
    {
      config: { roles: WATCHERS },
      schema: {
        summary: 'Notifications raised by jeopardy (high → fulfilment_manager, critical → escalation)',
        tags: ['Jeopardy'],
        querystring: z.strictObject({ recipient: z.string().max(255).optional(), orderId: z.string().max(255).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      },
    },
    async (request) => listNotifications(orders.db, request.query, request.query.limit),
  );

  app.post(
    '/api/orders/:id/tasks/:taskId/hold',
    { config: { roles: FULFILMENT }, schema: { summary: 'Hold a ready human task (its SLA clock stops)', tags: ['Jeopardy'], params: taskParams, body: z.strictObject({ reason: z.string().trim().min(1).max(2000) }) } },
    async (request) => updateOrder(orders, request.params.id, holdTaskUpdate, { taskId: request.params.taskId, reason: request.body.reason, actor: actorOf(request.principal) }),
  );

  app.post(
    '/api/orders/:id/tasks/:taskId/release',
    { config: { roles: FULFILMENT }, schema: { summary: 'Release a held task (its SLA clock resumes with the budget left)', tags: ['Jeopardy'], params: taskParams, body: z.strictObject({ note: z.string().max(2000).optional() }) } },
    async (request) => updateOrder(orders, request.params.id, releaseTaskUpdate, { taskId: request.params.taskId, actor: actorOf(request.principal), ...request.body }),
  );
};

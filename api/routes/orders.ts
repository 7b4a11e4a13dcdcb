import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listTransitions } from '../../db/orders.js';
import { listTasks, planOf } from '../../db/plans.js';
import { SYSTEMS } from '../../domain/plan.js';
import { actorOf, type Role } from '../../domain/roles.js';
import { completeTask, decideApproval, type OrderContext, readOrder } from '../orders.js';

const EVERYONE: Role[] = ['api_client', 'order_agent', 'fulfilment_agent', 'fulfilment_manager', 'admin'];
const AGENTS: Role[] = ['order_agent', 'fulfilment_agent', 'fulfilment_manager', 'admin'];
const MANAGERS: Role[] = ['fulfilment_manager', 'admin'];

const orderParams = z.strictObject({ id: z.string().min(1).max(255) });
const TASK_STATES = ['planned', 'waiting', 'ready', 'inProgress', 'completed', 'fallout', 'skipped', 'cancelled', 'onHold', 'compensating', 'compensated', 'superseded'] as const;

const approvalBody = z
  .strictObject({ decision: z.enum(['approve', 'reject']), reason: z.string().trim().min(1).max(2000).optional() })
  .refine((b) => b.decision === 'approve' || b.reason, { message: 'a rejection needs a reason', path: ['reason'] });

const completionBody = z.strictObject({
  note: z.string().max(4000).optional(),
  /** For enrichment tasks: the value of the characteristic the task asks for. */
  value: z.union([z.string().max(4096), z.number(), z.boolean()]).optional(),
});

/** Ordo's operational API for an order: approval, human tasks, plan, timeline, work queue. */
export const orderRoutes: FastifyPluginAsyncZod<{ orders: OrderContext }> = async (app, { orders }) => {
  app.post(
    '/api/orders/:id/approval',
    { config: { roles: MANAGERS }, schema: { summary: 'Approve or reject an order awaiting approval', tags: ['Orders'], params: orderParams, body: approvalBody } },
    async (request) => decideApproval(orders, request.params.id, { ...request.body, actor: actorOf(request.principal) }),
  );

  app.post(
    '/api/orders/:id/tasks/:taskId/completion',
    {
      config: { roles: AGENTS },
      schema: {
        summary: 'Complete a human task (enrichment or a plan task); URL-encode the task id',
        tags: ['Orders'],
        params: z.strictObject({ id: z.string().min(1).max(255), taskId: z.string().min(1).max(1000) }),
        body: completionBody,
      },
    },
    async (request) => completeTask(orders, request.params.id, { taskId: request.params.taskId, actor: actorOf(request.principal), ...request.body }),
  );

  app.get(
    '/api/orders/:id/plan',
    { config: { roles: EVERYONE }, schema: { summary: 'The orchestration plan: items → domain orders → tasks', tags: ['Orders'], params: orderParams } },
    async (request) => {
      const order = await readOrder(orders, request.params.id);
      const plan = await planOf(orders.db, order.id);
      return {
        orderId: order.id,
        state: order.state,
        ...(order.subState ? { subState: order.subState } : {}),
        expectedCompletionDate: order.expectedCompletionDate,
        requestedCompletionDate: order.requestedCompletionDate,
        jeopardyLevel: order.jeopardyLevel ?? 'none',
        items: order.productOrderItem.map((item) => ({
          id: item.id,
          action: item.action,
          state: item.state,
          ponr: item.ponr ?? false,
          jeopardyLevel: item.jeopardyLevel ?? 'none',
          expectedCompletionDate: item.expectedCompletionDate,
          domainOrders: plan.domainOrders
            .filter((d) => d.orderItemId === item.id)
            .map((d) => ({ ...d, tasks: plan.tasks.filter((t) => t.domainOrderId === d.id) })),
          enrichmentTasks: plan.tasks.filter((t) => t.orderItemId === item.id && t.domainOrderId === ''),
        })),
      };
    },
  );

  app.get(
    '/api/orders/:id/timeline',
    { config: { roles: EVERYONE }, schema: { summary: 'Every transition of the order, its items and tasks, with actor and reason', tags: ['Orders'], params: orderParams } },
    async (request) => {
      const order = await readOrder(orders, request.params.id);
      return { orderId: order.id, transitions: await listTransitions(orders.db, order.id) };
    },
  );

  app.get(
    '/api/tasks',
    {
      config: { roles: AGENTS },
      schema: {
        summary: "The agents' work queue and the flat view of every plan task",
        tags: ['Tasks'],
        querystring: z.strictObject({
          orderId: z.string().max(255).optional(),
          state: z.enum(TASK_STATES).optional(),
          type: z.enum(['automated', 'human', 'milestone', 'wait']).optional(),
          system: z.enum(SYSTEMS).optional(),
          assignmentGroup: z.string().max(255).optional(),
          offset: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (request, reply) => {
      const { offset, limit, ...filter } = request.query;
      const page = await listTasks(orders.db, filter, { offset, limit });
      reply.header('x-total-count', page.total).header('x-result-count', page.tasks.length);
      // The work-queue view: what an agent needs, without the southbound payloads and retry settings.
      return page.tasks.map(({ input: _input, output: _output, retry: _retry, idempotencyKey: _key, ...task }) => task);
    },
  );
};

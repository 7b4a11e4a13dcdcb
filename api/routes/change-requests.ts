import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dateTime, placeSchema, productOrderItemSchema } from '../../domain/tmf622/schemas.js';
import type { Role } from '../../domain/roles.js';
import { changeRequestsOf, decideChange, orderAtVersion, readChangeRequest, requestChange, versionsOf } from '../change-requests.js';
import type { OrderContext } from '../orders.js';

const REQUESTERS: Role[] = ['order_agent', 'fulfilment_manager', 'admin'];
const MANAGERS: Role[] = ['fulfilment_manager', 'admin'];
const READERS: Role[] = ['api_client', 'order_agent', 'fulfilment_agent', 'fulfilment_manager', 'admin'];

const itemId = z.string().min(1).max(255);
const characteristicValue = z.union([z.string().max(4096), z.number().finite(), z.boolean()]);

const changeAction = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('addItem'), item: productOrderItemSchema }),
  z.strictObject({ action: z.literal('removeItem'), itemId }),
  z.strictObject({
    action: z.literal('changeCharacteristic'),
    itemId,
    characteristics: z.array(z.strictObject({ name: z.string().min(1).max(255), value: characteristicValue })).min(1).max(50),
  }),
  z.strictObject({ action: z.literal('changeQuantity'), itemId, quantity: z.number().int().min(1).max(10_000) }),
  z
    .strictObject({ action: z.literal('changeDates'), requestedStartDate: dateTime.optional(), requestedCompletionDate: dateTime.optional() })
    .refine((a) => a.requestedStartDate || a.requestedCompletionDate, { message: 'give requestedStartDate, requestedCompletionDate or both' }),
  z.strictObject({ action: z.literal('changePlace'), itemId, place: z.array(placeSchema).min(1).max(20) }),
]);

const changeBody = z.strictObject({
  actions: z.array(changeAction).min(1).max(50),
  dryRun: z.boolean().optional(),
  reason: z.string().trim().min(1).max(2000).optional(),
});

const decisionBody = z
  .strictObject({ decision: z.enum(['approve', 'decline']), reason: z.string().trim().min(1).max(2000).optional() })
  .refine((b) => b.decision === 'approve' || b.reason, { message: 'a decline needs a reason', path: ['reason'] });

const orderParams = z.strictObject({ id: z.string().min(1).max(255) });
const requestParams = z.strictObject({ id: z.string().min(1).max(400) });
const page = { offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) };

/**
 * In-flight change (domain.md §6): request (or dry-run) a change, decide it, read the requests,
 * and read the order as of any version.
 */
export const changeRequestRoutes: FastifyPluginAsyncZod<{ orders: OrderContext }> = async (app, { orders }) => {
  app.post(
    '/api/orders/:id/change-requests',
    {
      config: { roles: REQUESTERS },
      schema: { summary: 'Request a change of an order in flight, or preview it (dryRun)', tags: ['Change requests'], params: orderParams, body: changeBody },
    },
    async (request, reply) => {
      const result = await requestChange(orders, request.params.id, request.body, request.principal);
      if (result.dryRun) return result;
      const href = `/api/change-requests/${encodeURIComponent(result.changeRequest.id)}`;
      return reply.code(201).header('location', href).send(result.changeRequest);
    },
  );

  app.get(
    '/api/orders/:id/change-requests',
    { config: { roles: READERS }, schema: { summary: "An order's change requests, newest first", tags: ['Change requests'], params: orderParams, querystring: z.strictObject(page) } },
    async (request) => changeRequestsOf(orders, request.params.id, request.query),
  );

  app.get(
    '/api/change-requests/:id',
    { config: { roles: READERS }, schema: { summary: 'One change request: actions, preview, decision, what was applied', tags: ['Change requests'], params: requestParams } },
    async (request) => readChangeRequest(orders, request.params.id),
  );

  app.post(
    '/api/change-requests/:id/decision',
    { config: { roles: MANAGERS }, schema: { summary: 'Approve (apply: version + 1) or decline a change request', tags: ['Change requests'], params: requestParams, body: decisionBody } },
    async (request) => decideChange(orders, request.params.id, request.body.decision, request.body.reason, request.principal),
  );

  app.post(
    '/api/change-requests/:id/withdrawal',
    {
      config: { roles: REQUESTERS },
      schema: { summary: 'Withdraw a change request awaiting its decision', tags: ['Change requests'], params: requestParams, body: z.strictObject({ reason: z.string().trim().min(1).max(2000) }) },
    },
    async (request) => decideChange(orders, request.params.id, 'withdraw', request.body.reason, request.principal),
  );

  app.get(
    '/api/orders/:id/versions',
    { config: { roles: READERS }, schema: { summary: 'The versions of an order (one per applied change request)', tags: ['Change requests'], params: orderParams } },
    async (request) => versionsOf(orders, request.params.id),
  );

  app.get(
    '/api/orders/:id/versions/:version',
    {
      config: { roles: READERS },
      schema: { summary: 'The order as of one version', tags: ['Change requests'], params: z.strictObject({ id: z.string().min(1).max(255), version: z.coerce.number().int().min(1).max(1_000_000) }) },
    },
    async (request) => orderAtVersion(orders, request.params.id, request.params.version),
  );
};

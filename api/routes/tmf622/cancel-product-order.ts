import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findCancellation, listCancellations } from '../../../db/cancellations.js';
import { orderIdOfCancellation } from '../../../domain/cancellation.js';
import { OrdoError } from '../../../domain/errors.js';
import { actorOf, type Role } from '../../../domain/roles.js';
import { requestCancellationUpdate } from '../../../workflows/messages.js';
import { liveOrderView, type OrderContext, updateOrder } from '../../orders.js';

const REQUESTERS: Role[] = ['api_client', 'order_agent', 'fulfilment_manager', 'admin'];
const READERS: Role[] = ['api_client', 'order_agent', 'fulfilment_agent', 'fulfilment_manager', 'admin'];

const polymorphic = { '@type': z.string().max(255).optional(), '@baseType': z.string().max(255).optional(), '@schemaLocation': z.url().optional() };

/** CancelProductOrder_Create, plus the extension naming items for a partial cancellation. */
const cancelCreate = z.strictObject({
  productOrder: z.strictObject({ id: z.string().min(1).max(255), href: z.string().max(2048).optional(), name: z.string().max(255).optional(), '@referredType': z.string().max(255).optional(), ...polymorphic }),
  cancellationReason: z.string().max(4096).optional(),
  requestedCancellationDate: z.iso.datetime({ offset: true }).optional(),
  productOrderItem: z.array(z.strictObject({ id: z.string().min(1).max(255) })).min(1).max(500).optional(),
  ...polymorphic,
});

/**
 * TMF622 CancelProductOrder. A cancellation is assessed by the order's workflow at once: refused
 * ones are created `terminatedWithError` (reason PONR_REACHED naming the items), accepted ones are
 * `inProgress` until what ran is undone, then `done`.
 */
export const cancelProductOrderRoutes: FastifyPluginAsyncZod<{ orders: OrderContext }> = async (app, { orders }) => {
  app.post(
    '/cancelProductOrder',
    { config: { roles: REQUESTERS }, schema: { summary: 'Cancel a product order, or some of its items', tags: ['TMF622 CancelProductOrder'], body: cancelCreate } },
    async (request, reply) => {
      const body = request.body;
      const cancellation = await updateOrder(orders, body.productOrder.id, requestCancellationUpdate, {
        href: `${orders.tmfBaseUrl}/cancelProductOrder`,
        ...(body.cancellationReason ? { cancellationReason: body.cancellationReason } : {}),
        ...(body.requestedCancellationDate ? { requestedCancellationDate: body.requestedCancellationDate } : {}),
        ...(body.productOrderItem ? { itemIds: body.productOrderItem.map((i) => i.id) } : {}),
        actor: actorOf(request.principal),
      });
      const resource = { ...cancellation, href: `${orders.tmfBaseUrl}/cancelProductOrder/${cancellation.id}` };
      return reply.code(201).header('location', resource.href).send(resource);
    },
  );

  app.get(
    '/cancelProductOrder/:id',
    { config: { roles: READERS }, schema: { summary: 'Retrieve a cancellation', tags: ['TMF622 CancelProductOrder'], params: z.strictObject({ id: z.string().min(1).max(400) }) } },
    async (request) => {
      const { id } = request.params;
      const stored = await findCancellation(orders.db, id);
      const found = stored ?? (await liveCancellation(orders, id));
      if (!found) throw new OrdoError('NOT_FOUND', `No cancelProductOrder with id ${id}`);
      return { ...found, href: `${orders.tmfBaseUrl}/cancelProductOrder/${found.id}` };
    },
  );

  app.get(
    '/cancelProductOrder',
    {
      config: { roles: READERS },
      schema: {
        summary: 'List cancellations, newest first',
        tags: ['TMF622 CancelProductOrder'],
        querystring: z.strictObject({ 'productOrder.id': z.string().max(255).optional(), offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      },
    },
    async (request) => {
      const q = request.query;
      const found = await listCancellations(orders.db, { ...(q['productOrder.id'] ? { orderId: q['productOrder.id'] } : {}) }, { offset: q.offset, limit: q.limit });
      return found.map((c) => ({ ...c, href: `${orders.tmfBaseUrl}/cancelProductOrder/${c.id}` }));
    },
  );
};

/** Just after POST, before the read model has it: the order's workflow knows it. */
async function liveCancellation(orders: OrderContext, id: string) {
  const orderId = orderIdOfCancellation(id);
  return orderId ? (await liveOrderView(orders, orderId))?.cancellations.find((c) => c.id === id) : undefined;
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listOrders } from '../../../db/orders.js';
import { ORDER_STATES, type ProductOrder } from '../../../domain/order.js';
import type { Role } from '../../../domain/roles.js';
import { productOrderCreateSchema } from '../../../domain/tmf622/schemas.js';
import { readOrder, submitOrder, type OrderContext } from '../../orders.js';

const SUBMITTERS: Role[] = ['api_client', 'order_agent', 'fulfilment_manager', 'admin'];
const READERS: Role[] = ['api_client', 'order_agent', 'fulfilment_agent', 'fulfilment_manager', 'admin'];

const idempotencyHeaders = z.looseObject({
  'idempotency-key': z.string().min(1).max(255).optional(),
});

const listQuery = z.strictObject({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** Comma-separated attributes to return (id and href always come back). */
  fields: z.string().max(1000).optional(),
  state: z.enum(ORDER_STATES).optional(),
  externalId: z.string().max(255).optional(),
  category: z.string().max(255).optional(),
  'relatedParty.id': z.string().max(255).optional(),
  'orderDate.gte': z.iso.datetime({ offset: true }).optional(),
  'orderDate.lt': z.iso.datetime({ offset: true }).optional(),
});

/** TMF622 ProductOrder: create, retrieve, list. Routes only validate, delegate and shape. */
export const productOrderRoutes: FastifyPluginAsyncZod<{ orders: OrderContext }> = async (app, { orders }) => {
  app.post(
    '/productOrder',
    {
      config: { roles: SUBMITTERS },
      schema: {
        summary: 'Submit a product order',
        tags: ['TMF622 ProductOrder'],
        headers: idempotencyHeaders,
        body: productOrderCreateSchema,
      },
    },
    async (request, reply) => {
      const result = await submitOrder(orders, {
        input: request.body,
        principal: request.principal,
        idempotencyKey: request.headers['idempotency-key'],
      });
      reply.header('location', result.order.href);
      if (!result.created) reply.header('idempotent-replayed', 'true');
      return reply.code(result.created ? 201 : 200).send(result.order);
    },
  );

  app.get(
    '/productOrder/:id',
    {
      config: { roles: READERS },
      schema: {
        summary: 'Retrieve a product order',
        tags: ['TMF622 ProductOrder'],
        params: z.strictObject({ id: z.string().min(1).max(255) }),
        querystring: z.strictObject({ fields: z.string().max(1000).optional() }),
      },
    },
    async (request) => pickFields(await readOrder(orders, request.params.id), request.query.fields),
  );

  app.get(
    '/productOrder',
    {
      config: { roles: READERS },
      schema: { summary: 'List product orders, newest first', tags: ['TMF622 ProductOrder'], querystring: listQuery },
    },
    async (request, reply) => {
      const q = request.query;
      const page = await listOrders(
        orders.db,
        {
          state: q.state,
          externalId: q.externalId,
          category: q.category,
          customerId: q['relatedParty.id'],
          orderDateFrom: q['orderDate.gte'] ? new Date(q['orderDate.gte']) : undefined,
          orderDateTo: q['orderDate.lt'] ? new Date(q['orderDate.lt']) : undefined,
        },
        { offset: q.offset, limit: q.limit },
      );
      reply.header('x-total-count', page.total).header('x-result-count', page.orders.length);
      return page.orders.map((o) => pickFields(o, q.fields));
    },
  );
};

/** TMF attribute selection: only the named top-level attributes, plus id and href. */
function pickFields(order: ProductOrder, fields: string | undefined): Partial<ProductOrder> {
  if (!fields) return order;
  const wanted = new Set(['id', 'href', ...fields.split(',').map((f) => f.trim()).filter(Boolean)]);
  return Object.fromEntries(Object.entries(order).filter(([key]) => wanted.has(key))) as Partial<ProductOrder>;
}

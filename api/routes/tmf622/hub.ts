import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../../db/client.js';
import { createSubscription, deleteSubscription, subscriptionOwner } from '../../../db/events.js';
import { OrdoError } from '../../../domain/errors.js';
import { actorOf, type Role } from '../../../domain/roles.js';
import { parseSubscriptionQuery } from '../../../domain/events.js';

const SUBSCRIBERS: Role[] = ['api_client', 'order_agent', 'fulfilment_manager', 'admin'];

const subscriptionInput = z.strictObject({
  /** Where events are POSTed. */
  callback: z.url({ protocol: /^https?$/, error: 'callback must be an http or https URL' }).max(2048),
  /** Stored and returned; events are not filtered by it. */
  /** `eventType=A,B` selects event types; none: every event. */
  query: z
    .string()
    .max(1000)
    .refine((q) => {
      try {
        parseSubscriptionQuery(q);
        return true;
      } catch {
        return false;
      }
    }, 'must be "eventType=<type>[,<type>…]" naming TMF622 event types this API raises')
    .optional(),
});

const subscription = z.object({ id: z.string(), callback: z.string(), query: z.string().optional() });

/** TMF622 event subscriptions: register and unregister a listener. */
export const hubRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.post(
    '/hub',
    {
      config: { roles: SUBSCRIBERS },
      schema: {
        summary: 'Register a listener for product order events',
        tags: ['TMF622 events subscription'],
        body: subscriptionInput,
        response: { 201: subscription },
      },
    },
    async (request, reply) => {
      const created = await createSubscription(db, { ...request.body, createdBy: actorOf(request.principal) });
      return reply.code(201).header('location', `${request.routeOptions.url}/${created.id}`).send(created);
    },
  );

  app.delete(
    '/hub/:id',
    {
      config: { roles: SUBSCRIBERS },
      schema: {
        summary: 'Unregister a listener',
        tags: ['TMF622 events subscription'],
        params: z.strictObject({ id: z.string().min(1).max(255) }),
      },
    },
    async (request, reply) => {
      const owner = await subscriptionOwner(db, request.params.id);
      if (owner === undefined) throw new OrdoError('NOT_FOUND', `No event subscription ${request.params.id}`);
      // A subscriber removes its own subscriptions; an admin may remove any.
      if (request.principal.role !== 'admin' && owner !== actorOf(request.principal)) {
        throw new OrdoError('FORBIDDEN', `Event subscription ${request.params.id} belongs to another API key; only it or an admin may remove it`);
      }
      await deleteSubscription(db, request.params.id);
      return reply.code(204).send();
    },
  );
};

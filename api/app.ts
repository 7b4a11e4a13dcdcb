import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { OrdoError } from '../domain/errors.js';
import { authPlugin, type KeyResolver } from './auth.js';
import type { OrderContext } from './orders.js';
import { errorHandler, sendProblem } from './problem.js';
import { catalogRoutes } from './routes/catalog.js';
import { healthRoutes, type HealthChecks } from './routes/health.js';
import { falloutRoutes } from './routes/fallouts.js';
import { jeopardyRoutes } from './routes/jeopardy.js';
import { orderRoutes } from './routes/orders.js';
import { hubRoutes } from './routes/tmf622/hub.js';
import { simulatorRoutes } from './routes/simulator.js';
import { cancelProductOrderRoutes } from './routes/tmf622/cancel-product-order.js';
import { productOrderRoutes } from './routes/tmf622/product-order.js';

export const TMF622_BASE = '/tmf-api/productOrderingManagement/v4';

export interface AppDeps {
  orders: OrderContext;
  keys: KeyResolver;
  health: HealthChecks;
  logger?: FastifyServerOptions['logger'];
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
}

/** Ordo's HTTP API as a Fastify instance; `server.ts` only boots it, tests drive it with `inject`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    // JSON with a "__proto__" key is refused rather than silently stripped.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a text/plain body is refused with 415 instead of failing validation as a string.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => sendProblem(reply, new OrdoError('NOT_FOUND', `No route ${request.method} ${request.url}`)));

  await app.register(swagger, {
    openapi: {
      info: { title: 'Ordo', description: 'TMF622 Product Ordering and Ordo operations API', version: '0.1.0' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(authPlugin, { keys: deps.keys });

  await app.register(healthRoutes, { checks: deps.health });
  await app.register(productOrderRoutes, { prefix: TMF622_BASE, orders: deps.orders });
  await app.register(cancelProductOrderRoutes, { prefix: TMF622_BASE, orders: deps.orders });
  await app.register(orderRoutes, { orders: deps.orders });
  await app.register(falloutRoutes, { orders: deps.orders });
  await app.register(jeopardyRoutes, { orders: deps.orders });
  await app.register(hubRoutes, { prefix: TMF622_BASE, db: deps.orders.db });
  await app.register(simulatorRoutes, { db: deps.orders.db });
  await app.register(catalogRoutes, { db: deps.orders.db });
  return app;
}

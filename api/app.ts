import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { OrdoError } from '../domain/errors.js';
import { authPlugin, type KeyResolver } from './auth.js';
import type { OrderContext } from './orders.js';
import { inputGuards } from './input-guards.js';
import { classifyError, errorHandler, sendProblem } from './problem.js';
import { rateLimit, type RateLimitOptions } from './rate-limit.js';
import { securityHeaders, setSecurityHeaders } from './security-headers.js';
import { catalogRoutes } from './routes/catalog.js';
import { changeRequestRoutes } from './routes/change-requests.js';
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
  /** Pino options; the Authorization header and cookies are redacted from whatever it logs. */
  logger?: FastifyServerOptions['logger'];
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  /** Requests per client per window (`RATE_LIMIT_PER_MINUTE`); unset or `limit: 0`: no limit. */
  rateLimit?: RateLimitOptions;
  /** Sees every route as it is registered (the auth-matrix test enumerates routes with it). */
  onRoute?: (route: RouteOptions) => void;
}

/** Never written to a log, whatever a serializer puts there. */
export const REDACTED_LOG_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'];

function redactingLogger(logger: AppDeps['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const options = logger === true ? {} : logger;
  const redact = options.redact;
  const paths = Array.isArray(redact) ? redact : (redact?.paths ?? []);
  return { ...options, redact: { ...(Array.isArray(redact) || !redact ? {} : redact), paths: [...new Set([...paths, ...REDACTED_LOG_PATHS])] } };
}

/** Ordo's HTTP API as a Fastify instance; `server.ts` only boots it, tests drive it with `inject`. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: redactingLogger(deps.logger),
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    // JSON with a "__proto__" key is refused rather than silently stripped.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    // Errors raised before routing (a malformed percent-encoding in the path) in our vocabulary too.
    frameworkErrors: (error, request, reply) => {
      setSecurityHeaders(request, reply);
      return sendProblem(reply, classifyError(error));
    },
  }).withTypeProvider<ZodTypeProvider>();
  if (deps.onRoute) app.addHook('onRoute', deps.onRoute);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a text/plain body is refused with 415 instead of failing validation as a string.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => sendProblem(reply, new OrdoError('NOT_FOUND', `No route ${request.method} ${request.url}`)));

  await app.register(securityHeaders);
  await app.register(inputGuards);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Ordo', description: 'TMF622 Product Ordering and Ordo operations API', version: '0.1.0' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  if (deps.rateLimit) await app.register(rateLimit, deps.rateLimit);
  await app.register(authPlugin, { keys: deps.keys });

  await app.register(healthRoutes, { checks: deps.health });
  await app.register(productOrderRoutes, { prefix: TMF622_BASE, orders: deps.orders });
  await app.register(cancelProductOrderRoutes, { prefix: TMF622_BASE, orders: deps.orders });
  await app.register(orderRoutes, { orders: deps.orders });
  await app.register(changeRequestRoutes, { orders: deps.orders });
  await app.register(falloutRoutes, { orders: deps.orders });
  await app.register(jeopardyRoutes, { orders: deps.orders });
  await app.register(hubRoutes, { prefix: TMF622_BASE, db: deps.orders.db });
  await app.register(simulatorRoutes, { db: deps.orders.db });
  await app.register(catalogRoutes, { db: deps.orders.db });
  return app;
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** Sent on every response, the API's and the docs' alike. */
const ALWAYS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  // 180 days, this host only. Harmless over plain HTTP (browsers ignore it there), right behind a TLS proxy.
  'strict-transport-security': 'max-age=15552000',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Sent on API responses only. JSON is never a document to render, so it may load nothing and be
 * framed by nobody; and no response of the API may be cached, since it reflects live order state
 * and is tied to the caller's key. The Swagger UI under /docs needs its scripts, styles and its
 * own caching, so it keeps none of these.
 */
const API_ONLY: Record<string, string> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
};

export const isDocsPath = (url: string) => {
  const path = url.split('?', 1)[0] ?? '';
  return path === '/docs' || path.startsWith('/docs/');
};

export function setSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(ALWAYS);
  if (!isDocsPath(request.url)) reply.headers(API_ONLY);
}

/**
 * Security headers on every response, errors and 404s included: an `onSend` hook at the root, so
 * it sees what the error handler and the not-found handler send as well as what routes send.
 * (Errors Fastify raises before routing skip hooks: `buildApp`'s `frameworkErrors` sets them.)
 */
export const securityHeaders = fp(async (app: FastifyInstance) => {
  app.addHook('onSend', async (request, reply, payload) => {
    setSecurityHeaders(request, reply);
    return payload;
  });
});

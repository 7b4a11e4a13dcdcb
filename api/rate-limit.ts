import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { OrdoError } from '../domain/errors.js';
import { bearerToken, hashKey } from './auth.js';
import { isDocsPath } from './security-headers.js';

export interface RateLimitOptions {
  /** Requests allowed per client per window; `0` turns the limiter off. */
  limit: number;
  /** Length of the fixed window, in ms. Default one minute. */
  windowMs?: number;
  /** The clock, in ms (tests move it). */
  now?: () => number;
}

export interface Window {
  count: number;
  resetAt: number;
}

export interface Decision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1). */
  resetSeconds: number;
}

/**
 * A fixed-window counter per bucket, in memory (one API process). Buckets are named by the SHA-256
 * of the API key, or by the client IP when the request carries no key: the raw key is never kept.
 * Windows that ended are swept once per window, so the map holds at most the clients of the last
 * two windows.
 */
export function createRateLimiter({ limit, windowMs = 60_000, now = Date.now }: RateLimitOptions) {
  const windows = new Map<string, Window>();
  let nextSweep = now() + windowMs;

  const current = (bucket: string, at: number): Window => {
    const found = windows.get(bucket);
    if (found && found.resetAt > at) return found;
    const fresh = { count: 0, resetAt: at + windowMs };
    windows.set(bucket, fresh);
    return fresh;
  };

  const decision = (window: Window, at: number, allowed: boolean): Decision => ({
    allowed,
    limit,
    remaining: Math.max(0, limit - window.count),
    resetSeconds: Math.max(1, Math.ceil((window.resetAt - at) / 1000)),
  });

  const sweep = (at: number) => {
    if (at < nextSweep) return;
    for (const [bucket, window] of windows) if (window.resetAt <= at) windows.delete(bucket);
    nextSweep = at + windowMs;
  };

  return {
    /** Counts one request against `bucket`. */
    take(bucket: string): Decision {
      const at = now();
      sweep(at);
      const window = current(bucket, at);
      if (window.count >= limit) return decision(window, at, false);
      window.count += 1;
      return decision(window, at, true);
    },
    /** Whether `bucket` has budget left, without counting anything. */
    peek(bucket: string): Decision {
      const at = now();
      const window = windows.get(bucket);
      if (!window || window.resetAt <= at) return { allowed: true, limit, remaining: limit, resetSeconds: Math.ceil(windowMs / 1000) };
      return decision(window, at, window.count < limit);
    },
    /** Bucket names in use (tests check that no raw key is among them). */
    buckets: () => [...windows.keys()],
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

/** Health checks and the docs are never limited: probes and humans reading the docs are not clients. */
const isExempt = (url: string) => {
  const path = url.split('?', 1)[0] ?? '';
  return path === '/healthz' || path === '/readyz' || isDocsPath(path);
};

const setHeaders = (reply: FastifyReply, d: Decision) =>
  reply.header('ratelimit-limit', d.limit).header('ratelimit-remaining', d.remaining).header('ratelimit-reset', d.resetSeconds);

function refuse(reply: FastifyReply, d: Decision, who: string): never {
  reply.header('retry-after', d.resetSeconds);
  throw new OrdoError('RATE_LIMITED', `Rate limit of ${d.limit} requests per window exceeded for ${who}; retry in ${d.resetSeconds} s`);
}

/**
 * Rate limiting, before authentication so that a client over its budget costs no key lookup.
 * A request with a bearer key counts against that key (by its hash), one without counts against
 * its IP. Requests refused with 401 also count against their IP, in a bucket of failures of its
 * own: once it is spent, requests from that IP are refused with 429 whatever key they carry, so
 * guessing keys, or making up a new one for every request, does not escape the limit.
 */
export const rateLimit = fp(async (app: FastifyInstance, opts: RateLimitOptions) => {
  if (opts.limit <= 0) return;
  const limiter = createRateLimiter(opts);
  app.decorate('rateLimiter', limiter);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (isExempt(request.url)) return;
    const failures = limiter.peek(`auth-failures:${request.ip}`);
    if (!failures.allowed) {
      setHeaders(reply, failures);
      refuse(reply, failures, `${request.ip} (too many requests with a missing or invalid key)`);
    }
    const token = bearerToken(request);
    const d = limiter.take(token ? `key:${hashKey(token)}` : `ip:${request.ip}`);
    setHeaders(reply, d);
    if (!d.allowed) refuse(reply, d, token ? 'this API key' : request.ip);
  });

  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401) limiter.take(`auth-failures:${request.ip}`);
  });
});

declare module 'fastify' {
  interface FastifyInstance {
    /** Present when rate limiting is on. */
    rateLimiter?: RateLimiter;
  }
}

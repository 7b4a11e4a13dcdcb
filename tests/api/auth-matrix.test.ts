import type { FastifyInstance, HTTPMethods, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../domain/roles.js';
import { startTestStack, type TestStack } from '../support/stack.js';

/**
 * Every route the app registers × every role, plus no key and an unknown key. The routes are not
 * listed by hand: they are collected as the app registers them, so a new route is in the matrix
 * the day it is added, and a new route that forgets its `config.roles` fails the public-routes
 * check below instead of being open to everyone.
 */

/** The only routes without roles: health probes and the OpenAPI docs. */
const PUBLIC_ROUTES = [
  'GET /docs',
  'GET /docs/json',
  'GET /docs/static/*',
  'GET /docs/static/index.html',
  'GET /docs/static/swagger-initializer.js',
  'GET /docs/yaml',
  'GET /healthz',
  'GET /readyz',
  'HEAD /docs',
  'HEAD /docs/',
  'HEAD /docs/json',
  'HEAD /docs/static/*',
  'HEAD /docs/static/index.html',
  'HEAD /docs/static/swagger-initializer.js',
  'HEAD /docs/yaml',
  'HEAD /healthz',
  'HEAD /readyz',
];

interface Route {
  method: HTTPMethods;
  url: string;
  roles: readonly Role[] | undefined;
}

let stack: TestStack;
let app: FastifyInstance;
const routes: Route[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  app = await stack.buildApp({
    onRoute: (route: RouteOptions) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url, roles: route.config?.roles });
    },
  });
});
afterAll(async () => {
  await app?.close();
  await stack?.close();
});

/** A request that reaches the route: placeholders for path params, an (invalid) JSON body for writes. */
function requestFor(route: Route, headers: Record<string, string>) {
  const url = route.url.replace(/:(\w+)/g, (_, name: string) => `matrix-${name}`).replace('*', 'x');
  const hasBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
  return app.inject({ method: route.method, url, headers, ...(hasBody ? { payload: {} } : {}) });
}

const label = (route: Route) => `${route.method} ${route.url}`;

function expectProblem(route: Route, res: Awaited<ReturnType<typeof requestFor>>, status: number, code: string) {
  expect(res.statusCode, label(route)).toBe(status);
  expect(res.headers['content-type'], label(route)).toMatch(/^application\/problem\+json/);
  // HEAD answers carry the headers of the GET, without a body.
  if (route.method !== 'HEAD') expect(res.json(), label(route)).toMatchObject({ status, code });
}

describe('auth matrix', () => {
  it('finds the routes, and only health and docs are public', () => {
    expect(routes.length).toBeGreaterThan(PUBLIC_ROUTES.length + 40);
    const open = routes.filter((r) => r.roles === undefined).map(label).sort();
    expect(open).toEqual([...PUBLIC_ROUTES].sort());
    for (const route of routes) {
      if (route.roles === undefined) continue;
      expect(route.roles.length, `${label(route)} admits nobody`).toBeGreaterThan(0);
      for (const role of route.roles) expect(ROLES, label(route)).toContain(role);
    }
  });

  it('refuses every protected route without a key, or with an unknown key, with 401', async () => {
    const protectedRoutes = routes.filter((r) => r.roles !== undefined);
    for (const route of protectedRoutes) {
      expectProblem(route, await requestFor(route, {}), 401, 'UNAUTHENTICATED');
      expectProblem(route, await requestFor(route, { authorization: 'Bearer matrix-unknown-key-0123456789' }), 401, 'UNAUTHENTICATED');
      expectProblem(route, await requestFor(route, { authorization: 'Basic bWF0cml4OmtleQ==' }), 401, 'UNAUTHENTICATED');
    }
  });

  it.each(ROLES)('admits %s exactly where the route names its role, and refuses it with 403 elsewhere', async (role) => {
    const protectedRoutes = routes.filter((r) => r.roles !== undefined);
    let admitted = 0;
    for (const route of protectedRoutes) {
      const res = await requestFor(route, stack.as(role));
      if (route.roles!.includes(role)) {
        admitted += 1;
        expect([401, 403], `${label(route)} as ${role}: ${res.body}`).not.toContain(res.statusCode);
        // Placeholders and an empty body: a refusal (400, 404, 409…) or a read, never a crash.
        expect(res.statusCode, `${label(route)} as ${role}: ${res.body}`).toBeLessThan(500);
      } else {
        expectProblem(route, res, 403, 'FORBIDDEN');
      }
    }
    expect(admitted, `${role} is admitted somewhere`).toBeGreaterThan(0);
  });

  it('leaves the public routes open, with or without a key', async () => {
    for (const route of routes.filter((r) => r.roles === undefined && !r.url.includes('*'))) {
      for (const headers of [{}, { authorization: 'Bearer matrix-unknown-key-0123456789' }] as Array<Record<string, string>>) {
        const res = await requestFor(route, headers);
        expect([401, 403], label(route)).not.toContain(res.statusCode);
        expect(res.statusCode, label(route)).toBeLessThan(500);
      }
    }
  });
});

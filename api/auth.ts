import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { findApiKeyByHash } from '../db/api-keys.js';
import type { Db } from '../db/client.js';
import { OrdoError } from '../domain/errors.js';
import { isRole, type Principal, type Role } from '../domain/roles.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles admitted to the route; routes without it are public (health, docs). */
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    principal: Principal;
  }
}

export const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
/** Public id of a key: safe to log and to record as an actor, useless to authenticate. */
export const keyIdOf = (keyHash: string) => `key_${keyHash.slice(0, 12)}`;

export interface EnvKey {
  role: Role;
  keyHash: string;
}

/** Parses `API_KEYS="role:key,role:key"`; a malformed entry fails at boot naming it. */
export function parseEnvKeys(value: string | undefined): EnvKey[] {
  if (!value) return [];
  return value.split(',').map((entry, index) => {
    const at = entry.indexOf(':');
    const role = entry.slice(0, at).trim();
    const key = entry.slice(at + 1).trim();
    if (at < 1 || !isRole(role) || key.length < 16) {
      throw new Error(`API_KEYS entry ${index + 1} must be "role:key" with a known role and a key of 16+ characters`);
    }
    return { role, keyHash: hashKey(key) };
  });
}

export interface KeyResolver {
  resolve(key: string): Promise<Principal | undefined>;
}

/** Keys from the environment first (compared in constant time), then the database. */
export function keyResolver(db: Db, envKeys: EnvKey[]): KeyResolver {
  return {
    async resolve(key) {
      const keyHash = hashKey(key);
      const given = Buffer.from(keyHash, 'hex');
      const fromEnv = envKeys.find((k) => timingSafeEqual(Buffer.from(k.keyHash, 'hex'), given));
      if (fromEnv) return { keyId: keyIdOf(keyHash), role: fromEnv.role };
      const stored = await findApiKeyByHash(db, keyHash);
      return stored ? { keyId: stored.id, role: stored.role } : undefined;
    },
  };
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** Authenticates every route that names roles, and refuses roles it does not admit. */
export const authPlugin = fp(async (app: FastifyInstance, opts: { keys: KeyResolver }) => {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request) => {
    const roles = request.routeOptions.config?.roles;
    if (!roles) return;
    const token = bearerToken(request);
    if (!token) throw new OrdoError('UNAUTHENTICATED', 'Send "Authorization: Bearer <api key>"');
    const principal = await opts.keys.resolve(token);
    if (!principal) throw new OrdoError('UNAUTHENTICATED', 'The API key is not valid');
    if (!roles.includes(principal.role)) {
      throw new OrdoError('FORBIDDEN', `Role ${principal.role} may not ${request.method} ${request.routeOptions.url}; allowed: ${roles.join(', ')}`);
    }
    request.principal = principal;
  });
});

import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { type FieldError, formatPath, OrdoError } from '../domain/errors.js';

/** Deeper JSON than this is refused before it is parsed: no TMF622 or catalog body comes close. */
export const MAX_JSON_DEPTH = 64;

/** Whether `text` (JSON) nests objects and arrays deeper than `max`, strings skipped. */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * Where `value` holds a string (or a key) with a NUL character: Postgres text cannot store one, so
 * such input would fail in the database as a 500 instead of being refused as a 400. Walks without
 * recursion; at most `limit` paths.
 */
export function nulPaths(value: unknown, root: PropertyKey[] = [], limit = 10): string[] {
  const found: string[] = [];
  const stack: Array<[unknown, PropertyKey[]]> = [[value, root]];
  while (stack.length > 0 && found.length < limit) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) found.push(formatPath(path));
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push([item, [...path, i]]));
    } else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) {
        if (key.includes('\u0000')) found.push(formatPath([...path, key]));
        stack.push([item, [...path, key]]);
      }
    }
  }
  return found;
}

const refuseNul = (paths: string[]) => {
  const errors: FieldError[] = paths.map((path) => ({ path, message: 'must not contain the NUL character (\\u0000)' }));
  return new OrdoError('VALIDATION_FAILED', `NUL character in ${paths.join(', ')}`, errors);
};

/**
 * Input the schemas cannot refuse on their own, refused at the edge for every route:
 * - JSON nested deeper than MAX_JSON_DEPTH (recursive schemas would overflow the stack: a 500);
 * - NUL characters in the body, the path parameters or the query string (Postgres refuses them: a 500).
 * The JSON parser is Fastify's own otherwise, `__proto__` and `constructor.prototype` still refused.
 */
export const inputGuards = fp(async (app: FastifyInstance) => {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      done(new OrdoError('MALFORMED_REQUEST', `The body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`), undefined);
      return;
    }
    parseJson(request, text, (error, parsed) => {
      if (error) return done(error, undefined);
      const nul = nulPaths(parsed, ['body']);
      if (nul.length > 0) return done(refuseNul(nul), undefined);
      done(null, parsed);
    });
  });

  app.addHook('preValidation', async (request) => {
    const nul = [...nulPaths(request.params, ['params']), ...nulPaths(request.query, ['querystring'])];
    if (nul.length > 0) throw refuseNul(nul);
  });
});

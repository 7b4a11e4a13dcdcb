import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getOffering, getSpecification, listOfferings, listSpecifications, loadCatalog, replaceCatalog } from '../../db/catalog.js';
import type { Db } from '../../db/client.js';
import { catalogSchema, checkCatalog } from '../../domain/catalog-schema.js';
import { OrdoError } from '../../domain/errors.js';
import { ROLES, type Role } from '../../domain/roles.js';

const ADMINS: Role[] = ['admin'];
const TAGS = ['Catalog'];

const idParams = z.strictObject({ id: z.string().min(1).max(255) });

/** The product catalog: read by everyone, replaced as a whole by admins (`PUT /api/catalog`). */
export const catalogRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.put(
    '/api/catalog',
    {
      config: { roles: ADMINS },
      schema: {
        summary: 'Replace the whole catalog; orders in flight keep the plan they were decomposed with',
        tags: TAGS,
        body: catalogSchema,
      },
    },
    async (request) => {
      const catalog = request.body;
      const errors = checkCatalog(catalog);
      if (errors.length > 0) {
        throw new OrdoError('VALIDATION_FAILED', `The catalog breaks ${errors.length} rule${errors.length === 1 ? '' : 's'}: ${errors.map((e) => `${e.path} (${e.rule})`).join(', ')}`, errors);
      }
      await replaceCatalog(db, catalog);
      return { offerings: catalog.offerings.length, specifications: catalog.specifications.length };
    },
  );

  app.get('/api/catalog', { config: { roles: ROLES }, schema: { summary: 'The whole catalog: offerings, specifications, policies', tags: TAGS } }, async () => loadCatalog(db));

  app.get('/api/catalog/offerings', { config: { roles: ROLES }, schema: { summary: 'Every product offering, by id', tags: TAGS } }, async () => listOfferings(db));

  app.get(
    '/api/catalog/offerings/:id',
    { config: { roles: ROLES }, schema: { summary: 'One product offering', tags: TAGS, params: idParams } },
    async (request) => (await getOffering(db, request.params.id)) ?? notFound('offering', request.params.id),
  );

  app.get('/api/catalog/specifications', { config: { roles: ROLES }, schema: { summary: 'Every specification, by id', tags: TAGS } }, async () => listSpecifications(db));

  app.get(
    '/api/catalog/specifications/:id',
    { config: { roles: ROLES }, schema: { summary: 'One specification with its relationships and task templates', tags: TAGS, params: idParams } },
    async (request) => (await getSpecification(db, request.params.id)) ?? notFound('specification', request.params.id),
  );
};

function notFound(what: string, id: string): never {
  throw new OrdoError('NOT_FOUND', `No ${what} ${id} in the catalog`);
}

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { listEffects, listSystemSettings, putSystemSettings } from '../../db/simulator.js';
import { OrdoError } from '../../domain/errors.js';
import { SYSTEMS, type SystemName } from '../../domain/plan.js';
import { ROLES, type Role } from '../../domain/roles.js';
import { DEFAULT_SIMULATOR_SETTINGS, simulatorSettingsSchema } from '../../domain/simulator.js';

const ADMINS: Role[] = ['admin'];
const OPERATORS: Role[] = ['admin', 'fulfilment_manager', 'fulfilment_agent'];
const TAGS = ['Simulator'];

const name = z.string().min(1).max(255);

const isSystem = (value: string): value is SystemName => (SYSTEMS as readonly string[]).includes(value);

/** The simulator of southbound systems: its settings per system, and the log of what it did. */
export const simulatorRoutes: FastifyPluginAsyncZod<{ db: Db }> = async (app, { db }) => {
  app.put(
    '/api/simulator/systems/:system',
    {
      config: { roles: ADMINS },
      schema: {
        summary: "Replace a simulated system's latency, error rate and scripted failures",
        tags: TAGS,
        params: z.strictObject({ system: name }),
        body: simulatorSettingsSchema,
      },
    },
    async (request) => {
      const { system } = request.params;
      if (!isSystem(system)) throw new OrdoError('NOT_FOUND', `No southbound system ${system}; known: ${SYSTEMS.join(', ')}`);
      return putSystemSettings(db, system, request.body);
    },
  );

  app.get(
    '/api/simulator/systems',
    { config: { roles: OPERATORS }, schema: { summary: 'List every southbound system with its simulator settings', tags: TAGS } },
    async () => {
      const stored = new Map((await listSystemSettings(db)).map((s) => [s.system, s.settings]));
      return SYSTEMS.map((system) => ({ system, settings: stored.get(system) ?? DEFAULT_SIMULATOR_SETTINGS }));
    },
  );

  app.get(
    '/api/simulator/effects',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'The effects the simulator applied, oldest first',
        tags: TAGS,
        querystring: z.strictObject({ orderId: name.optional(), system: z.enum(SYSTEMS).optional(), operation: name.optional() }),
      },
    },
    async (request) => listEffects(db, request.query),
  );
};

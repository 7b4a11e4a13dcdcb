import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { SystemName } from '../domain/plan.js';
import { DEFAULT_SIMULATOR_SETTINGS, type ScriptedFailure, type SimulatorSettings } from '../domain/simulator.js';
import { type Db, preparedPerDatabase } from './client.js';
import { simulatorEffects, simulatorSystems } from './schema.js';

/** The simulator's state: settings per system, and the log of effects it applied. */
export interface SystemSettings {
  system: SystemName;
  settings: SimulatorSettings;
}

export interface SimulatorEffect {
  idempotencyKey: string;
  system: string;
  operation: string;
  orderId: string;
  orderItemId: string;
  taskId: string;
  input: Record<string, unknown>;
  output: Record<string, unknown>;
  at: string;
}

export type NewSimulatorEffect = Omit<SimulatorEffect, 'at'>;

const lookupQuery = preparedPerDatabase((db) =>
  db
    .select({ settings: simulatorSystems.settings, output: simulatorEffects.output })
    .from(sql`(select 1) as call`)
    .leftJoin(simulatorSystems, eq(simulatorSystems.system, sql.placeholder('system')))
    .leftJoin(simulatorEffects, eq(simulatorEffects.idempotencyKey, sql.placeholder('idempotencyKey')))
    .prepare('simulator_lookup'),
);

/**
 * What a call needs to know first, in one round trip: the system's settings, and the output of
 * the effect its idempotency key already took (if it did).
 */
export async function lookupCall(db: Db, system: SystemName, idempotencyKey: string): Promise<{ settings: SimulatorSettings; done?: Record<string, unknown> }> {
  const [row] = await lookupQuery(db).execute({ system, idempotencyKey });
  return { settings: (row?.settings as SimulatorSettings | null) ?? DEFAULT_SIMULATOR_SETTINGS, ...(row?.output ? { done: row.output } : {}) };
}

/** Replaces the settings of `system` (validated by the caller) and returns what was stored. */
export async function putSystemSettings(db: Db, system: SystemName, settings: SimulatorSettings): Promise<SimulatorSettings> {
  const [row] = await db
    .insert(simulatorSystems)
    .values({ system, settings })
    .onConflictDoUpdate({ target: simulatorSystems.system, set: { settings: sql`excluded.settings`, updatedAt: sql`now()` } })
    .returning({ settings: simulatorSystems.settings });
  return row!.settings as SimulatorSettings;
}

/** The systems that have settings stored; the others run with the defaults. */
export async function listSystemSettings(db: Db): Promise<SystemSettings[]> {
  const rows = await db.select().from(simulatorSystems).orderBy(asc(simulatorSystems.system));
  return rows.map((r) => ({ system: r.system as SystemName, settings: r.settings as SimulatorSettings }));
}

/**
 * Consumes one scripted failure of `system` for a call of `operation`, if one is due. A single
 * UPDATE decrements the count only while it is positive (and the operation matches), so two
 * concurrent callers never both consume the last one: the second re-reads the row and finds 0.
 */
export async function consumeScriptedFailure(db: Db, system: SystemName, operation: string): Promise<ScriptedFailure | undefined> {
  const failNext = sql`${simulatorSystems.settings} -> 'failNext'`;
  const count = sql`(${failNext} ->> 'count')::int`;
  const [row] = await db
    .update(simulatorSystems)
    .set({ settings: sql`jsonb_set(${simulatorSystems.settings}, '{failNext,count}', to_jsonb(${count} - 1))`, updatedAt: sql`now()` })
    .where(
      and(
        eq(simulatorSystems.system, system),
        sql`${count} > 0`,
        sql`coalesce(${failNext} ->> 'operation', ${operation}) = ${operation}`,
      ),
    )
    .returning({ failNext: sql`${failNext}`.mapWith(simulatorSystems.settings) });
  return row?.failNext as ScriptedFailure | undefined;
}

export async function findEffect(db: Db, idempotencyKey: string): Promise<SimulatorEffect | undefined> {
  const [row] = await db.select().from(simulatorEffects).where(eq(simulatorEffects.idempotencyKey, idempotencyKey)).limit(1);
  return row ? toEffect(row) : undefined;
}

/**
 * Records an effect once per idempotency key. When another caller recorded the same key first,
 * its effect stands and is returned instead: the caller must answer with that one.
 */
export async function recordEffect(db: Db, effect: NewSimulatorEffect): Promise<SimulatorEffect> {
  const [inserted] = await db.insert(simulatorEffects).values(effect).onConflictDoNothing({ target: simulatorEffects.idempotencyKey }).returning();
  if (inserted) return toEffect(inserted);
  const stored = await findEffect(db, effect.idempotencyKey);
  if (!stored) throw new Error(`Effect ${effect.idempotencyKey} neither inserted nor found`);
  return stored;
}

export interface EffectFilter {
  orderId?: string;
  system?: string;
  operation?: string;
}

/** The effect log, oldest first. */
export async function listEffects(db: Db, filter: EffectFilter = {}): Promise<SimulatorEffect[]> {
  const where: SQL[] = [];
  if (filter.orderId) where.push(eq(simulatorEffects.orderId, filter.orderId));
  if (filter.system) where.push(eq(simulatorEffects.system, filter.system));
  if (filter.operation) where.push(eq(simulatorEffects.operation, filter.operation));
  const rows = await db
    .select()
    .from(simulatorEffects)
    .where(and(...where))
    .orderBy(asc(simulatorEffects.at), asc(simulatorEffects.idempotencyKey));
  return rows.map(toEffect);
}

const toEffect = (row: typeof simulatorEffects.$inferSelect): SimulatorEffect => ({ ...row, at: row.at.toISOString() });

import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { SystemName } from '../domain/plan.js';
import { DEFAULT_SIMULATOR_SETTINGS, type ScriptedFailure, type SimulatorSettings } from '../domain/simulator.js';
import { type Db, rowsOf } from './client.js';
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

/** A system that takes no time and fails no call: its calls need nothing but their effect recorded. */
const PLAIN = sql.raw(
  `coalesce((settings ->> 'latencyMs')::int, 0) = 0 and coalesce((settings ->> 'errorRate')::float8, 0) = 0 and coalesce((settings -> 'failNext' ->> 'count')::int, 0) = 0`,
);

/**
 * A call in one round trip: the system's settings and the output of the effect its idempotency
 * key already took; or — the system being plain and the key new — the effect recorded now (its
 * output returned). `output` is absent when the caller must take the slower path: a system with
 * latency or failures to play, or a concurrent attempt that recorded the key meanwhile.
 */
export async function recordPlainCall(db: Db, effect: NewSimulatorEffect): Promise<{ settings: SimulatorSettings; output?: Record<string, unknown> }> {
  const [row] = rowsOf<{ settings: SimulatorSettings | null; output: Record<string, unknown> | null }>(
    await db.execute(sql`
      with sys as (select settings from simulator_systems where system = ${effect.system}),
      done as (select output from simulator_effects where idempotency_key = ${effect.idempotencyKey}),
      recorded as (
        insert into simulator_effects (idempotency_key, system, operation, order_id, order_item_id, task_id, input, output)
        select ${effect.idempotencyKey}, ${effect.system}, ${effect.operation}, ${effect.orderId}, ${effect.orderItemId}, ${effect.taskId},
               ${JSON.stringify(effect.input)}::jsonb, ${JSON.stringify(effect.output)}::jsonb
        where not exists (select from done) and not exists (select from sys where not (${PLAIN}))
        on conflict (idempotency_key) do nothing
        returning output)
      select (select settings from sys) as settings, coalesce((select output from recorded), (select output from done)) as output`),
  );
  return { settings: row?.settings ?? DEFAULT_SIMULATOR_SETTINGS, ...(row?.output ? { output: row.output } : {}) };
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

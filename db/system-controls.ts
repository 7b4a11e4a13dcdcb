import { eq, sql } from 'drizzle-orm';
import type { SystemName } from '../domain/plan.js';
import { type Db, preparedPerDatabase } from './client.js';
import { systemControls } from './schema.js';

export interface SystemControl {
  system: string;
  paused: boolean;
  reason: string | null;
  changedBy: string;
  changedAt: Date;
}

const pausedQuery = preparedPerDatabase((db) =>
  db.select({ paused: systemControls.paused }).from(systemControls).where(eq(systemControls.system, sql.placeholder('system'))).limit(1).prepare('system_paused'),
);

/** Asked before every southbound call: prepared. */
export async function isSystemPaused(db: Db, system: SystemName): Promise<boolean> {
  const [row] = await pausedQuery(db).execute({ system });
  return row?.paused ?? false;
}

/** Pauses or resumes a system (idempotent upsert). */
export async function setSystemPaused(db: Db, system: SystemName, paused: boolean, by: string, reason?: string): Promise<SystemControl> {
  const [row] = await db
    .insert(systemControls)
    .values({ system, paused, reason: reason ?? null, changedBy: by })
    .onConflictDoUpdate({ target: systemControls.system, set: { paused, reason: reason ?? null, changedBy: by, changedAt: sql`now()` } })
    .returning();
  return row!;
}

export async function listSystemControls(db: Db): Promise<SystemControl[]> {
  return db.select().from(systemControls).orderBy(systemControls.system);
}

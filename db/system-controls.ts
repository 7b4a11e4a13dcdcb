import { eq, sql } from 'drizzle-orm';
import type { SystemName } from '../domain/plan.js';
import type { Db } from './client.js';
import { systemControls } from './schema.js';

export interface SystemControl {
  system: string;
  paused: boolean;
  reason: string | null;
  changedBy: string;
  changedAt: Date;
}

export async function isSystemPaused(db: Db, system: SystemName): Promise<boolean> {
  const [row] = await db.select({ paused: systemControls.paused }).from(systemControls).where(eq(systemControls.system, system)).limit(1);
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

import { and, eq, isNull } from 'drizzle-orm';
import type { Role } from '../domain/roles.js';
import type { Db } from './client.js';
import { apiKeys } from './schema.js';

export interface StoredKey {
  id: string;
  role: Role;
}

/** Stores a key by its hash; storing the same key again is a no-op. */
export async function storeApiKey(db: Db, key: { id: string; role: Role; keyHash: string; label?: string }): Promise<void> {
  await db.insert(apiKeys).values({ id: key.id, role: key.role, keyHash: key.keyHash, label: key.label ?? null }).onConflictDoNothing();
}

export async function findApiKeyByHash(db: Db, keyHash: string): Promise<StoredKey | undefined> {
  const [row] = await db
    .select({ id: apiKeys.id, role: apiKeys.role })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row ? { id: row.id, role: row.role as Role } : undefined;
}

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashKey, keyIdOf } from '../api/auth.js';
import { storeApiKey } from '../db/api-keys.js';
import type { Db } from '../db/client.js';
import { isRole, ROLES, type Role } from '../domain/roles.js';

export const newApiKey = () => `ordo_${randomBytes(24).toString('base64url')}`;

/** Stores a new key for `role` (hashed) and returns the key, which is shown once. */
export async function createApiKey(db: Db, role: Role, label?: string): Promise<{ id: string; key: string }> {
  const key = newApiKey();
  const keyHash = hashKey(key);
  await storeApiKey(db, { id: keyIdOf(keyHash), role, keyHash, ...(label ? { label } : {}) });
  return { id: keyIdOf(keyHash), key };
}

/**
 * One key per role for local use, kept in `<dataDir>/dev-keys.json` as `{role: key}` so they stay
 * the same across restarts; (re)stored hashed in the database each start.
 */
export async function ensureDevKeys(db: Db, dataDir: string): Promise<Record<Role, string>> {
  const file = join(dataDir, 'dev-keys.json');
  const existing: Partial<Record<Role, string>> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const keys = Object.fromEntries(ROLES.map((role) => [role, existing[role] ?? newApiKey()])) as Record<Role, string>;
  for (const [role, key] of Object.entries(keys)) {
    if (!isRole(role)) continue;
    const keyHash = hashKey(key);
    await storeApiKey(db, { id: keyIdOf(keyHash), role, keyHash, label: 'dev' });
  }
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}

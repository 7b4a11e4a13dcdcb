import { loadErrorClassifier } from '../db/catalog.js';
import type { Db } from '../db/client.js';
import type { ClassifierRule } from '../domain/fallout.js';

/**
 * The catalog's classifier rules, re-read at most every `ttlMs`: failures are rare, but a burst of
 * them (a system down) must not become a burst of catalog reads. A catalog change applies within
 * the TTL.
 */
export function cachedClassifierRules(db: Db, ttlMs = 10_000): () => Promise<ClassifierRule[]> {
  let cached: { rules: ClassifierRule[]; at: number } | undefined;
  return async () => {
    if (!cached || Date.now() - cached.at > ttlMs) cached = { rules: await loadErrorClassifier(db), at: Date.now() };
    return cached.rules;
  };
}

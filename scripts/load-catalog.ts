/**
 * `npm run catalog:load -- path/to/catalog.json`: checks a catalog file (schema, then the rules of
 * `checkCatalog`) and replaces the catalog of the configured database with it. Prints every error
 * with its path and stores nothing when the file is not valid. Orders in flight keep their plans.
 */
import { readFileSync } from 'node:fs';
import { replaceCatalog } from '../db/catalog.js';
import { parseCatalog } from '../domain/catalog-schema.js';
import { loadConfig } from '../runtime/config.js';
import { runMain } from '../runtime/process.js';
import { openConfiguredDatabase } from '../runtime/stack.js';

runMain(async () => {
  const [path] = process.argv.slice(2);
  if (!path) throw new Error('usage: npm run catalog:load -- path/to/catalog.json');
  const { catalog, errors } = parseCatalog(readJson(path));
  if (errors) {
    console.error(`${path}: ${errors.length} error${errors.length === 1 ? '' : 's'}`);
    for (const e of errors) console.error(`  ${e.path || '(root)'}: ${e.message}${e.rule ? ` [${e.rule}]` : ''}`);
    process.exit(1);
  }
  const database = await openConfiguredDatabase(loadConfig());
  await database.migrate();
  await replaceCatalog(database.db, catalog);
  await database.close();
  console.log(`Loaded ${path}: ${catalog.offerings.length} offerings, ${catalog.specifications.length} specifications.`);
});

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    console.error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

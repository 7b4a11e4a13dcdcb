/** `npm run catalog:export [-- path]`: writes DEMO_CATALOG as JSON (default `catalog/demo-catalog.json`). */
import { writeFileSync } from 'node:fs';
import { DEMO_CATALOG } from '../domain/catalog.js';

const path = process.argv[2] ?? 'catalog/demo-catalog.json';
writeFileSync(path, `${JSON.stringify(DEMO_CATALOG, null, 2)}\n`);
console.log(`Wrote ${path}`);

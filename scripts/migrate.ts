/** `npm run migrate`: applies the committed SQL migrations to DATABASE_URL (or the embedded PGlite). */
import { loadConfig } from '../runtime/config.js';
import { runMain } from '../runtime/process.js';
import { openConfiguredDatabase } from '../runtime/stack.js';

runMain(async () => {
  const database = await openConfiguredDatabase(loadConfig());
  await database.migrate();
  await database.close();
  console.log(`Migrations applied (${database.kind}).`);
});

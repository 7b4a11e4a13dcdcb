/** `npm run api-key -- create <role> [label]`: stores a new API key (hashed) and prints it once. */
import { isRole, ROLES } from '../domain/roles.js';
import { loadConfig } from '../runtime/config.js';
import { createApiKey } from '../runtime/dev-keys.js';
import { runMain } from '../runtime/process.js';
import { openConfiguredDatabase } from '../runtime/stack.js';

runMain(async () => {
  const [command, role, label] = process.argv.slice(2);
  if (command !== 'create' || !role || !isRole(role)) {
    throw new Error(`usage: npm run api-key -- create <role> [label]   (roles: ${ROLES.join(', ')})`);
  }
  const database = await openConfiguredDatabase(loadConfig());
  await database.migrate();
  const { id, key } = await createApiKey(database.db, role, label);
  await database.close();
  console.log(`Created ${role} key ${id}. Keep it now; it is not shown again:\n${key}`);
});

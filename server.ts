/**
 * Production entry: the HTTP API alone, against TEMPORAL_ADDRESS and DATABASE_URL.
 * Workers run separately (`worker.ts`); migrations are applied by `npm run migrate`.
 */
import { loadConfig } from './runtime/config.js';
import { startEventDispatcher } from './runtime/event-dispatcher.js';
import { onShutdown, runMain } from './runtime/process.js';
import { buildConfiguredApp, openConfiguredDatabase, waitForNamespace } from './runtime/stack.js';
import { connectClient, temporalConnectionOptions } from './runtime/temporal.js';
import { configureNotificationWebhook } from './db/events.js';

runMain(async () => {
  const config = loadConfig();
  if (!config.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required (npm start runs the embedded stack instead)');
  const database = await openConfiguredDatabase(config);
  const temporal = await connectClient(temporalConnectionOptions(config, config.TEMPORAL_ADDRESS), config.TEMPORAL_NAMESPACE);
  await waitForNamespace(temporal);
  const app = await buildConfiguredApp(config, database, temporal);
  await app.listen({ port: config.PORT, host: config.HOST });
  await configureNotificationWebhook(database.db, config.NOTIFICATION_WEBHOOK_URL);
  const dispatcher = startEventDispatcher(database.db, { log: app.log });
  onShutdown(async () => {
    await dispatcher.stop();
    await app.close();
    await temporal.connection.close();
    await database.close();
  });
});

/**
 * `npm start`: the whole of Ordo on one machine with nothing installed — the Temporal dev server
 * (unless TEMPORAL_ADDRESS is set), PGlite (unless DATABASE_URL is set), migrations, the demo
 * catalog, dev API keys, and the worker and API in this one process.
 */
import { mkdirSync } from 'node:fs';
import { TMF622_BASE } from '../api/app.js';
import { listOfferings, storeCatalog } from '../db/catalog.js';
import { DEMO_CATALOG } from '../domain/catalog.js';
import { loadConfig, publicUrl } from '../runtime/config.js';
import { ensureDevKeys } from '../runtime/dev-keys.js';
import { type DevServer, startDevServer } from '../runtime/dev-server.js';
import { startEventDispatcher } from '../runtime/event-dispatcher.js';
import { onShutdown, runMain } from '../runtime/process.js';
import { buildConfiguredApp, createConfiguredWorker, openConfiguredDatabase, waitForNamespace } from '../runtime/stack.js';
import { ensureTemporalCli } from '../runtime/temporal-cli.js';
import { connectClient, connectWorker, installRuntime, temporalConnectionOptions } from '../runtime/temporal.js';
import { configureNotificationWebhook } from '../db/events.js';

runMain(async () => {
  const config = loadConfig();
  installRuntime(config.LOG_LEVEL);
  mkdirSync(config.DATA_DIR, { recursive: true });
  const cleanups: Array<() => Promise<unknown>> = [];
  onShutdown(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e: unknown) => console.error(e));
  });

  let devServer: DevServer | undefined;
  let address = config.TEMPORAL_ADDRESS;
  if (!address) {
    const cli = await ensureTemporalCli();
    devServer = await startDevServer({ cli, dataDir: config.DATA_DIR, port: config.TEMPORAL_PORT, uiPort: config.TEMPORAL_UI_PORT });
    cleanups.push(() => devServer!.stop());
    address = devServer.address;
  }

  const database = await openConfiguredDatabase(config);
  cleanups.push(() => database.close());
  await database.migrate();
  // The demo catalog seeds an empty database only: a catalog loaded since is the team's own.
  if ((await listOfferings(database.db)).length === 0) await storeCatalog(database.db, DEMO_CATALOG);
  const devKeys = config.API_KEYS ? undefined : await ensureDevKeys(database.db, config.DATA_DIR);

  const options = temporalConnectionOptions(config, address);
  const temporal = await connectClient(options, config.TEMPORAL_NAMESPACE);
  cleanups.push(() => temporal.connection.close());
  await waitForNamespace(temporal);

  const connection = await connectWorker(options);
  const worker = await createConfiguredWorker(config, database, connection);
  const running = worker.run();
  cleanups.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
  });

  const app = await buildConfiguredApp(config, database, temporal);
  await app.listen({ port: config.PORT, host: config.HOST });
  cleanups.push(() => app.close());
  await configureNotificationWebhook(database.db, config.NOTIFICATION_WEBHOOK_URL);
  const dispatcher = startEventDispatcher(database.db, { log: app.log });
  cleanups.push(() => dispatcher.stop());

  const base = publicUrl(config);
  console.log(
    [
      '',
      'Ordo is running.',
      `  API            ${base}${TMF622_BASE}/productOrder`,
      `  API docs       ${base}/docs`,
      `  Temporal UI    ${devServer ? devServer.uiUrl : `(your cluster at ${address})`}`,
      `  Database       ${database.kind === 'pglite' ? `PGlite in ${config.DATA_DIR}/pglite` : 'DATABASE_URL'}`,
      devKeys ? `  API keys       ${config.DATA_DIR}/dev-keys.json\n${Object.entries(devKeys).map(([role, key]) => `                 ${role.padEnd(19)} ${key}`).join('\n')}` : '  API keys       from API_KEYS',
      '',
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
});

/**
 * Production entry: a Temporal worker for Ordo's task queue, against TEMPORAL_ADDRESS and
 * DATABASE_URL. Run as many as the load needs; they share the task queue.
 */
import { loadConfig } from './runtime/config.js';
import { onShutdown, runMain } from './runtime/process.js';
import { createConfiguredWorker, openConfiguredDatabase } from './runtime/stack.js';
import { connectWorker, installRuntime, temporalConnectionOptions } from './runtime/temporal.js';

runMain(async () => {
  const config = loadConfig();
  installRuntime(config.LOG_LEVEL);
  if (!config.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required (npm start runs the embedded stack instead)');
  const database = await openConfiguredDatabase(config);
  const connection = await connectWorker(temporalConnectionOptions(config, config.TEMPORAL_ADDRESS));
  const worker = await createConfiguredWorker(config, database, connection);
  const running = worker.run();
  onShutdown(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
    await database.close();
  });
  await running;
});

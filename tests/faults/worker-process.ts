/**
 * A worker in a process of its own, so a fault test can SIGKILL it: the production wiring of
 * `worker.ts` (config from the environment, the real database, the simulator), except that it is
 * given a prebuilt workflow bundle (`WORKFLOW_BUNDLE_PATH`) so a restart takes seconds, not a
 * webpack run. Prints `ready` once it polls its task queue.
 *
 *   TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, DATABASE_URL, WORKFLOW_BUNDLE_PATH
 */
import { writeSync } from 'node:fs';
import { loadConfig } from '../../runtime/config.js';
import { onShutdown, runMain } from '../../runtime/process.js';
import { createConfiguredWorker, openConfiguredDatabase } from '../../runtime/stack.js';
import { connectWorker, installRuntime, temporalConnectionOptions } from '../../runtime/temporal.js';

runMain(async () => {
  const config = loadConfig();
  installRuntime('warn');
  if (!config.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required');
  const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
  const database = await openConfiguredDatabase(config);
  const connection = await connectWorker(temporalConnectionOptions(config, config.TEMPORAL_ADDRESS));
  // The fault harness sets no SOUTHBOUND_*_URL: every system is the built-in simulator.
  const worker = await createConfiguredWorker(config, database, connection, bundlePath ? { codePath: bundlePath } : undefined);
  const running = worker.run();
  writeSync(1, `ready ${process.pid}\n`);
  onShutdown(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
    await database.close();
  });
  await running;
});

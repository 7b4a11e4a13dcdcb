/**
 * The HTTP API in a process of its own (the wiring of `server.ts`: config from the environment,
 * `buildConfiguredApp`), listening on a free loopback port, which it prints as `listening <port>`.
 *
 * Fault hook, in this harness only (api/ is untouched): with `FAULT_KILL_AFTER_WORKFLOW_STARTS=k`,
 * the Temporal client's `workflow.start` is wrapped so that once the k-th start has returned — the
 * order's workflow exists on the server — the process SIGKILLs itself, before `submitOrder` returns
 * and before Fastify writes the reply. Each successful start is printed first (`started <workflowId>`)
 * so the test knows which orders exist without the client having heard of them.
 */
import { writeSync } from 'node:fs';
import { loadConfig } from '../../runtime/config.js';
import { onShutdown, runMain } from '../../runtime/process.js';
import { buildConfiguredApp, openConfiguredDatabase, waitForNamespace } from '../../runtime/stack.js';
import { connectClient, temporalConnectionOptions } from '../../runtime/temporal.js';

runMain(async () => {
  const config = loadConfig();
  if (!config.TEMPORAL_ADDRESS) throw new Error('TEMPORAL_ADDRESS is required');
  const database = await openConfiguredDatabase(config);
  const temporal = await connectClient(temporalConnectionOptions(config, config.TEMPORAL_ADDRESS), config.TEMPORAL_NAMESPACE);
  await waitForNamespace(temporal);

  const killAfter = Number(process.env.FAULT_KILL_AFTER_WORKFLOW_STARTS ?? 0);
  if (killAfter > 0) {
    const start = temporal.workflow.start.bind(temporal.workflow);
    let started = 0;
    temporal.workflow.start = (async (...args: Parameters<typeof start>) => {
      const handle = await start(...args);
      writeSync(1, `started ${handle.workflowId}\n`);
      if (++started >= killAfter) process.kill(process.pid, 'SIGKILL');
      return handle;
    }) as typeof temporal.workflow.start;
  }

  const app = await buildConfiguredApp(config, database, temporal);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  writeSync(1, `listening ${typeof address === 'object' && address ? address.port : 0}\n`);
  onShutdown(async () => {
    await app.close();
    await temporal.connection.close();
    await database.close();
  });
});

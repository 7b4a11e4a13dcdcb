/**
 * `npm run replay:record`: runs each replay scenario on a throwaway dev server and writes its
 * event history to tests/replay/histories/. Commit the files: CI replays them against the current
 * workflow code (tests/replay), so a change that would break running orders fails the build.
 * Record a new scenario when the workflow gains a path; never re-record an old one to make a
 * failing replay pass — use `patched()` in the workflow instead.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { storeCatalog } from '../db/catalog.js';
import { openDatabase } from '../db/client.js';
import { findOrder } from '../db/orders.js';
import { DEMO_CATALOG } from '../domain/catalog.js';
import { acknowledgeOrder } from '../domain/order.js';
import { runMain } from '../runtime/process.js';
import { ensureTemporalCli } from '../runtime/temporal-cli.js';
import { createWorker, installRuntime } from '../runtime/temporal.js';
import { orderWorkflowId, type OrderWorkflowInput } from '../workflows/messages.js';
import { ORDO_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { createSouthbound } from '../activities/southbound/registry.js';

const OUT = join('tests', 'replay', 'histories');

runMain(async () => {
  installRuntime('warn');
  const cli = await ensureTemporalCli();
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: cli }, searchAttributes: ORDO_SEARCH_ATTRIBUTES } });
  const database = await openDatabase({ pglite: 'memory' });
  await database.migrate();
  await storeCatalog(database.db, DEMO_CATALOG);
  const taskQueue = 'record-histories';
  const worker = await createWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue, deps: { db: database.db, southbound: createSouthbound(database.db, {}) } });

  try {
    await worker.runUntil(async () => {
      // Scenario: an order acknowledged and projected, waiting for approval.
      const id = randomUUID();
      const { order, transitions } = acknowledgeOrder(
        {
          externalId: 'PO-replay-1',
          relatedParty: [{ id: 'CUST-replay', role: 'customer', '@referredType': 'Organization' }],
          productOrderItem: [{ id: '1', action: 'add', productOffering: { id: 'internet-access' }, product: { productCharacteristic: [{ name: 'speedMbps', value: 100 }] } }],
        },
        { id, href: `http://localhost:3000/tmf-api/productOrderingManagement/v4/productOrder/${id}`, orderDate: new Date().toISOString(), actor: 'api_client:key_replay' },
      );
      const input: OrderWorkflowInput = { order, transitions, requestHash: 'replay' };
      const handle = await env.client.workflow.start('orderWorkflow', { workflowId: orderWorkflowId(id), taskQueue, args: [input] });
      while (!(await findOrder(database.db, id))) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500)); // let the workflow task after the projection complete
      mkdirSync(OUT, { recursive: true });
      // The CLI's JSON is the format operators export from any cluster (`temporal workflow show`).
      const json = execFileSync(cli, ['workflow', 'show', '--address', env.address, '--workflow-id', handle.workflowId, '--output', 'json']);
      writeFileSync(join(OUT, 'order-awaiting-approval.json'), json);
      await handle.terminate('recorded');
    });
  } finally {
    await database.close();
    await env.teardown();
  }
  console.log(`Histories written to ${OUT}`);
});

/**
 * `npm run replay:record`: runs each replay scenario on a throwaway dev server and writes its
 * event history to tests/replay/histories/. Commit the files: CI replays them against the current
 * workflow code (tests/replay), so a change that would break running orders fails the build.
 * Record a new scenario when the workflow gains a path; never re-record an old one to make a
 * failing replay pass — use `patched()` in the workflow instead. Pass scenario names to record
 * only those.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createSouthbound } from '../activities/southbound/registry.js';
import { loadCatalog, storeCatalog } from '../db/catalog.js';
import { openDatabase, type Database } from '../db/client.js';
import { putSystemSettings } from '../db/simulator.js';
import { DEMO_CATALOG } from '../domain/catalog.js';
import { acknowledgeOrder, offeringIdsOf } from '../domain/order.js';
import type { ProductOrderCreate } from '../domain/tmf622/schemas.js';
import { runMain } from '../runtime/process.js';
import { ensureTemporalCli } from '../runtime/temporal-cli.js';
import { createWorker, installRuntime } from '../runtime/temporal.js';
import {
  assignFalloutUpdate,
  completeTaskUpdate,
  decideApprovalUpdate,
  decideChangeUpdate,
  getOrderQuery,
  orderWorkflowId,
  type OrderWorkflowInput,
  requestChangeUpdate,
  resolveFalloutUpdate,
} from '../workflows/messages.js';
import { ORDO_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

const OUT = join('tests', 'replay', 'histories');
const TASK_QUEUE = 'record-histories';
const customer = [{ id: 'CUST-replay', role: 'customer', '@referredType': 'Organization' }];
const internet = (id: string) => ({ id, action: 'add' as const, productOffering: { id: 'internet-access' }, product: { productCharacteristic: [{ name: 'speedMbps', value: 100 }] } });

interface Scenario {
  order: ProductOrderCreate;
  /** Started as the API starts orders now: with the catalog the order was accepted with. */
  withCatalog?: boolean;
  /** Drives the order (updates) and resolves when the history is complete enough to record. */
  drive(client: Client, workflowId: string, db: Database): Promise<void>;
}

const until = async (probe: () => Promise<boolean>) => {
  while (!(await probe())) await new Promise((r) => setTimeout(r, 50));
};
const ended = (client: Client, workflowId: string) => client.workflow.getHandle(workflowId).result().then(() => undefined);
const firstOpenFallout = async (handle: ReturnType<Client['workflow']['getHandle']>): Promise<string> => {
  for (;;) {
    const open = (await handle.query(getOrderQuery)).fallouts.find((f) => f.state === 'open');
    if (open) return open.id;
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** Recorded alongside the fallout scenarios, a modem's configuration may be refused: retry it. */
async function retryFalloutsUntilCompleted(handle: ReturnType<Client['workflow']['getHandle']>): Promise<void> {
  for (let view = await handle.query(getOrderQuery); view.order.state !== 'completed'; view = await handle.query(getOrderQuery)) {
    const open = view.fallouts.find((f) => f.state === 'open');
    if (open) await handle.executeUpdate(resolveFalloutUpdate, { args: [{ falloutId: open.id, action: 'retry', note: 'firmware fixed', actor: 'fulfilment_agent:replay' }] });
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An enterprise order: wait for approval, change its dates, approve the change, approve the order. */
async function changeThenApprove(client: Client, workflowId: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  await until(async () => (await handle.query(getOrderQuery)).order.subState === 'awaitingApproval');
  const actions = [{ action: 'changeDates' as const, requestedCompletionDate: '2030-01-01T00:00:00Z' }];
  const request = await handle.executeUpdate(requestChangeUpdate, { args: [{ actions, reason: 'customer moved the date', actor: 'order_agent:replay' }] });
  await handle.executeUpdate(decideChangeUpdate, { args: [{ changeRequestId: request.id, decision: 'approve', actor: 'fulfilment_manager:replay' }] });
  await handle.executeUpdate(decideApprovalUpdate, { args: [{ decision: 'approve', actor: 'fulfilment_manager:replay' }] });
  await retryFalloutsUntilCompleted(handle);
  await ended(client, workflowId);
}

/** The probe's human task with a 1 s SLA: every band passes, then an agent completes it, late. */
const jeopardyBreach: Scenario = {
  order: { category: 'residential', relatedParty: customer, productOrderItem: [{ id: '1', action: 'add', productOffering: { id: 'replay-probe' } }], requestedCompletionDate: new Date(Date.now() + 60_000).toISOString() },
  async drive(client, workflowId) {
    const handle = client.workflow.getHandle(workflowId);
    // Let the 1 s SLA of the probe's human task pass every band, then complete it.
    await until(async () => (await handle.query(getOrderQuery)).order.jeopardyLevel === 'critical');
    const task = (await handle.query(getOrderQuery)).plans[0]!.tasks[0]!;
    await handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: task.id, actor: 'fulfilment_agent:replay', note: 'late' }] });
    await ended(client, workflowId);
  },
};

/** A manager rejects an order awaiting approval. */
async function rejectByManager(client: Client, workflowId: string): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  await until(async () => (await handle.query(getOrderQuery)).order.subState === 'awaitingApproval');
  await handle.executeUpdate(decideApprovalUpdate, { args: [{ decision: 'reject', reason: 'credit check failed', actor: 'fulfilment_manager:replay' }] });
  await ended(client, workflowId);
}

/** The modem's configuration falls out: a manager assigns it, an agent patches the speed and retries. */
const falloutPatchAndRetry: Scenario = {
  order: { category: 'residential', relatedParty: customer, productOrderItem: [internet('1')] },
  async drive(client, workflowId) {
    const handle = client.workflow.getHandle(workflowId);
    const fallout = await firstOpenFallout(handle);
    await handle.executeUpdate(assignFalloutUpdate, { args: [{ falloutId: fallout, assignee: 'noc', actor: 'fulfilment_manager:replay' }] });
    await handle.executeUpdate(resolveFalloutUpdate, { args: [{ falloutId: fallout, action: 'patchAndRetry', patch: { speedMbps: 500 }, note: 'profile retired', actor: 'fulfilment_agent:replay' }] });
    // Recorded on its own, the scripted refusals are all this order's: the retry may fall out again.
    await retryFalloutsUntilCompleted(handle);
    await ended(client, workflowId);
  },
};

/** The bench's demo order (3 internet lines, automatic approval), started as the API starts it. */
const demoOrder: Scenario = {
  order: { category: 'residential', relatedParty: customer, productOrderItem: [internet('1'), internet('2'), internet('3')] },
  withCatalog: true,
  async drive(client, workflowId) {
    await retryFalloutsUntilCompleted(client.workflow.getHandle(workflowId));
    await ended(client, workflowId);
  },
};

const SCENARIOS: Record<string, Scenario> = {
  'enterprise-sdwan-completed': {
    order: {
      category: 'enterprise',
      relatedParty: customer,
      productOrderItem: [
        { id: '1', action: 'add', productOffering: { id: 'sdwan-service-package' }, product: { productCharacteristic: [{ name: 'siteName', value: 'Lyon' }, { name: 'wanOptimisation', value: true }] } },
        { id: '2', action: 'add', productOffering: { id: 'sdwan-service-package' }, product: { productCharacteristic: [{ name: 'siteName', value: 'Lille' }, { name: 'siteContact', value: 'Ana' }] } },
      ],
    },
    async drive(client, workflowId) {
      const handle = client.workflow.getHandle(workflowId);
      await until(async () => (await handle.query(getOrderQuery)).enrichment.length > 0);
      await handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: '1:enrich-siteContact', actor: 'order_agent:replay', value: 'Bo' }] });
      await until(async () => (await handle.query(getOrderQuery)).order.subState === 'awaitingApproval');
      await handle.executeUpdate(decideApprovalUpdate, { args: [{ decision: 'approve', actor: 'fulfilment_manager:replay' }] });
      for (;;) {
        const view = await handle.query(getOrderQuery);
        if (view.order.state === 'completed') break;
        const ready = view.plans.flatMap((p) => p.tasks).filter((t) => t.type === 'human' && t.state === 'ready');
        for (const task of ready) await handle.executeUpdate(completeTaskUpdate, { args: [{ taskId: task.id, actor: 'fulfilment_agent:replay', note: 'installed' }] });
        await new Promise((r) => setTimeout(r, 50));
      }
      await ended(client, workflowId);
    },
  },
  'jeopardy-breach-then-completed': jeopardyBreach,
  'rejected-by-manager': {
    order: { category: 'enterprise', relatedParty: customer, productOrderItem: [internet('1')] },
    drive: rejectByManager,
  },
  'fallout-abort-item-partial': {
    order: { category: 'residential', relatedParty: customer, productOrderItem: [internet('1'), { id: '2', action: 'add', quantity: 2, productOffering: { id: 'branch-router' } }] },
    async drive(client, workflowId) {
      const handle = client.workflow.getHandle(workflowId);
      const fallout = await firstOpenFallout(handle);
      await handle.executeUpdate(resolveFalloutUpdate, { args: [{ falloutId: fallout, action: 'abortItem', note: 'customer withdrew the line', actor: 'fulfilment_agent:replay' }] });
      await ended(client, workflowId);
    },
  },
  'fallout-patch-and-retry': falloutPatchAndRetry,
  'change-speed-applied': {
    order: { category: 'residential', relatedParty: customer, productOrderItem: [internet('1')] },
    async drive(client, workflowId) {
      const handle = client.workflow.getHandle(workflowId);
      // The modem's configuration fell out (allocated, not configured): change the speed, approve.
      await firstOpenFallout(handle);
      const actions = [{ action: 'changeCharacteristic' as const, itemId: '1', characteristics: [{ name: 'speedMbps', value: 500 }] }];
      const request = await handle.executeUpdate(requestChangeUpdate, { args: [{ actions, reason: 'upgrade', actor: 'order_agent:replay' }] });
      await handle.executeUpdate(decideChangeUpdate, { args: [{ changeRequestId: request.id, decision: 'approve', actor: 'fulfilment_manager:replay' }] });
      await retryFalloutsUntilCompleted(handle);
      await ended(client, workflowId);
    },
  },
  // Lean history (ADR 0008): batched projections, one shared timer, the catalog in the input.
  'lean-demo-order-completed': demoOrder,
  'lean-jeopardy-breach-then-completed': { ...jeopardyBreach, withCatalog: true },
  // The shared timer cancelled once the plan has finished (alarm-closed-when-plan-finished).
  'alarm-closed-demo-order-completed': demoOrder,
  'alarm-closed-jeopardy-breach-then-completed': { ...jeopardyBreach, withCatalog: true },
  'lean-change-then-approved': {
    order: { category: 'enterprise', relatedParty: customer, productOrderItem: [internet('1')] },
    withCatalog: true,
    drive: changeThenApprove,
  },
  // Updates answered with a local projection, in the workflow task that takes them (answers-projected-locally).
  'local-answer-change-then-approved': {
    order: { category: 'enterprise', relatedParty: customer, productOrderItem: [internet('1')] },
    withCatalog: true,
    drive: changeThenApprove,
  },
  'local-answer-rejected-by-manager': {
    order: { category: 'enterprise', relatedParty: customer, productOrderItem: [internet('1')] },
    withCatalog: true,
    drive: rejectByManager,
  },
  'local-answer-fallout-patch-and-retry': { ...falloutPatchAndRetry, withCatalog: true },
};

runMain(async () => {
  installRuntime('warn');
  const only = process.argv.slice(2);
  const cli = await ensureTemporalCli();
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: cli }, searchAttributes: ORDO_SEARCH_ATTRIBUTES } });
  const database = await openDatabase({ pglite: 'memory' });
  try {
    await database.migrate();
    // The demo catalog plus a probe: one human task with a 1 s SLA (jeopardy scenario).
    await storeCatalog(database.db, {
      ...DEMO_CATALOG,
      offerings: [...DEMO_CATALOG.offerings, { id: 'replay-probe', name: 'probe', description: 'probe', category: 'residential', productSpecificationId: 'replay-probe', characteristics: [] }],
      specifications: [...DEMO_CATALOG.specifications, { id: 'replay-probe', name: 'probe', kind: 'product', tasks: [{ id: 'work', name: 'Work', type: 'human', assignmentGroup: 'desk', slaMs: 1000 }] }],
    });
    // The fallout scenarios: each one's modem configuration is refused once, for good.
    await putSystemSettings(database.db, 'cpe', { latencyMs: 0, errorRate: 0, failNext: { count: 2, operation: 'configureModem', code: 'MODEM_FIRMWARE_REJECTED', message: 'firmware refused', retryable: false } });
    const worker = await createWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue: TASK_QUEUE, deps: { db: database.db, southbound: createSouthbound(database.db, {}) } });
    await worker.runUntil(async () => {
      mkdirSync(OUT, { recursive: true });
      for (const [name, scenario] of Object.entries(SCENARIOS)) {
        if (only.length > 0 && !only.includes(name)) continue;
        const id = randomUUID();
        const ack = { id, href: `http://localhost:3000/tmf-api/productOrderingManagement/v4/productOrder/${id}`, orderDate: new Date().toISOString(), actor: 'api_client:replay' };
        const acknowledged = acknowledgeOrder(scenario.order, ack);
        const input: OrderWorkflowInput = { ...acknowledged, requestHash: 'replay', ...(scenario.withCatalog ? { catalog: await loadCatalog(database.db, offeringIdsOf(scenario.order)) } : {}) };
        const workflowId = orderWorkflowId(id);
        await env.client.workflow.start('orderWorkflow', { workflowId, taskQueue: TASK_QUEUE, args: [input] });
        await scenario.drive(env.client, workflowId, database);
        // The CLI's JSON is the format operators export from any cluster (`temporal workflow show`).
        const json = execFileSync(cli, ['workflow', 'show', '--address', env.address, '--workflow-id', workflowId, '--output', 'json'], { maxBuffer: 64 * 1024 * 1024 });
        writeFileSync(join(OUT, `${name}.json`), json);
        console.log(`recorded ${name}`);
      }
    });
  } finally {
    await database.close();
    await env.teardown();
  }
});

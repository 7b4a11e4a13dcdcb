/**
 * `npm run fault:drill [-- --orders 100 --kills 5 --outage 20 --seed 7 --only worker-kill,api-kill]`
 *
 * The fault scenarios of tests/faults/ at a larger scale, on a stack of their own: a file-backed
 * Temporal dev server, a fresh Postgres database (a server is required: the worker runs in its own
 * process), worker and API processes. Prints what each fault did, how long the orders took to drain
 * and the invariant checker's verdict; exits 1 when any invariant is broken.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_CATALOG } from '../domain/catalog.js';
import { runMain } from '../runtime/process.js';
import { ensureTemporalCli } from '../runtime/temporal-cli.js';
import { bundleWorkflows, installRuntime } from '../runtime/temporal.js';
import type { FaultEnv } from '../tests/faults/harness.js';
import { apiKillScenario, approvalKillScenario, postgresOutageScenario, type ScenarioReport, summarise, temporalRestartScenario, workerKillScenario } from '../tests/faults/scenarios.js';
import { startFileBackedServer } from '../tests/faults/temporal-server.js';
import { createTestDatabase } from '../tests/support/postgres.js';

const SCENARIOS = ['worker-kill', 'approval-kill', 'temporal-restart', 'postgres-outage', 'api-kill'] as const;

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '100' },
    kills: { type: 'string', default: '5' },
    restarts: { type: 'string', default: '2' },
    outage: { type: 'string', default: '20' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    signal: { type: 'string', default: 'SIGKILL' },
    only: { type: 'string', default: SCENARIOS.join(',') },
    'demo-retries': { type: 'boolean', default: false },
    /** A prebuilt workflow bundle to drill instead of bundling the workflows of this checkout. */
    bundle: { type: 'string' },
  },
});
const orders = Number(values.orders);
const seed = Number(values.seed);
const only = values.only!.split(',');
const unknown = only.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
if (unknown.length > 0 || !(orders > 0) || !['SIGKILL', 'SIGTERM'].includes(values.signal!)) {
  console.error(`usage: npm run fault:drill -- [--orders N] [--kills K] [--restarts R] [--outage SECONDS] [--seed S] [--signal SIGKILL|SIGTERM] [--demo-retries] [--bundle FILE] [--only ${SCENARIOS.join(',')}]`);
  process.exit(2);
}

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

runMain(async () => {
  installRuntime('warn');
  const [cli, bundle, postgres] = await Promise.all([
    ensureTemporalCli(log),
    values.bundle ? { code: readFileSync(values.bundle, 'utf8') } : bundleWorkflows(),
    createTestDatabase(),
  ]);
  if (!postgres) throw new Error('The fault drill needs a Postgres server (DATABASE_URL or 127.0.0.1:5432).');
  const work = mkdtempSync(join(tmpdir(), 'ordo-drill-'));
  const bundlePath = join(work, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const shared = await startFileBackedServer({ cli, dataDir: join(work, 'temporal') });
  // The demo catalog's own retry policies (3 attempts) instead of the harness's raised ones.
  const catalog = values['demo-retries'] ? DEMO_CATALOG : undefined;
  const env: FaultEnv = { temporalAddress: shared.address, temporalCli: cli, bundlePath, templateDatabaseUrl: postgres.url, log };
  log(`seed ${seed}, ${orders} orders per scenario, ${catalog ? "the demo catalog's retry policies" : 'raised retry policies'}, Temporal at ${shared.address}, Postgres ${new URL(postgres.url).pathname.slice(1)}`);

  const drainTimeoutMs = Math.max(180_000, orders * 3_000);
  const scenarios: Record<(typeof SCENARIOS)[number], () => Promise<ScenarioReport>> = {
    'worker-kill': () => workerKillScenario(env, { orders, kills: Number(values.kills), seed, killWindowMs: 4000, drainTimeoutMs, catalog }),
    'approval-kill': () => approvalKillScenario(env, { orders, seed, drainTimeoutMs, catalog }),
    'temporal-restart': () => temporalRestartScenario(env, { orders, restarts: Number(values.restarts), signal: values.signal as 'SIGKILL' | 'SIGTERM', drainTimeoutMs, catalog }),
    'postgres-outage': () => postgresOutageScenario(env, { orders, outageMs: Number(values.outage) * 1000, drainTimeoutMs, catalog }),
    'api-kill': () => apiKillScenario(env, { orders, seed, drainTimeoutMs, catalog }),
  };
  const reports: ScenarioReport[] = [];
  try {
    for (const name of only) {
      log(`${name}: starting`);
      const report = await scenarios[name as (typeof SCENARIOS)[number]]();
      reports.push(report);
      log(`${name}: ${report.violations.length === 0 ? 'PASS' : `FAIL (${report.violations.length} violations)`}${report.workerCrashes.length ? `, ${report.workerCrashes.length} worker crash(es)` : ''}`);
    }
  } finally {
    await shared.close();
    await postgres.drop();
    rmSync(work, { recursive: true, force: true });
  }

  console.log(`\nFault drill — seed ${seed}, ${orders} orders per scenario\n`);
  for (const r of reports) console.log(`${summarise(r)}\n`);
  // A worker that crashed on its own was restarted (as a supervisor would), but that is a failure too.
  const failed = reports.filter((r) => r.violations.length > 0 || r.workerCrashes.length > 0);
  console.log(`\n${reports.length - failed.length}/${reports.length} scenarios kept every invariant.`);
  process.exit(failed.length > 0 ? 1 : 0);
});

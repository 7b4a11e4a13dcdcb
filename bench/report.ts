import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/client.js';
import { ensureTemporalCli } from '../runtime/temporal-cli.js';
import type { startBenchStack } from './stack.js';

/** One open-loop step: offered rate, what completed, how fast, how long each took. */
export interface Step {
  rate: number;
  submitted: number;
  completed: number;
  achievedPerSecond: number;
  submitToCompletedMs: { p50: number; p99: number };
  /** CPU per completed order by part (this process, the Temporal server, Postgres), from /proc. */
  cpuMsPerOrder: { ordo: number; temporal: number; postgres: number; total: number; ordoMainThread: number };
  ids: string[];
}

export const quantile = (values: number[], q: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
export const ms = (n: number) => Math.round(n * 10) / 10;

/** CPU, memory and the versions of every part measured. */
export async function machine(stack: Awaited<ReturnType<typeof startBenchStack>>) {
  const [pg] = rowsOf<{ version: string }>(await stack.database.db.execute(sql`select version()`));
  const cli = execFileSync(await ensureTemporalCli(), ['--version']).toString().trim();
  const sdk = (JSON.parse(readFileSync('node_modules/@temporalio/worker/package.json', 'utf8')) as { version: string }).version;
  return {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    database: stack.databaseKind,
    postgres: pg?.version.split(' on ')[0],
    temporal: cli,
    temporalSdk: sdk,
    worker: 'SDK defaults; worker + API + projections in one process (as npm start)',
    code: codeVersion(),
  };
}

/** The commit measured, and whether the checkout differed from it: runs compared before and after a change say which is which. */
function codeVersion(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return changed ? `${commit} with uncommitted changes` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

type Stats = { p50: number; p99: number; n?: number };

export function markdown(r: Record<string, unknown>): string {
  const out = [`# Ordo benchmark ${String(r.at)}`, '', `Machine: ${JSON.stringify(r.machine)}`, `Settings: ${JSON.stringify(r.settings)}`, ''];
  const steps = (title: string, s: { steps: Step[]; sustained: number; stateTransitionsPerOrder: number; historyEvents?: Record<string, number>; failedWorkflowTasks?: Record<string, number> }) => {
    out.push(`## ${title}: sustained ${s.sustained} orders/s, ${s.stateTransitionsPerOrder} state transitions per order`, '');
    out.push('| offered (orders/s) | submitted | completed | achieved (orders/s) | submit→completed p50 (ms) | p99 (ms) | CPU ms per order: Ordo process (main thread) / Temporal / Postgres = total |', '|---|---|---|---|---|---|---|');
    for (const x of s.steps) {
      const cpu = x.cpuMsPerOrder;
      out.push(`| ${x.rate} | ${x.submitted} | ${x.completed} | ${x.achievedPerSecond} | ${x.submitToCompletedMs.p50} | ${x.submitToCompletedMs.p99} | ${cpu.ordo} (${cpu.ordoMainThread}) / ${cpu.temporal} / ${cpu.postgres} = ${cpu.total} |`);
    }
    out.push('');
    if (s.historyEvents) out.push(`History of one: ${Object.entries(s.historyEvents).map(([type, n]) => `${type} ${n}`).join(', ')}`, '');
    if (s.failedWorkflowTasks) {
      const failed = Object.entries(s.failedWorkflowTasks);
      out.push(failed.length === 0 ? 'Failed workflow tasks: none' : `Failed workflow tasks: ${failed.map(([why, n]) => `${n} × ${why}`).join('; ')}`, '');
    }
  };
  if (r.b1) steps('B1 Ordo, demo 3-item order', r.b1 as never);
  const floor = r.floor as { projections?: number } | undefined;
  if (floor) steps(`B1-floor, bare Temporal, same shape (3 chains × 4 no-op activities${floor.projections ? `, + ${floor.projections} for the projections` : ''})`, floor as never);
  if (r.ordoOverFloor !== undefined) out.push(`Ordo ÷ floor (sustained rates): ${String(r.ordoOverFloor)}`, '');
  const line = (label: string, s: Stats | undefined) => s && out.push(`${label}: p50 ${s.p50} ms, p99 ${s.p99} ms${s.n ? ` (n=${s.n})` : ''}`);
  const b2 = r.b2 as (Stats & { rate: number }) | undefined;
  if (b2) line(`B2 POST productOrder at ${b2.rate} orders/s (50 % of B1)`, b2);
  const b3 = r.b3 as Record<string, Stats> | undefined;
  line('B3 change request (Update) round trip', b3?.changeRequest);
  line('B3 change decision (Update) round trip', b3?.changeDecision);
  line('B3 approval (Update) round trip', b3?.approval);
  const b4 = r.b4 as { getById: Stats; list100: Stats; getJustSubmitted?: Stats } | undefined;
  line('B4 GET productOrder/{id}', b4?.getById);
  line('B4 GET productOrder list (100)', b4?.list100);
  line('B4 GET productOrder/{id} right after its POST (before the first projection)', b4?.getJustSubmitted);
  if (r.b5) out.push(`B5 capacity: ${JSON.stringify(r.b5)}`);
  out.push(`Process RSS at the end (API + worker in one process): ${String(r.processRssMiB)} MiB`, '');
  return out.join('\n');
}

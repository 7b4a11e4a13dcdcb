/**
 * `npm run bench`: measures Ordo on this machine and writes bench/results/<time>.{json,md}.
 *   B1  throughput: the demo 3-item order (auto-approved, simulator latency 0) submitted at fixed
 *       arrival rates stepping up (open loop); per rate, p50/p99 submit → completed and whether
 *       every order completed within the drain window.
 *   B2  accept latency of POST productOrder (sequential).
 *   B4  read latency of GET productOrder/{id} and of the list.
 * Numbers go in notes and results files, never in timed test assertions.
 */
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { inArray, notInArray } from 'drizzle-orm';
import { orders as ordersTable } from '../db/schema.js';
import { TERMINAL_ORDER } from '../domain/rollup.js';
import { runMain } from '../runtime/process.js';
import { startBenchStack } from './stack.js';

const RATES = (process.env.BENCH_RATES ?? '2,4,8').split(',').map(Number);
const SECONDS_PER_RATE = Number(process.env.BENCH_SECONDS ?? 15);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);

const PATH = '/tmf-api/productOrderingManagement/v4/productOrder';
let counter = 0;
const demoOrder = () => ({
  externalId: `BENCH-${Date.now()}-${++counter}`,
  category: 'residential',
  relatedParty: [{ id: `CUST-${counter % 97}`, role: 'customer', '@referredType': 'Individual' }],
  productOrderItem: ['1', '2', '3'].map((id) => ({ id, action: 'add', productOffering: { id: 'internet-access' }, product: { productCharacteristic: [{ name: 'speedMbps', value: 100 }] } })),
});

const quantile = (values: number[], q: number) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const ms = (n: number) => Math.round(n * 10) / 10;

runMain(async () => {
  const stack = await startBenchStack();
  const post = async () => {
    const t0 = performance.now();
    const res = await fetch(`${stack.base}${PATH}`, { method: 'POST', headers: stack.headers, body: JSON.stringify(demoOrder()) });
    const body = (await res.json()) as { id: string };
    if (res.status !== 201) throw new Error(`POST ${res.status}: ${JSON.stringify(body)}`);
    return { id: body.id, ms: performance.now() - t0 };
  };

  try {
    // Warm-up: bundle caches, connection pools, JIT.
    for (let i = 0; i < 10; i++) await post();

    await drain(stack);
    const b2 = [];
    for (let i = 0; i < SAMPLES; i++) b2.push((await post()).ms);
    // Each phase starts on a quiet system: the orders of the one before have completed.
    await drain(stack);

    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await post()).id);
    await drain(stack);
    const getOne = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = performance.now();
      await (await fetch(`${stack.base}${PATH}/${ids[i % ids.length]}`, { headers: stack.headers })).json();
      getOne.push(performance.now() - t0);
    }
    const getList = [];
    for (let i = 0; i < SAMPLES / 4; i++) {
      const t0 = performance.now();
      await (await fetch(`${stack.base}${PATH}?limit=100`, { headers: stack.headers })).json();
      getList.push(performance.now() - t0);
    }

    const b1 = [];
    for (const rate of RATES) {
      await drain(stack);
      b1.push(await throughputStep(stack, post, rate));
    }

    const result = {
      at: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, database: stack.databaseKind },
      settings: { rates: RATES, secondsPerRate: SECONDS_PER_RATE, samples: SAMPLES, order: '3 × internet-access, residential (auto-approved), simulator latency 0' },
      b1,
      b2: { p50: ms(quantile(b2, 0.5)), p99: ms(quantile(b2, 0.99)), n: b2.length },
      b4: { getById: { p50: ms(quantile(getOne, 0.5)), p99: ms(quantile(getOne, 0.99)) }, list100: { p50: ms(quantile(getList, 0.5)), p99: ms(quantile(getList, 0.99)) } },
      processRssMiB: Math.round(stack.workerMemory() / 2 ** 20),
    };
    const stamp = result.at.replace(/[:.]/g, '-');
    writeFileSync(`bench/results/${stamp}.json`, `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(`bench/results/${stamp}.md`, markdown(result));
    console.log(markdown(result));
  } finally {
    await stack.close();
  }

  /** Waits until no order is open (bounded: a stuck order would show in the numbers anyway). */
  async function drain(s: typeof stack) {
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const open = await s.database.db.select({ id: ordersTable.id }).from(ordersTable).where(notInArray(ordersTable.state, TERMINAL_ORDER)).limit(1);
      if (open.length === 0) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async function throughputStep(s: typeof stack, submit: typeof post, rate: number) {
    const submitted: Array<{ id: string; at: number }> = [];
    const started = Date.now();
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < rate * SECONDS_PER_RATE; i++) {
      const due = started + (i * 1000) / rate;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      pending.push(submit().then((r) => void submitted.push({ id: r.id, at: Date.now() })));
    }
    await Promise.all(pending);
    const deadline = Date.now() + 120_000;
    let done: Array<{ id: string; completionDate: string | undefined }> = [];
    while (Date.now() < deadline) {
      const rows = await s.database.db.select({ id: ordersTable.id, state: ordersTable.state, body: ordersTable.body }).from(ordersTable).where(inArray(ordersTable.id, submitted.map((x) => x.id)));
      done = rows.filter((r) => r.state === 'completed').map((r) => ({ id: r.id, completionDate: r.body.completionDate }));
      if (done.length === submitted.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const at = new Map(submitted.map((x) => [x.id, x.at]));
    const latencies = done.map((d) => Date.parse(d.completionDate!) - at.get(d.id)!);
    const lastCompletion = Math.max(...done.map((d) => Date.parse(d.completionDate!)));
    return {
      rate,
      submitted: submitted.length,
      completed: done.length,
      achievedPerSecond: ms(done.length / ((lastCompletion - started) / 1000)),
      submitToCompletedMs: { p50: ms(quantile(latencies, 0.5)), p99: ms(quantile(latencies, 0.99)) },
    };
  }
});

function markdown(r: {
  at: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  b1: Array<{ rate: number; submitted: number; completed: number; achievedPerSecond: number; submitToCompletedMs: { p50: number; p99: number } }>;
  b2: { p50: number; p99: number; n: number };
  b4: { getById: { p50: number; p99: number }; list100: { p50: number; p99: number } };
  processRssMiB: number;
}): string {
  return [
    `# Ordo benchmark ${r.at}`,
    '',
    `Machine: ${JSON.stringify(r.machine)}`,
    `Settings: ${JSON.stringify(r.settings)}`,
    '',
    '| B1 rate (orders/s) | submitted | completed | achieved (orders/s) | submit→completed p50 (ms) | p99 (ms) |',
    '|---|---|---|---|---|---|',
    ...r.b1.map((s) => `| ${s.rate} | ${s.submitted} | ${s.completed} | ${s.achievedPerSecond} | ${s.submitToCompletedMs.p50} | ${s.submitToCompletedMs.p99} |`),
    '',
    `B2 POST productOrder, back to back (n=${r.b2.n}, each order then fulfilled in the same process): p50 ${r.b2.p50} ms, p99 ${r.b2.p99} ms`,
    `B4 GET productOrder/{id}: p50 ${r.b4.getById.p50} ms, p99 ${r.b4.getById.p99} ms; GET list (100): p50 ${r.b4.list100.p50} ms, p99 ${r.b4.list100.p99} ms`,
    `Process RSS (API + worker in one process): ${r.processRssMiB} MiB`,
    '',
  ].join('\n');
}

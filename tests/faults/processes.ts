import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

/** A child process of the harness: its stdout lines, and how it ended. */
export interface Child {
  pid: number;
  process: ChildProcess;
  lines: string[];
  /** Resolves with the signal (or exit code) once the process has exited. */
  exited: Promise<NodeJS.Signals | number | null>;
  /** Resolves with the first stdout line matching `pattern` (rejects if the process exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(signal: NodeJS.Signals): void;
  /** Whether the process is still running. */
  alive(): boolean;
  /** The last few kB it wrote to stderr. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Runs a TypeScript entry of this repository with tsx, in a process of its own. */
export function spawnTs(entry: string, env: Record<string, string>, label = entry): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, entry)], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; done: (m: RegExpMatchArray) => void }> = [];
  let stderr = '';
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        const match = line.match(w.pattern);
        if (match) {
          waiters.splice(waiters.indexOf(w), 1);
          w.done(match);
        }
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(signal ?? code);
    }),
  );
  const handle: Child = {
    pid: child.pid!,
    process: child,
    lines,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      const seen = lines.map((l) => l.match(pattern)).find((m) => m);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${label}: no line matching ${pattern} within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
        waiters.push({
          pattern,
          done: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
        void exited.then((how) => {
          clearTimeout(timer);
          reject(new Error(`${label} exited (${how}) before printing ${pattern}\n${stderr}`));
        });
      });
    },
    alive: () => child.exitCode === null && child.signalCode === null,
    stderr: () => stderr,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return handle;
}

export interface WorkerSettings {
  temporalAddress: string;
  taskQueue: string;
  databaseUrl: string;
  bundlePath: string;
}

/** Starts a worker process (tests/faults/worker-process.ts) and waits until it polls. */
export async function startWorkerProcess(s: WorkerSettings): Promise<Child> {
  const child = spawnTs(
    'tests/faults/worker-process.ts',
    { TEMPORAL_ADDRESS: s.temporalAddress, TEMPORAL_TASK_QUEUE: s.taskQueue, DATABASE_URL: s.databaseUrl, WORKFLOW_BUNDLE_PATH: s.bundlePath },
    'worker process',
  );
  await child.waitFor(/^ready /);
  return child;
}

export interface ApiSettings {
  temporalAddress: string;
  taskQueue: string;
  databaseUrl: string;
  /** `role:key,…` as in API_KEYS. */
  apiKeys: string;
  /** Kill the process right after this many workflow starts have returned (0: never). */
  killAfterWorkflowStarts?: number;
}

/** Starts an API process (tests/faults/api-process.ts); resolves with it and its base URL. */
export async function startApiProcess(s: ApiSettings): Promise<{ child: Child; base: string }> {
  const child = spawnTs(
    'tests/faults/api-process.ts',
    {
      TEMPORAL_ADDRESS: s.temporalAddress,
      TEMPORAL_TASK_QUEUE: s.taskQueue,
      DATABASE_URL: s.databaseUrl,
      API_KEYS: s.apiKeys,
      PUBLIC_URL: 'http://ordo.fault',
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'silent',
      FAULT_KILL_AFTER_WORKFLOW_STARTS: String(s.killAfterWorkflowStarts ?? 0),
    },
    'API process',
  );
  const [, port] = await child.waitFor(/^listening (\d+)/);
  return { child, base: `http://127.0.0.1:${port}` };
}

/** A worker process that exited without being asked to. */
export interface Crash {
  at: number;
  how: NodeJS.Signals | number | null;
  /** The end of what it wrote to stderr. */
  stderr: string;
}

/** A worker process kept running the way a process supervisor would: restarted when it exits on its own. */
export interface SupervisedWorker {
  current(): Child;
  readonly crashes: Crash[];
  alive(): boolean;
  stderr(): string;
  stop(): Promise<void>;
}

export async function superviseWorker(s: WorkerSettings): Promise<SupervisedWorker> {
  const crashes: Crash[] = [];
  let stopping = false;
  let child = await startWorkerProcess(s);
  const watch = (c: Child) =>
    void c.exited.then(async (how) => {
      if (stopping || c !== child) return;
      crashes.push({ at: Date.now(), how, stderr: c.stderr().slice(-3000) });
      try {
        const next = await startWorkerProcess(s);
        if (stopping) return void (await next.stop());
        child = next;
        watch(next);
      } catch (error) {
        crashes.push({ at: Date.now(), how: null, stderr: `restart failed: ${(error as Error).message}` });
      }
    });
  watch(child);
  return {
    current: () => child,
    crashes,
    alive: () => child.alive(),
    stderr: () => child.stderr(),
    async stop() {
      stopping = true;
      await child.stop();
    },
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { devServerArgs, portOpen } from '../../runtime/dev-server.js';

/**
 * A Temporal dev server of the fault harness's own, file-backed (`<dataDir>/temporal.db`) on a fixed
 * port, that can be crashed (SIGKILL) or stopped (SIGTERM) and started again on the same port and
 * the same file — what `npm start` runs (runtime/dev-server.ts, same flags), minus the UI.
 */
export interface FileBackedServer {
  address: string;
  port: number;
  dbFile: string;
  /** Ends the server with `signal` and waits until it has exited and its port is closed. */
  halt(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts it again on the same port and file (after `halt`). */
  start(): Promise<void>;
  /** Halts it for good (SIGTERM, SIGKILL after 10 s). */
  close(): Promise<void>;
}

export async function startFileBackedServer(opts: { cli: string; dataDir: string; port?: number }): Promise<FileBackedServer> {
  mkdirSync(opts.dataDir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const dbFile = join(opts.dataDir, 'temporal.db');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  /**
   * One start. The dev server picks its other ports (HTTP API, metrics, internal services) itself,
   * each checked free and released before it binds them: another process can take one meanwhile,
   * and the server then panics at start-up. Such an exit before the gRPC port opened is retried
   * (three attempts); a server that never comes up still fails, with the head of its stderr (where
   * Go writes the panic's reason) and the tail.
   */
  const startOnce = async (): Promise<'up' | string> => {
    const args = devServerArgs({ port, dbFile, ui: 'headless' });
    const proc = spawn(opts.cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.length > 8000) stderr = `${stderr.slice(0, 3000)}\n…\n${stderr.slice(-3000)}`;
    });
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + 60_000;
    while (!(await portOpen(port))) {
      if (proc.exitCode !== null) {
        child = undefined;
        return `The Temporal dev server exited (code ${proc.exitCode}):\n${stderr}`;
      }
      if (Date.now() > deadline) throw new Error(`The Temporal dev server did not open port ${port} within 60 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return 'up';
  };

  const start = async () => {
    if (child) throw new Error('the Temporal dev server is already running');
    let outcome = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      outcome = await startOnce();
      if (outcome === 'up') return;
    }
    throw new Error(outcome);
  };

  const halt = async (signal: 'SIGKILL' | 'SIGTERM') => {
    const proc = child;
    if (!proc) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    child = undefined;
    while (await portOpen(port)) await new Promise((r) => setTimeout(r, 50));
  };

  await start();
  return {
    address: `127.0.0.1:${port}`,
    port,
    dbFile,
    halt,
    start,
    async close() {
      await halt('SIGTERM');
      process.off('exit', killOnExit);
    },
  };
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

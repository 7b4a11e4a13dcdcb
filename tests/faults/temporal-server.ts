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

  const start = async () => {
    if (child) throw new Error('the Temporal dev server is already running');
    const args = devServerArgs({ port, dbFile, ui: 'headless' });
    const proc = spawn(opts.cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + 60_000;
    while (!(await portOpen(port))) {
      if (proc.exitCode !== null) throw new Error(`The Temporal dev server exited (code ${proc.exitCode}):\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`The Temporal dev server did not open port ${port} within 60 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
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

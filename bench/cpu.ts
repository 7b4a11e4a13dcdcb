import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds used so far, by part: this process (API, worker, bench client), the Temporal server, Postgres. */
export type CpuSnapshot = Record<'ordo' | 'ordoMainThread' | 'temporal' | 'postgres', number>;

/** Linux reports process times in clock ticks; 100 per second on every kernel we run on. */
const TICKS_PER_SECOND = 100;

/**
 * Reads /proc: where an order's CPU goes, so a bench step can say which part to make cheaper.
 * Postgres backends that exit between two snapshots are missed (the bench's pool keeps its own).
 * Elsewhere than Linux every part reads 0.
 */
export function cpuSnapshot(): CpuSnapshot {
  const snapshot: CpuSnapshot = { ordo: 0, ordoMainThread: readStat(`${process.pid}/task/${process.pid}`)?.seconds ?? 0, temporal: 0, postgres: 0 };
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return snapshot;
  }
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat) continue;
    // The bench's own dev server is its child; another one left running on the machine is not counted.
    const part = Number(pid) === process.pid ? 'ordo' : stat.comm === 'temporal' && stat.ppid === process.pid ? 'temporal' : stat.comm.startsWith('postgres') ? 'postgres' : undefined;
    if (part) snapshot[part] += stat.seconds;
  }
  return snapshot;
}

/** CPU milliseconds per order of each part between two snapshots. */
export function cpuPerOrder(before: CpuSnapshot, after: CpuSnapshot, orders: number) {
  const per = (part: keyof CpuSnapshot) => Math.round(((after[part] - before[part]) * 1000) / Math.max(1, orders));
  const parts = { ordo: per('ordo'), temporal: per('temporal'), postgres: per('postgres') };
  // The rest of Ordo's process: the workflow thread, V8's compiler and GC helpers, the SDK's Rust core.
  return { ...parts, total: parts.ordo + parts.temporal + parts.postgres, ordoMainThread: per('ordoMainThread') };
}

function readStat(path: string): { comm: string; ppid: number; seconds: number } | undefined {
  try {
    const text = readFileSync(`/proc/${path}/stat`, 'utf8');
    // The command name sits in parentheses and may hold spaces; the fields after it are fixed.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // ppid, utime and stime are fields 4, 14 and 15 of the whole line: 1, 11 and 12 after the name.
    return { comm, ppid: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined; // the process ended meanwhile
  }
}

import { condition } from '@temporalio/workflow';

interface Waiter {
  at: number;
  summary: string;
  rang: boolean;
}

/**
 * One durable timer for all of an order's deadlines (SLA bands of its steps, progress the read
 * model has not had yet). It is armed for the earliest deadline and re-armed only when an earlier
 * one arrives; a waiter that is satisfied first just leaves. So a step that finishes before its
 * deadline costs no timer of its own, and an order that completes quickly records one timer
 * start, and one cancellation once its plan has finished (`close`) — where a timer per deadline
 * recorded a start and a cancel each.
 */
export class Alarm {
  private readonly waiters = new Set<Waiter>();
  private armedFor = Infinity;
  private running = false;
  private closed = false;

  /**
   * Waits until `ready` holds (true) or the deadline passes (false): `condition(ready, timeout)`
   * on the shared timer. `at` is epoch milliseconds of workflow time.
   */
  async until(ready: () => boolean, at: number, summary: string): Promise<boolean> {
    if (ready()) return true;
    const waiter: Waiter = { at, summary, rang: false };
    this.waiters.add(waiter);
    if (!this.running && !this.closed) void this.run();
    try {
      await condition(() => ready() || waiter.rang);
      return ready() || !waiter.rang;
    } finally {
      this.waiters.delete(waiter);
    }
  }

  /**
   * Cancels the timer and arms none again: for when no deadline can matter any more (the plan has
   * finished). Waiters still waiting are left to their conditions. A timer left armed could fire
   * while the order completes, and that workflow task would fail (UnhandledCommand) and be retried.
   */
  close(): void {
    this.closed = true;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let next = this.earliest(); next && !this.closed; next = this.earliest()) {
        this.armedFor = next.at;
        // Ends early (cancelling the timer) for an earlier deadline or when closed; otherwise it rings.
        const others = this.waiters.size - 1;
        const earlier = await condition(() => this.closed || (this.earliest()?.at ?? Infinity) < this.armedFor, Math.max(1, next.at - Date.now()), {
          summary: others > 0 ? `${next.summary} (and ${others} later)` : next.summary,
        });
        if (earlier) continue;
        const now = Date.now();
        for (const w of this.waiters) if (w.at <= now) w.rang = true;
      }
    } finally {
      this.running = false;
      this.armedFor = Infinity;
    }
  }

  private earliest(): Waiter | undefined {
    let first: Waiter | undefined;
    for (const w of this.waiters) if (!w.rang && (!first || w.at < first.at)) first = w;
    return first;
  }
}

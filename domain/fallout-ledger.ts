import { type Fallout, isFalloutOpen, type Resolution } from './fallout.js';

/** The fallout records of one order, with what changed since the last projection. */
export class FalloutLedger {
  private records: Fallout[] = [];
  private readonly dirty = new Set<string>();

  all(): readonly Fallout[] {
    return this.records;
  }

  get(id: string): Fallout | undefined {
    return this.records.find((f) => f.id === id);
  }

  /** The open fallout of a task, if any (a task has at most one at a time). */
  openFor(taskId: string): Fallout | undefined {
    return this.records.find((f) => f.taskId === taskId && isFalloutOpen(f));
  }

  openCount(): number {
    return this.records.filter(isFalloutOpen).length;
  }

  nextId(orderId: string): string {
    return `FO-${orderId}-${this.records.length + 1}`;
  }

  open(fallout: Fallout): Fallout {
    this.records.push(fallout);
    this.dirty.add(fallout.id);
    return fallout;
  }

  assign(id: string, assignee: string): Fallout {
    return this.patch(id, (f) => ({ ...f, assignee, state: f.state === 'open' ? 'inProgress' : f.state }));
  }

  resolve(id: string, resolution: Resolution): Fallout {
    return this.patch(id, (f) => ({ ...f, state: 'resolved', resolution, resolvedAt: resolution.at }));
  }

  /** After the resolved step went through (or the item/order it belonged to ended). */
  close(id: string, at: string, state: 'closed' | 'cancelled' = 'closed'): Fallout {
    return this.patch(id, (f) => ({ ...f, state, closedAt: at, ...(f.resolvedAt ? {} : { resolvedAt: at }) }));
  }

  takeChanges(): Fallout[] {
    const changed = this.records.filter((f) => this.dirty.has(f.id));
    this.dirty.clear();
    return changed;
  }

  private patch(id: string, change: (f: Fallout) => Fallout): Fallout {
    const current = this.get(id);
    if (!current) throw new Error(`no fallout ${id}`);
    const next = change(current);
    this.records = this.records.map((f) => (f.id === id ? next : f));
    this.dirty.add(id);
    return next;
  }
}

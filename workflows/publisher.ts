import { condition, patched, proxyActivities, proxyLocalActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import type { ProductRecord } from '../db/products.js';
import { renderOrderDetails } from '../domain/order-details.js';
import type { OrderRecord } from '../domain/order-record.js';
import type { Alarm } from './alarm.js';
import { JeopardyLevel, OpenFallouts, OrderState, PonrReached } from './search-attributes.js';

const projection = {
  startToCloseTimeout: '30 seconds',
  // The read model must catch up eventually: retry through a database outage, never give up.
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
const { projectOrder } = proxyActivities<OrderActivities>({ ...projection, summary: 'project order into the read model' });
/** The same projection run inside the workflow task, for a caller (an Update) that waits on it. */
const { projectOrder: projectOrderForCaller } = proxyLocalActivities<OrderActivities>({ ...projection, summary: 'project order into the read model (a caller waits)' });

/**
 * How far behind the read model may fall on routine progress (an automated step started or
 * finished) before it is projected on its own. Anything a person waits on is projected at once.
 * While progress keeps coming (a busy or overloaded system) the lag doubles after each catch-up,
 * up to MAX_PROGRESS_LAG_MS, so slow orders do not add projections to the load that slows them;
 * after a quiet minute it is back to PROGRESS_LAG_MS.
 */
export const PROGRESS_LAG_MS = 2000;
const MAX_PROGRESS_LAG_MS = 16_000;
const QUIET_MS = 60_000;

/**
 * Makes an order's changes visible: the read model, the search attributes and the live details
 * the Temporal UI shows (those two at once, always).
 *
 * The read model gets one projection at a time; every projection carries all changes made
 * before it started. `publish` is for changes someone waits on (a decision, a state change, a
 * fallout): it projects now and resolves once a projection holding the change has landed.
 * `note` is for routine progress: it rides along with the next projection, or is projected after
 * the progress lag. So a fast order makes a handful of projections, not one per step (ADR 0008).
 * `answer` is `publish` for a caller holding a request open (an Update): its projection is a
 * local activity, run inside the workflow task, so the Update is answered in that one workflow
 * task instead of after an activity task's round trip through the server (ADR 0011).
 *
 * Orders started before lean publishing (no alarm; replayed unchanged) project every change.
 */
export class Publisher {
  private revision = 0;
  /** Changes are numbered; `projected` is the newest one the read model holds. */
  private changes = 0;
  private projected = 0;
  private awaited = 0;
  /** The newest change a caller (an Update) waits on: projected by a local activity. */
  private answering = 0;
  private answersLocally: boolean | undefined;
  private pending = false;
  private flushing: Promise<void> | undefined;
  private catchingUp = false;
  private lagMs = PROGRESS_LAG_MS;
  private lastCatchUp = -Infinity;
  private products = new Map<string, ProductRecord>();
  private shownState = '';
  private shownPonr = false;
  private shownFallouts = 0;
  private shownJeopardy = 'none';

  constructor(
    private readonly record: OrderRecord,
    private readonly meta: { requestHash: string; idempotencyKey?: string },
    /** The order's shared timer; absent for orders from before lean publishing. */
    private readonly alarm?: Alarm,
  ) {
    if (this.lean) {
      // What the workflow was started with (the API sets them all) need not be set again.
      const started = workflowInfo().typedSearchAttributes;
      this.shownState = started.get(OrderState) ?? '';
      this.shownPonr = started.get(PonrReached) ?? false;
      this.shownFallouts = started.get(OpenFallouts) ?? 0;
      this.shownJeopardy = started.get(JeopardyLevel) ?? 'none';
    }
  }

  private get lean(): boolean {
    return this.alarm !== undefined;
  }

  get currentRevision() {
    return this.revision;
  }

  /** Records a change someone waits on; resolves when the read model has it. */
  publish(): Promise<void> {
    return this.project(false);
  }

  /** Records a change a caller (an Update) waits on; resolves when the read model has it. */
  answer(): Promise<void> {
    return this.project(true);
  }

  private project(forCaller: boolean): Promise<void> {
    const change = this.changed();
    this.pending = true;
    this.awaited = change;
    // Orders that answered with an activity task before this replay unchanged (the patch is asked once, at the first answer).
    if (forCaller && this.lean && (this.answersLocally ??= patched('answers-projected-locally'))) this.answering = change;
    this.flushing ??= this.flush();
    return this.lean ? condition(() => this.projected >= change) : this.flushing;
  }

  /** Records routine progress: projected with the next change, or after the progress lag at the latest. */
  note(): void {
    if (!this.lean) {
      void this.publish();
      return;
    }
    this.changed();
    if (!this.catchingUp) void this.catchUp();
  }

  /** Product inventory records, written with the next projection (in its transaction). */
  recordProducts(records: ProductRecord[]): void {
    for (const r of records) this.products.set(r.id, r);
  }

  private changed(): number {
    this.refreshOperatorView();
    return ++this.changes;
  }

  private async flush(): Promise<void> {
    try {
      while (this.lean ? this.projected < this.awaited : this.pending) {
        this.pending = false;
        const upTo = this.changes;
        if (this.lean) this.showSearchAttributes();
        this.revision += 1;
        const run = this.answering > this.projected ? projectOrderForCaller : projectOrder;
        await run({ ...this.record.takeChanges(), ...this.takeProducts(), revision: this.revision, requestHash: this.meta.requestHash, idempotencyKey: this.meta.idempotencyKey });
        this.projected = upTo;
      }
    } finally {
      // Cleared in the same tick the loop ends, so a later publish always starts a new flush.
      this.flushing = undefined;
    }
  }

  /** Waits up to the progress lag for a projection to take the progress along, else projects it. */
  private async catchUp(): Promise<void> {
    this.catchingUp = true;
    try {
      while (this.projected < this.changes) {
        const target = this.changes;
        if (Date.now() - this.lastCatchUp > QUIET_MS) this.lagMs = PROGRESS_LAG_MS;
        if (await this.alarm!.until(() => this.projected >= target, Date.now() + this.lagMs, 'progress not yet in the read model')) continue;
        this.lastCatchUp = Date.now();
        this.lagMs = Math.min(2 * this.lagMs, MAX_PROGRESS_LAG_MS);
        this.awaited = Math.max(this.awaited, target);
        this.flushing ??= this.flush();
        await condition(() => this.projected >= target);
      }
    } finally {
      this.catchingUp = false;
    }
  }

  private takeProducts(): { products?: ProductRecord[] } {
    if (this.products.size === 0) return {};
    const products = [...this.products.values()];
    this.products.clear();
    return { products };
  }

  /**
   * The live details at once; the search attributes at once too, or — lean — with each
   * projection (each upsert is a visibility write on the server).
   */
  private refreshOperatorView(): void {
    if (!this.lean) this.showSearchAttributes();
    setCurrentDetails(renderOrderDetails(this.record.order, this.record.plans, this.record.enrichment));
  }

  private showSearchAttributes(): void {
    const { order } = this.record;
    const ponr = this.record.ponrReached();
    const openFallouts = this.record.fallouts.openCount();
    const jeopardy = order.jeopardyLevel ?? 'none';
    if (order.state !== this.shownState || ponr !== this.shownPonr || openFallouts !== this.shownFallouts || jeopardy !== this.shownJeopardy) {
      upsertSearchAttributes([
        { key: OrderState, value: order.state },
        { key: PonrReached, value: ponr },
        { key: OpenFallouts, value: openFallouts },
        { key: JeopardyLevel, value: jeopardy },
      ]);
      this.shownState = order.state;
      this.shownPonr = ponr;
      this.shownFallouts = openFallouts;
      this.shownJeopardy = jeopardy;
    }
  }
}

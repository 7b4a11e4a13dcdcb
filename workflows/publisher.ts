import { proxyActivities, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import { renderOrderDetails } from '../domain/order-details.js';
import type { OrderRecord } from '../domain/order-record.js';
import { JeopardyLevel, OpenFallouts, OrderState, PonrReached } from './search-attributes.js';

const { projectOrder } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  // The read model must catch up eventually: retry through a database outage, never give up.
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  summary: 'project order into the read model',
});

/**
 * Makes an order's changes visible: the read model (one projection at a time; changes made while
 * one is in flight are coalesced into the next), the search attributes and the live details the
 * Temporal UI shows.
 */
export class Publisher {
  private revision = 0;
  private pending = false;
  private flushing: Promise<void> | undefined;
  private shownState = '';
  private shownPonr = false;
  private shownFallouts = 0;
  private shownJeopardy = 'none';

  constructor(
    private readonly record: OrderRecord,
    private readonly meta: { requestHash: string; idempotencyKey?: string },
  ) {}

  get currentRevision() {
    return this.revision;
  }

  /** Records that something changed and returns when the read model has it. */
  publish(): Promise<void> {
    this.pending = true;
    this.refreshOperatorView();
    this.flushing ??= this.flush();
    return this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending) {
        this.pending = false;
        this.revision += 1;
        await projectOrder({ ...this.record.takeChanges(), revision: this.revision, requestHash: this.meta.requestHash, idempotencyKey: this.meta.idempotencyKey });
      }
    } finally {
      // Cleared in the same tick the loop ends, so a later publish always starts a new flush.
      this.flushing = undefined;
    }
  }

  private refreshOperatorView(): void {
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
    setCurrentDetails(renderOrderDetails(order, this.record.plans, this.record.enrichment));
  }
}

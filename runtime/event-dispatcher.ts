import type { Db } from '../db/client.js';
import { claimDueDeliveries, type Delivery, markDelivered, markFailed } from '../db/events.js';
import { listenerUrl } from '../domain/events.js';

/** pino-shaped, so the API's logger can be passed as is. */
export interface DispatcherLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface EventDispatcherOptions {
  /** Pause between polls when nothing was due. */
  pollIntervalMs?: number;
  /** Deadline of one POST to a callback. */
  timeoutMs?: number;
  /** First retry delay; it doubles with each failed attempt. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Deliveries claimed per poll. */
  batchSize?: number;
  fetch?: typeof fetch;
  log?: DispatcherLog;
}

export interface EventDispatcher {
  /** Stops polling and waits for the batch in flight. */
  stop(): Promise<void>;
  /** Resolves once a poll started after this call found nothing due. */
  drain(): Promise<void>;
}

/** Delay before the next attempt after `attempts` failed ones: 1 s, 2 s, 4 s … capped. */
export function retryDelayMs(attempts: number, initialMs = 1000, maxMs = 300_000): number {
  return Math.min(initialMs * 2 ** Math.max(0, attempts - 1), maxMs);
}

const consoleLog: DispatcherLog = {
  warn: (details, message) => console.warn(message, details),
  error: (details, message) => console.error(message, details),
};

/**
 * Delivers the TMF622 event outbox to `/hub` subscribers: claims due deliveries, POSTs each event
 * to its callback, marks a 2xx delivered and reschedules anything else with exponential backoff.
 * At least once, and in order per (subscriber, order): the claim only ever hands out the lowest
 * undelivered event of each pair, and a claimed delivery is leased past the POST's deadline.
 * Nothing escapes the loop: a failure is logged and the next poll goes on.
 */
export function startEventDispatcher(db: Db, options: EventDispatcherOptions = {}): EventDispatcher {
  const {
    pollIntervalMs = 250,
    timeoutMs = 5000,
    initialBackoffMs = 1000,
    maxBackoffMs = 300_000,
    batchSize = 50,
    fetch: post = fetch,
    log = consoleLog,
  } = options;
  // Long enough that a POST still running when the lease ends has been aborted by its deadline.
  const leaseMs = timeoutMs * 2 + 1000;
  let stopping = false;
  let wake: (() => void) | undefined;
  let drainWaiters: Array<() => void> = [];

  async function deliver(d: Delivery): Promise<void> {
    const key = { subscriptionId: d.subscriptionId, eventSeq: d.eventSeq };
    const error = await send(d);
    if (error === undefined) return markDelivered(db, key);
    const attempts = d.attempts + 1;
    const delay = retryDelayMs(attempts, initialBackoffMs, maxBackoffMs);
    log.warn({ eventId: d.event.eventId, subscriptionId: d.subscriptionId, attempts, retryInMs: delay, error }, 'event delivery failed');
    await markFailed(db, key, attempts, new Date(Date.now() + delay), error);
  }

  /** POSTs the event; what went wrong, or undefined when the subscriber took it (2xx). */
  async function send(d: Delivery): Promise<string | undefined> {
    try {
      const response = await post(listenerUrl(d.callback, d.event.eventType), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(d.event),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text().catch(() => '');
      return response.ok ? undefined : `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    } catch (e) {
      return errorText(e);
    }
  }

  /** One poll; the number of deliveries it handled. */
  async function poll(): Promise<number> {
    const batch = await claimDueDeliveries(db, { limit: batchSize, leaseMs });
    // One delivery per (subscriber, order) in a batch, so they may all go at once.
    const results = await Promise.allSettled(batch.map(deliver));
    for (const r of results) if (r.status === 'rejected') log.error({ err: r.reason }, 'recording an event delivery failed');
    return batch.length;
  }

  const loop = (async () => {
    while (!stopping) {
      const waiting = drainWaiters;
      drainWaiters = [];
      let handled: number | undefined;
      try {
        handled = await poll();
      } catch (e) {
        log.error({ err: e }, 'event dispatcher poll failed');
      }
      if (handled === 0) for (const resolve of waiting) resolve();
      else drainWaiters.unshift(...waiting);
      if (stopping) break;
      if (handled) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
    for (const resolve of drainWaiters.splice(0)) resolve();
  })();

  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
    },
    drain() {
      if (stopping) return Promise.resolve();
      return new Promise<void>((resolve) => {
        drainWaiters.push(resolve);
        wake?.();
      });
    },
  };
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.name === 'TimeoutError') return 'timed out';
  const cause = (e as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${e.message}: ${cause.message}` : e.message;
}

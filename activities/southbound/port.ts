import type { SystemName } from '../../domain/plan.js';

/**
 * The port to a southbound system (inventory, network, CPE, logistics, billing). Ordo does not own
 * these systems: each has an adapter — the built-in simulator for demos and tests, or the generic
 * HTTP adapter for a real integration.
 */
export interface SouthboundRequest {
  system: SystemName;
  operation: string;
  /** The same for every attempt of one task: the system must apply it at most once. */
  idempotencyKey: string;
  orderId: string;
  orderItemId: string;
  taskId: string;
  input: Record<string, unknown>;
}

export interface SouthboundResult {
  output: Record<string, unknown>;
}

/**
 * A refusal or failure reported by a southbound system. `retryable: false` is a business refusal
 * (no retry will help); otherwise the call may be retried with the same idempotency key.
 */
export class SouthboundError extends Error {
  override readonly name = 'SouthboundError';
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface SouthboundAdapter {
  execute(request: SouthboundRequest): Promise<SouthboundResult>;
}

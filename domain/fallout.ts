import type { SystemName } from './plan.js';

/**
 * Fallout: a step that failed for good (retries exhausted, or a refusal no retry can fix), parked
 * with a record a person can act on (../shared/spec/domain.md §4). Pure types and policy.
 */
export const FALLOUT_TYPES = ['provisioning', 'inventoryAllocation', 'billing', 'shipping', 'timeout', 'data', 'externalBusiness', 'other'] as const;
export type FalloutType = (typeof FALLOUT_TYPES)[number];

export const FALLOUT_STATES = ['open', 'inProgress', 'resolved', 'closed', 'cancelled'] as const;
export type FalloutState = (typeof FALLOUT_STATES)[number];

export const RESOLUTION_ACTIONS = ['retry', 'patchAndRetry', 'skip', 'completeManually', 'abortItem', 'cancelOrder'] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

export interface Resolution {
  action: ResolutionAction;
  note: string;
  /** patchAndRetry: corrected input values for the step (audited). */
  patch?: Record<string, string | number | boolean>;
  actor: string;
  at: string;
}

export interface Fallout {
  id: string;
  orderId: string;
  orderItemId: string;
  domainOrderId: string;
  taskId: string;
  taskName: string;
  type: FalloutType;
  priority: number;
  state: FalloutState;
  system?: SystemName;
  errorCode: string;
  errorMessage: string;
  /** The request that failed (operation and input) and what came back. */
  request?: { operation: string; input: Record<string, unknown>; idempotencyKey: string };
  response?: Record<string, unknown>;
  attempts: number;
  /** Groups fallouts with one cause (bulk retry): `<system>:<error code>`. */
  rootCauseKey: string;
  raisedBy: string;
  assignee?: string;
  resolution?: Resolution;
  openedAt: string;
  resolvedAt?: string;
  closedAt?: string;
}

/** One rule of the error classifier: the first rule that matches a failure decides. */
export interface ClassifierRule {
  system?: SystemName;
  code?: string;
  /** A case-insensitive regular expression on the error message. */
  messagePattern?: string;
  /** Retry this failure (within the task's retry policy), or send it to fallout at once. */
  retryable: boolean;
  type?: FalloutType;
}

export interface Classification {
  retryable: boolean;
  type: FalloutType;
}

const TYPE_BY_SYSTEM: Record<SystemName, FalloutType> = {
  inventory: 'inventoryAllocation',
  network: 'provisioning',
  cpe: 'provisioning',
  logistics: 'shipping',
  billing: 'billing',
};

/** Defaults: timeouts are transient; data errors are not. The adapter's own verdict comes last. */
export const DEFAULT_CLASSIFIER: ClassifierRule[] = [
  { code: 'TIMEOUT', retryable: true, type: 'timeout' },
  { code: 'SIMULATED_TRANSIENT', retryable: true },
  { messagePattern: 'invalid|malformed|missing', retryable: false, type: 'data' },
];

/** Decides whether a failure is worth retrying and which kind of fallout it makes. */
export function classifyFailure(
  failure: { system: SystemName; code: string; message: string; retryable: boolean },
  rules: ClassifierRule[] = DEFAULT_CLASSIFIER,
): Classification {
  const rule = rules.find(
    (r) =>
      (!r.system || r.system === failure.system) &&
      (!r.code || r.code === failure.code) &&
      (!r.messagePattern || new RegExp(r.messagePattern, 'i').test(failure.message)),
  );
  return { retryable: rule ? rule.retryable : failure.retryable, type: rule?.type ?? TYPE_BY_SYSTEM[failure.system] ?? 'other' };
}

export const isFalloutOpen = (f: Fallout) => f.state === 'open' || f.state === 'inProgress';
/** Not closed yet: open, or resolved and waiting for its step to run again. */
export const isFalloutUnclosed = (f: Fallout) => isFalloutOpen(f) || f.state === 'resolved';

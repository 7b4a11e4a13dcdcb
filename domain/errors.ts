/**
 * Ordo's one error vocabulary. Every expected failure anywhere (domain rule, API input, workflow
 * command refusal) carries one of these codes; `api/problem.ts` maps each code to an HTTP status in
 * one place. Workflows raise them as non-retryable ApplicationFailures whose `type` is the code.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'MALFORMED_REQUEST',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'IDEMPOTENCY_KEY_REUSED',
  'CONFLICT',
  'NOT_AWAITING_APPROVAL',
  'ORDER_TERMINAL',
  'TASK_NOT_FOUND',
  'TASK_NOT_HUMAN',
  'TASK_NOT_OPEN',
  'FALLOUT_NOT_FOUND',
  'FALLOUT_CLOSED',
  'SKIP_MANDATORY_TASK',
  'PONR_REACHED',
  'CANCELLATION_IN_PROGRESS',
  'CHANGE_IN_PROGRESS',
  'QUANTITY_BELOW_COMPLETED',
  'CHANGE_REQUEST_NOT_FOUND',
  'CHANGE_REQUEST_CLOSED',
  'ORDER_NOT_READY',
  'RATE_LIMITED',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One offending input field: `path` in dotted/bracket form, e.g. `productOrderItem[1].action`. */
export interface FieldError {
  path: string;
  message: string;
  /** A stable rule name when a business rule (not the schema) refused the field. */
  rule?: string;
}

export class OrdoError extends Error {
  override readonly name = 'OrdoError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

export const isOrdoError = (error: unknown): error is OrdoError => error instanceof OrdoError;

/** Renders a path of keys and indexes as `a.b[0].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    return out ? `${out}.${String(key)}` : String(key);
  }, '');
}

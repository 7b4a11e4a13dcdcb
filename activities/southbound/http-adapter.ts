import { SouthboundError, type SouthboundAdapter } from './port.js';

export interface HttpAdapterOptions {
  /** e.g. `https://billing.example.com/ordo`; calls go to `${baseUrl}/${system}/${operation}`. */
  baseUrl: string;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** 4xx statuses that mean "not now" rather than "no": retried like a 5xx. */
const TRANSIENT_4XX = new Set([408, 429]);

/**
 * The generic adapter to a real southbound system over HTTP. The idempotency key travels in the
 * body and in the `Idempotency-Key` header, so the system can apply a retried call at most once.
 * Failures are classified here: a 4xx is a refusal (non-retryable), anything else is transient.
 */
export function createHttpAdapter(options: HttpAdapterOptions): SouthboundAdapter {
  const base = new URL(options.baseUrl).href.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const fetch = options.fetch ?? globalThis.fetch;

  return {
    async execute({ system, operation, idempotencyKey, orderId, orderItemId, taskId, input }) {
      const url = `${base}/${encodeURIComponent(system)}/${encodeURIComponent(operation)}`;
      let status: number;
      let body: Record<string, unknown>;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': idempotencyKey },
          body: JSON.stringify({ idempotencyKey, orderId, orderItemId, taskId, input }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        body = await readBody(response);
      } catch (error) {
        if (error instanceof SouthboundError) throw error;
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        throw new SouthboundError(
          timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
          timedOut ? `${system} did not answer ${operation} within ${timeoutMs} ms` : `${system} could not be reached for ${operation}: ${causeOf(error)}`,
          true,
        );
      }

      if (status >= 200 && status < 300) return { output: isObject(body.output) ? body.output : body };
      const code = typeof body.code === 'string' && body.code ? body.code : `HTTP_${status}`;
      const detail = [body.message, body.detail, body.title].find((m) => typeof m === 'string' && m) as string | undefined;
      const retryable = status < 400 || status >= 500 || TRANSIENT_4XX.has(status);
      throw new SouthboundError(code, `${system} answered ${operation} with ${status}${detail ? `: ${detail}` : ''}`, retryable);
    },
  };
}

/** The JSON object of a response; an empty body is `{}`. A 2xx that is not a JSON object is transient. */
async function readBody(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (!text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (isObject(parsed)) return parsed;
  if (!response.ok) return {};
  throw new SouthboundError('INVALID_RESPONSE', `Expected a JSON object from ${response.url}, got ${text.slice(0, 100)}`, true);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const causeOf = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
};

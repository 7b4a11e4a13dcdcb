import { createHash, randomUUID } from 'node:crypto';

/**
 * Order ids that make submission idempotent. The same (customer, externalId), or the same
 * (API key, Idempotency-Key), always names the same order, so the workflow id `order-<id>` itself
 * refuses a second order, even when two requests race.
 */
export function orderIdFor(s: { customerId: string; externalId?: string; keyId: string; idempotencyKey?: string }): string {
  if (s.externalId) return uuidFromName(`externalId\u0000${s.customerId}\u0000${s.externalId}`);
  if (s.idempotencyKey) return uuidFromName(`idempotencyKey\u0000${s.keyId}\u0000${s.idempotencyKey}`);
  return randomUUID();
}

/** A name-based UUID (RFC 9562 version 8 layout over SHA-256). */
export function uuidFromName(name: string): string {
  const bytes = createHash('sha256').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** SHA-256 of a JSON value with object keys sorted, so equal bodies hash equal. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

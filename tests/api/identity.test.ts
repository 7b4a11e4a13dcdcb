import { describe, expect, it } from 'vitest';
import { orderIdFor, requestHash, uuidFromName } from '../../api/identity.js';

/** 8-4-4-4-12 lower-case hex; version nibble 8; variant bits 10xx (8, 9, a or b). */
const UUID_V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('orderIdFor', () => {
  it('is deterministic for the same customer and externalId', () => {
    const a = orderIdFor({ customerId: 'CUST-1', externalId: 'PO-1', keyId: 'key-a' });
    const b = orderIdFor({ customerId: 'CUST-1', externalId: 'PO-1', keyId: 'key-b' });
    expect(a).toMatch(UUID_V8);
    expect(b).toBe(a);
  });

  it('differs across customers and across externalIds', () => {
    const base = orderIdFor({ customerId: 'CUST-1', externalId: 'PO-1', keyId: 'k' });
    expect(orderIdFor({ customerId: 'CUST-2', externalId: 'PO-1', keyId: 'k' })).not.toBe(base);
    expect(orderIdFor({ customerId: 'CUST-1', externalId: 'PO-2', keyId: 'k' })).not.toBe(base);
  });

  it('does not confuse customer and externalId boundaries', () => {
    const a = orderIdFor({ customerId: 'AB', externalId: 'C', keyId: 'k' });
    const b = orderIdFor({ customerId: 'A', externalId: 'BC', keyId: 'k' });
    expect(a).not.toBe(b);
  });

  it('scopes Idempotency-Key ids by the API key', () => {
    const a = orderIdFor({ customerId: 'CUST-1', keyId: 'key-a', idempotencyKey: 'retry-1' });
    expect(a).toMatch(UUID_V8);
    expect(orderIdFor({ customerId: 'CUST-1', keyId: 'key-a', idempotencyKey: 'retry-1' })).toBe(a);
    // The key, not the customer, scopes it: same key and Idempotency-Key name the same order.
    expect(orderIdFor({ customerId: 'CUST-2', keyId: 'key-a', idempotencyKey: 'retry-1' })).toBe(a);
    expect(orderIdFor({ customerId: 'CUST-1', keyId: 'key-b', idempotencyKey: 'retry-1' })).not.toBe(a);
    expect(orderIdFor({ customerId: 'CUST-1', keyId: 'key-a', idempotencyKey: 'retry-2' })).not.toBe(a);
  });

  it('prefers externalId over Idempotency-Key', () => {
    const byExternalId = orderIdFor({ customerId: 'CUST-1', externalId: 'PO-1', keyId: 'key-a' });
    expect(orderIdFor({ customerId: 'CUST-1', externalId: 'PO-1', keyId: 'key-a', idempotencyKey: 'retry-1' })).toBe(byExternalId);
    expect(orderIdFor({ customerId: 'CUST-1', externalId: 'PO-1', keyId: 'key-b', idempotencyKey: 'other' })).toBe(byExternalId);
    expect(byExternalId).not.toBe(orderIdFor({ customerId: 'CUST-1', keyId: 'key-a', idempotencyKey: 'retry-1' }));
  });

  it('keeps the externalId and Idempotency-Key namespaces apart', () => {
    // Same strings in both roles must not collide.
    expect(orderIdFor({ customerId: 'X', externalId: 'Y', keyId: 'k' })).not.toBe(orderIdFor({ customerId: 'c', keyId: 'X', idempotencyKey: 'Y' }));
  });

  it('is a random (version 4) UUID without externalId or Idempotency-Key', () => {
    const ids = Array.from({ length: 20 }, () => orderIdFor({ customerId: 'CUST-1', keyId: 'key-a' }));
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('treats an empty externalId or Idempotency-Key as absent', () => {
    const a = orderIdFor({ customerId: 'CUST-1', externalId: '', keyId: 'k', idempotencyKey: '' });
    const b = orderIdFor({ customerId: 'CUST-1', externalId: '', keyId: 'k', idempotencyKey: '' });
    expect(a).toMatch(UUID_V4);
    expect(a).not.toBe(b);
  });
});

describe('uuidFromName', () => {
  it.each(['', 'a', 'externalId\u0000CUST-1\u0000PO-1', 'ünïcødé ✓', 'x'.repeat(10_000)])('gives an RFC 9562 version 8 layout for %j', (name) => {
    const id = uuidFromName(name);
    expect(id).toMatch(UUID_V8);
    const bytes = Buffer.from(id.replaceAll('-', ''), 'hex');
    expect(bytes).toHaveLength(16);
    expect(bytes[6]! >> 4).toBe(0b1000);
    expect(bytes[8]! >> 6).toBe(0b10);
  });

  it('is deterministic and differs for different names', () => {
    expect(uuidFromName('same')).toBe(uuidFromName('same'));
    expect(uuidFromName('same')).not.toBe(uuidFromName('Same'));
  });

  it('takes the remaining bits from SHA-256 of the name', async () => {
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update('ordo').digest().subarray(0, 16);
    const id = Buffer.from(uuidFromName('ordo').replaceAll('-', ''), 'hex');
    // Everything but the version nibble and the variant bits is the digest's.
    expect(id[6]! & 0x0f).toBe(digest[6]! & 0x0f);
    expect(id[8]! & 0x3f).toBe(digest[8]! & 0x3f);
    for (const i of [0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 13, 14, 15]) expect(id[i]).toBe(digest[i]);
  });
});

describe('requestHash', () => {
  const body = { externalId: 'PO-1', relatedParty: [{ id: 'C', role: 'customer' }], productOrderItem: [{ id: '1', action: 'add', quantity: 2 }] };

  it('is a hex SHA-256', () => {
    expect(requestHash(body)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores key order, at every depth', () => {
    const reordered = { productOrderItem: [{ quantity: 2, action: 'add', id: '1' }], relatedParty: [{ role: 'customer', id: 'C' }], externalId: 'PO-1' };
    expect(requestHash(reordered)).toBe(requestHash(body));
  });

  it('ignores undefined values', () => {
    expect(requestHash({ ...body, description: undefined })).toBe(requestHash(body));
    expect(requestHash({ ...body, productOrderItem: [{ id: '1', action: 'add', quantity: 2, product: undefined }] })).toBe(requestHash(body));
  });

  it('changes with any value', () => {
    const base = requestHash(body);
    const variants: unknown[] = [
      { ...body, externalId: 'PO-2' },
      { ...body, relatedParty: [{ id: 'D', role: 'customer' }] },
      { ...body, productOrderItem: [{ id: '1', action: 'add', quantity: 3 }] },
      { ...body, productOrderItem: [{ id: '1', action: 'add', quantity: '2' }] },
      { ...body, productOrderItem: [{ id: '1', action: 'add', quantity: 2, product: null }] },
      { ...body, description: '' },
      { ...body, productOrderItem: [...body.productOrderItem, { id: '2', action: 'add' }] },
    ];
    for (const variant of variants) expect(requestHash(variant)).not.toBe(base);
  });

  it('keeps array order significant', () => {
    expect(requestHash({ a: [1, 2] })).not.toBe(requestHash({ a: [2, 1] }));
  });

  it('does not confuse keys containing separators', () => {
    expect(requestHash({ 'a":1,"b': 2 })).not.toBe(requestHash({ a: 1, b: 2 }));
  });
});

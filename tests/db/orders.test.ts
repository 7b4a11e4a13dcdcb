import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApiKeyByHash, storeApiKey } from '../../db/api-keys.js';
import { listOfferings, loadCatalog, storeCatalog, upsertOfferings } from '../../db/catalog.js';
import type { Database } from '../../db/client.js';
import { findOrder, listOrders, listTransitions, upsertOrderProjection } from '../../db/orders.js';
import { DEMO_CATALOG } from '../../domain/catalog.js';
import { acknowledgeOrder, type ProductOrder } from '../../domain/order.js';
import { internetOrder, newCustomerId } from '../support/orders.js';
import { testDrivers } from '../support/stack.js';

// The same suite on embedded PGlite and on the real Postgres of this run (when one is reachable).
describe.each(testDrivers())('read model on $kind', ({ open }) => {
  let database: Database;
  beforeAll(async () => {
    database = await open();
    await database.migrate(); // applying migrations again is a no-op
  });
  afterAll(() => database?.close());

  function acknowledged(customer = newCustomerId(), orderDate = new Date()) {
    const id = randomUUID();
    return acknowledgeOrder(internetOrder(customer), { id, href: `http://x/${id}`, orderDate: orderDate.toISOString(), actor: 'test' });
  }

  it('upserts by revision: a late, older projection never overwrites a newer one', async () => {
    const { order, transitions } = acknowledged();
    const newer: ProductOrder = { ...order, state: 'inProgress' };
    await upsertOrderProjection(database.db, { order: newer, revision: 2, transitions, requestHash: 'h' });
    await upsertOrderProjection(database.db, { order, revision: 1, transitions, requestHash: 'h' });
    expect((await findOrder(database.db, order.id))?.order.state).toBe('inProgress');

    await upsertOrderProjection(database.db, { order: { ...order, state: 'completed' }, revision: 3, transitions, requestHash: 'h' });
    expect((await findOrder(database.db, order.id))?.order.state).toBe('completed');
  });

  it('records each transition once however often it is projected', async () => {
    const { order, transitions } = acknowledged();
    await upsertOrderProjection(database.db, { order, revision: 1, transitions, requestHash: 'h' });
    await upsertOrderProjection(database.db, { order, revision: 1, transitions, requestHash: 'h' });
    const more = [...transitions, { entity: 'order' as const, entityId: order.id, from: 'acknowledged', to: 'inProgress', at: new Date().toISOString(), actor: 'manager', reasonCode: 'APPROVED' }];
    await upsertOrderProjection(database.db, { order, revision: 2, transitions: more, requestHash: 'h' });
    expect((await listTransitions(database.db, order.id)).map((t) => t.to)).toEqual(['acknowledged', 'acknowledged', 'inProgress']);
  });

  it('lists newest first with filters, paging and a total', async () => {
    const customer = newCustomerId();
    const days = [1, 2, 3].map((d) => new Date(Date.UTC(2026, 0, d)));
    const ids: string[] = [];
    for (const day of days) {
      const { order, transitions } = acknowledged(customer, day);
      ids.push(order.id);
      await upsertOrderProjection(database.db, { order, revision: 1, transitions, requestHash: 'h' });
    }
    const page = await listOrders(database.db, { customerId: customer }, { offset: 0, limit: 2 });
    expect(page.total).toBe(3);
    expect(page.orders.map((o) => o.id)).toEqual([ids[2], ids[1]]);

    const window = await listOrders(database.db, { customerId: customer, orderDateFrom: days[1], orderDateTo: days[2] }, { offset: 0, limit: 10 });
    expect(window.orders.map((o) => o.id)).toEqual([ids[1]]);
    expect((await listOrders(database.db, { customerId: customer, state: 'held' }, { offset: 0, limit: 10 })).total).toBe(0);
  });

  it('refuses two orders with the same customer and externalId', async () => {
    const first = acknowledged();
    const second = acknowledged();
    const clash = { ...second.order, externalId: first.order.externalId, relatedParty: first.order.relatedParty };
    await upsertOrderProjection(database.db, { order: first.order, revision: 1, transitions: [], requestHash: 'h' });
    await expect(upsertOrderProjection(database.db, { order: clash, revision: 1, transitions: [], requestHash: 'h' })).rejects.toThrow();
  });

  it('seeds the catalog idempotently', async () => {
    await upsertOfferings(database.db, DEMO_CATALOG.offerings);
    await upsertOfferings(database.db, DEMO_CATALOG.offerings);
    const ids = (await listOfferings(database.db)).map((o) => o.id);
    expect(ids).toEqual(expect.arrayContaining(['sdwan-service-package', 'internet-access', 'branch-router']));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("loads an order's catalog with only the specifications its offerings decompose into", async () => {
    await storeCatalog(database.db, DEMO_CATALOG);
    const internet = await loadCatalog(database.db, ['internet-access']);
    expect(internet.offerings.map((o) => o.id)).toEqual(['internet-access']);
    expect(internet.specifications.map((s) => s.id)).toEqual(['internet-access', 'internet-service', 'modem']);
    // Through relationships at every depth, each specification once however many offerings reach it.
    const both = await loadCatalog(database.db, ['internet-access', 'branch-router', 'internet-access']);
    expect(both.specifications.map((s) => s.id)).toEqual(['branch-router', 'internet-access', 'internet-service', 'modem', 'router-unit']);
    expect((await loadCatalog(database.db, [])).specifications).toEqual([]);
    expect((await loadCatalog(database.db)).specifications).toHaveLength(DEMO_CATALOG.specifications.length);
  });

  it('finds API keys by hash and ignores a repeated store', async () => {
    const keyHash = randomUUID().replaceAll('-', '');
    await storeApiKey(database.db, { id: `key_${keyHash.slice(0, 12)}`, role: 'order_agent', keyHash });
    await storeApiKey(database.db, { id: `key_${keyHash.slice(0, 12)}`, role: 'order_agent', keyHash });
    expect(await findApiKeyByHash(database.db, keyHash)).toEqual({ id: `key_${keyHash.slice(0, 12)}`, role: 'order_agent' });
    expect(await findApiKeyByHash(database.db, 'nope')).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, DEMO_CATALOG, type ProductOffering, type Specification } from '../../domain/catalog.js';
import type { FieldError } from '../../domain/errors.js';
import { ROLES, type Role } from '../../domain/roles.js';
import { internetOrder, newCustomerId, PRODUCT_ORDER_PATH } from '../support/orders.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

const get = (url: string, role: Role = 'api_client') => stack.app.inject({ url, headers: stack.as(role) });
const put = (body: unknown, role: Role = 'admin') => stack.app.inject({ method: 'PUT', url: '/api/catalog', headers: stack.as(role), payload: body as object });
const currentCatalog = async () => (await get('/api/catalog')).json<Catalog>();

/** The catalog as the API lists it: offerings and specifications ordered by id. */
const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
const listed = (catalog: Catalog): Catalog => ({ ...catalog, offerings: byId(catalog.offerings), specifications: byId(catalog.specifications) });

/** A fresh copy of the demo catalog with a 1 Gbps internet offering and without the branch router. */
function gigabitCatalog(): Catalog {
  const catalog = structuredClone(DEMO_CATALOG);
  const internet = catalog.offerings.find((o) => o.id === 'internet-access')!;
  catalog.offerings = catalog.offerings.filter((o) => o.id !== 'branch-router');
  catalog.offerings.push({
    ...internet,
    id: 'internet-access-1g',
    name: 'Internet Access 1 Gbps',
    description: 'Internet access at 1 Gbps with a modem.',
    characteristics: [{ name: 'speedMbps', valueType: 'number', allowedValues: [1000], default: 1000 }],
  });
  return catalog;
}

describe('GET /api/catalog', () => {
  it('returns the whole catalog to every role', async () => {
    const res = await get('/api/catalog');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(listed(DEMO_CATALOG));
    for (const role of ROLES) expect((await get('/api/catalog', role)).statusCode).toBe(200);
  });

  it('lists offerings and specifications, and reads one of each by id', async () => {
    expect((await get('/api/catalog/offerings')).json<ProductOffering[]>().map((o) => o.id)).toEqual(byId(DEMO_CATALOG.offerings).map((o) => o.id));
    expect((await get('/api/catalog/specifications', 'order_agent')).json<Specification[]>()).toEqual(byId(DEMO_CATALOG.specifications));

    const offering = await get('/api/catalog/offerings/internet-access');
    expect(offering.statusCode).toBe(200);
    expect(offering.json()).toEqual(DEMO_CATALOG.offerings.find((o) => o.id === 'internet-access'));
    const spec = await get('/api/catalog/specifications/edge-device', 'fulfilment_agent');
    expect(spec.json()).toEqual(DEMO_CATALOG.specifications.find((s) => s.id === 'edge-device'));
  });

  it('answers 404 problem+json for an unknown offering or specification', async () => {
    const res = await get('/api/catalog/offerings/quantum-link');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('quantum-link') });
    expect((await get('/api/catalog/specifications/quantum-link')).statusCode).toBe(404);
  });
});

describe('PUT /api/catalog', () => {
  it('replaces the whole catalog, and new orders can use what it adds', async () => {
    const catalog = gigabitCatalog();
    const res = await put(catalog);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ offerings: 3, specifications: DEMO_CATALOG.specifications.length });

    expect(await currentCatalog()).toEqual(listed(catalog));
    expect((await get('/api/catalog/offerings/branch-router')).statusCode).toBe(404);

    const order = internetOrder(newCustomerId());
    order.productOrderItem[0]!.productOffering = { id: 'internet-access-1g' };
    order.productOrderItem[0]!.product = { productCharacteristic: [{ name: 'speedMbps', value: 1000 }] };
    const submitted = await stack.app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: stack.as('api_client'), payload: order });
    expect(submitted.statusCode).toBe(201);
  });

  it('refuses a catalog that breaks the rules, listing each path and rule, and stores nothing', async () => {
    const before = await currentCatalog();
    const catalog = gigabitCatalog();
    catalog.specifications.find((s) => s.id === 'branch-router')!.relationships = [{ specificationId: 'router-unti' }];
    catalog.specifications.find((s) => s.id === 'modem')!.tasks[0]!.predecessors = ['configure'];
    catalog.offerings.push({ ...catalog.offerings[0]!, id: 'brand-new' });

    const res = await put(catalog);

    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(res.json<{ errors: FieldError[] }>().errors.map(({ path, rule }) => ({ path, rule }))).toEqual([
      { path: 'specifications[8].tasks[1].predecessors[0]', rule: 'PREDECESSOR_ACYCLIC' },
      { path: 'specifications[9].relationships[0].specificationId', rule: 'RELATIONSHIP_TARGET_EXISTS' },
    ]);
    expect(await currentCatalog()).toEqual(before);
    expect((await get('/api/catalog/offerings/brand-new')).statusCode).toBe(404);
  });

  it('refuses a body the schema does not admit, naming each field', async () => {
    const before = await currentCatalog();
    const catalog = gigabitCatalog();
    Object.assign(catalog.offerings[0]!, { colour: 'red' });
    Object.assign(catalog.specifications[0]!.tasks[0]!, { type: 'manual' });

    const res = await put(catalog);

    expect(res.statusCode).toBe(400);
    expect(res.json<{ errors: FieldError[] }>().errors.map((e) => e.path).sort()).toEqual(['body.offerings[0].colour', 'body.specifications[0].tasks[0].type']);
    expect(await currentCatalog()).toEqual(before);
  });
});

describe('catalog security', () => {
  it('lets only admins replace the catalog', async () => {
    const before = await currentCatalog();
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      const res = await put(gigabitCatalog(), role);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await currentCatalog()).toEqual(before);
  });

  it('refuses callers without a key', async () => {
    expect((await stack.app.inject({ url: '/api/catalog' })).statusCode).toBe(401);
    expect((await stack.app.inject({ method: 'PUT', url: '/api/catalog', payload: DEMO_CATALOG })).statusCode).toBe(401);
  });
});

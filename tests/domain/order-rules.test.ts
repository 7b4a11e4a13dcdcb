import { describe, expect, it } from 'vitest';
import type { ProductOffering } from '../../domain/catalog.js';
import { checkSubmission, type OfferingLookup } from '../../domain/order-rules.js';
import type { ProductOrderCreate, ProductOrderItemCreate, RelatedParty } from '../../domain/tmf622/schemas.js';

// Offerings without characteristics or rules: configuration checks have their own tests (configurator.test.ts).
const bare = (id: string): ProductOffering => ({ id, name: id, description: '', category: 'test', productSpecificationId: id, characteristics: [] });
const catalog: OfferingLookup = { offering: (id) => (['internet-access', 'branch-router'].includes(id) ? bare(id) : undefined) };

const customer = (id = 'CUST-1', role = 'customer'): RelatedParty => ({ id, role, '@referredType': 'Individual' });
const addItem = (id: string, extra: Partial<ProductOrderItemCreate> = {}): ProductOrderItemCreate => ({
  id,
  action: 'add',
  productOffering: { id: 'internet-access' },
  ...extra,
});
const order = (overrides: Partial<ProductOrderCreate> = {}): ProductOrderCreate => ({
  relatedParty: [customer()],
  productOrderItem: [addItem('1')],
  ...overrides,
});

const rulesOf = (input: ProductOrderCreate) => checkSubmission(input, catalog).map((e) => [e.path, e.rule]);

describe('checkSubmission', () => {
  it('finds nothing wrong with a valid order', () => {
    expect(checkSubmission(order(), catalog)).toEqual([]);
  });

  it('accepts a valid multi-item order with modify, delete and related items', () => {
    const input = order({
      requestedStartDate: '2030-01-01T00:00:00Z',
      requestedCompletionDate: '2030-01-02T00:00:00Z',
      productOrderItem: [
        addItem('1'),
        { id: '2', action: 'modify', product: { id: 'PRD-1', productOffering: { id: 'internet-access' } } },
        { id: '3', action: 'delete', product: { id: 'PRD-2' } },
        { id: '4', action: 'noChange', product: { id: 'PRD-3' } },
        addItem('5', { productOffering: { id: 'branch-router' }, productOrderItemRelationship: [{ id: '1', relationshipType: 'reliesOn' }] }),
      ],
    });
    expect(checkSubmission(input, catalog)).toEqual([]);
  });

  describe('CUSTOMER_REQUIRED', () => {
    it('refuses an order without related parties', () => {
      const errors = checkSubmission(order({ relatedParty: undefined }), catalog);
      expect(errors).toEqual([{ path: 'relatedParty', rule: 'CUSTOMER_REQUIRED', message: expect.stringContaining('found 0') }]);
    });

    it('refuses an order whose parties include no customer', () => {
      expect(rulesOf(order({ relatedParty: [customer('X', 'technicalContact'), { id: 'Y', '@referredType': 'Individual' }] }))).toEqual([
        ['relatedParty', 'CUSTOMER_REQUIRED'],
      ]);
    });

    it('refuses an order with two customers', () => {
      const errors = checkSubmission(order({ relatedParty: [customer('A'), customer('B', 'Customer')] }), catalog);
      expect(errors).toEqual([{ path: 'relatedParty', rule: 'CUSTOMER_REQUIRED', message: expect.stringContaining('found 2') }]);
    });

    it('matches the customer role case-insensitively', () => {
      expect(checkSubmission(order({ relatedParty: [customer('A', 'CUSTOMER'), customer('B', 'billingContact')] }), catalog)).toEqual([]);
    });
  });

  describe('DATES_ORDERED', () => {
    it('refuses a completion before the start', () => {
      expect(rulesOf(order({ requestedStartDate: '2030-01-02T00:00:00Z', requestedCompletionDate: '2030-01-01T00:00:00Z' }))).toEqual([
        ['requestedCompletionDate', 'DATES_ORDERED'],
      ]);
    });

    it('accepts equal instants written with different offsets', () => {
      expect(rulesOf(order({ requestedStartDate: '2030-01-01T12:00:00+02:00', requestedCompletionDate: '2030-01-01T10:00:00Z' }))).toEqual([]);
    });

    it('compares instants: a completion that sorts later as a string but is earlier in time is refused', () => {
      // As strings "…T10:00…" > "…T09:00…", but 10:00+05:00 is 05:00Z, before 09:00Z.
      const start = '2030-01-01T09:00:00Z';
      const completion = '2030-01-01T10:00:00+05:00';
      expect(completion > start).toBe(true);
      expect(rulesOf(order({ requestedStartDate: start, requestedCompletionDate: completion }))).toEqual([['requestedCompletionDate', 'DATES_ORDERED']]);
    });

    it('compares instants: a completion that sorts earlier as a string but is later in time is accepted', () => {
      // As strings "…T08:00…" < "…T09:00…", but 08:00-05:00 is 13:00Z, after 09:00Z.
      const start = '2030-01-01T09:00:00Z';
      const completion = '2030-01-01T08:00:00-05:00';
      expect(completion < start).toBe(true);
      expect(rulesOf(order({ requestedStartDate: start, requestedCompletionDate: completion }))).toEqual([]);
    });

    it('does not apply when only one of the dates is given', () => {
      expect(rulesOf(order({ requestedCompletionDate: '2000-01-01T00:00:00Z' }))).toEqual([]);
      expect(rulesOf(order({ requestedStartDate: '2100-01-01T00:00:00Z' }))).toEqual([]);
    });
  });

  it('ITEM_ID_UNIQUE: reports the second occurrence of an item id', () => {
    const errors = checkSubmission(order({ productOrderItem: [addItem('1'), addItem('2'), addItem('1')] }), catalog);
    expect(errors).toEqual([{ path: 'productOrderItem[2].id', rule: 'ITEM_ID_UNIQUE', message: expect.stringContaining('"1"') }]);
  });

  describe('OFFERING_REQUIRED', () => {
    it('refuses an add item naming no offering', () => {
      expect(rulesOf(order({ productOrderItem: [{ id: '1', action: 'add', product: { name: 'something' } }] }))).toEqual([
        ['productOrderItem[0].productOffering', 'OFFERING_REQUIRED'],
      ]);
    });

    it('accepts the offering named on the product instead of the item', () => {
      expect(rulesOf(order({ productOrderItem: [{ id: '1', action: 'add', product: { productOffering: { id: 'branch-router' } } }] }))).toEqual([]);
    });
  });

  it('NEW_PRODUCT_HAS_NO_ID: refuses an add item whose product already has an id', () => {
    expect(rulesOf(order({ productOrderItem: [addItem('1', { product: { id: 'PRD-1' } })] }))).toEqual([
      ['productOrderItem[0].product.id', 'NEW_PRODUCT_HAS_NO_ID'],
    ]);
  });

  describe('PRODUCT_REFERENCE_REQUIRED', () => {
    it.each(['modify', 'delete', 'noChange'] as const)('refuses a %s item without a product id', (action) => {
      const errors = checkSubmission(order({ productOrderItem: [{ id: '1', action, product: { name: 'my line' } }] }), catalog);
      expect(errors).toEqual([{ path: 'productOrderItem[0].product.id', rule: 'PRODUCT_REFERENCE_REQUIRED', message: expect.stringContaining(`"${action}"`) }]);
    });

    it('refuses a modify item without any product', () => {
      expect(rulesOf(order({ productOrderItem: [{ id: '1', action: 'modify', productOffering: { id: 'internet-access' } }] }))).toEqual([
        ['productOrderItem[0].product.id', 'PRODUCT_REFERENCE_REQUIRED'],
      ]);
    });

    it('does not require an offering for modify or delete', () => {
      expect(rulesOf(order({ productOrderItem: [{ id: '1', action: 'delete', product: { id: 'PRD-1' } }] }))).toEqual([]);
    });
  });

  describe('OFFERING_CONSISTENT', () => {
    it('refuses an item whose product names another offering than the item', () => {
      const item = addItem('1', { product: { productOffering: { id: 'branch-router' } } });
      expect(rulesOf(order({ productOrderItem: [item] }))).toEqual([['productOrderItem[0].product.productOffering.id', 'OFFERING_CONSISTENT']]);
    });
    it('accepts the same offering named in both places', () => {
      const item = addItem('1', { product: { productOffering: { id: 'internet-access' } } });
      expect(rulesOf(order({ productOrderItem: [item] }))).toEqual([]);
    });
  });

  describe('OFFERING_EXISTS', () => {
    it('refuses an unknown offering on the item', () => {
      const errors = checkSubmission(order({ productOrderItem: [addItem('1', { productOffering: { id: 'teleporter' } })] }), catalog);
      expect(errors).toEqual([{ path: 'productOrderItem[0].productOffering.id', rule: 'OFFERING_EXISTS', message: expect.stringContaining('"teleporter"') }]);
    });

    it('refuses an unknown offering named on the product of a modify item', () => {
      const item: ProductOrderItemCreate = { id: '1', action: 'modify', product: { id: 'PRD-1', productOffering: { id: 'teleporter' } } };
      expect(rulesOf(order({ productOrderItem: [item] }))).toEqual([['productOrderItem[0].productOffering.id', 'OFFERING_EXISTS']]);
    });

    it('asks the catalog about exactly the offerings named', () => {
      const asked: string[] = [];
      checkSubmission(order({ productOrderItem: [addItem('1'), addItem('2', { productOffering: { id: 'branch-router' } })] }), {
        offering: (id) => (asked.push(id), bare(id)),
      });
      expect(asked).toEqual(['internet-access', 'branch-router']);
    });
  });

  it('RELATED_ITEM_EXISTS: refuses a relationship to an item not in the order', () => {
    const items = [addItem('1'), addItem('2', { productOrderItemRelationship: [{ id: '1', relationshipType: 'reliesOn' }, { id: '9', relationshipType: 'reliesOn' }] })];
    const errors = checkSubmission(order({ productOrderItem: items }), catalog);
    expect(errors).toEqual([{ path: 'productOrderItem[1].productOrderItemRelationship[1].id', rule: 'RELATED_ITEM_EXISTS', message: expect.stringContaining('"9"') }]);
  });

  it('RELATED_ITEM_EXISTS: a relationship may point to a later item', () => {
    const items = [addItem('1', { productOrderItemRelationship: [{ id: '2', relationshipType: 'bundles' }] }), addItem('2')];
    expect(rulesOf(order({ productOrderItem: items }))).toEqual([]);
  });

  it('NO_SELF_RELATIONSHIP: refuses an item related to itself', () => {
    const items = [addItem('1'), addItem('2', { productOrderItemRelationship: [{ id: '2', relationshipType: 'reliesOn' }] })];
    expect(rulesOf(order({ productOrderItem: items }))).toEqual([['productOrderItem[1].productOrderItemRelationship[0].id', 'NO_SELF_RELATIONSHIP']]);
  });

  it('reports every violation at once, each with its path and a message', () => {
    const input = order({
      relatedParty: [],
      requestedStartDate: '2030-06-01T00:00:00Z',
      requestedCompletionDate: '2030-05-01T00:00:00Z',
      productOrderItem: [
        { id: '1', action: 'add', product: { id: 'PRD-9' } },
        { id: '1', action: 'modify', productOffering: { id: 'teleporter' } },
        addItem('3', { productOrderItemRelationship: [{ id: '3', relationshipType: 'reliesOn' }, { id: 'nope', relationshipType: 'reliesOn' }] }),
      ],
    });
    const errors = checkSubmission(input, catalog);
    expect(errors.map((e) => [e.path, e.rule])).toEqual([
      ['relatedParty', 'CUSTOMER_REQUIRED'],
      ['requestedCompletionDate', 'DATES_ORDERED'],
      ['productOrderItem[0].productOffering', 'OFFERING_REQUIRED'],
      ['productOrderItem[0].product.id', 'NEW_PRODUCT_HAS_NO_ID'],
      ['productOrderItem[1].id', 'ITEM_ID_UNIQUE'],
      ['productOrderItem[1].product.id', 'PRODUCT_REFERENCE_REQUIRED'],
      ['productOrderItem[1].productOffering.id', 'OFFERING_EXISTS'],
      ['productOrderItem[2].productOrderItemRelationship[0].id', 'NO_SELF_RELATIONSHIP'],
      ['productOrderItem[2].productOrderItemRelationship[1].id', 'RELATED_ITEM_EXISTS'],
    ]);
    for (const e of errors) expect(e.message).toEqual(expect.any(String));
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Catalog, DEMO_CATALOG } from '../../domain/catalog.js';
import { catalogSchema, checkCatalog, parseCatalog } from '../../domain/catalog-schema.js';

/** A copy of the demo catalog with one thing changed. */
function demoWith(change: (catalog: Catalog) => void): Catalog {
  const catalog = structuredClone(DEMO_CATALOG);
  change(catalog);
  return catalog;
}
const offering = (c: Catalog, id: string) => c.offerings.find((o) => o.id === id)!;
const spec = (c: Catalog, id: string) => c.specifications.find((s) => s.id === id)!;
const task = (c: Catalog, specId: string, taskId: string) => spec(c, specId).tasks.find((t) => t.id === taskId)!;
const found = (c: Catalog) => checkCatalog(c).map(({ path, rule }) => ({ path, rule }));

describe('the demo catalog', () => {
  it('parses with the schema and passes every check', () => {
    expect(catalogSchema.parse(DEMO_CATALOG)).toEqual(DEMO_CATALOG);
    expect(checkCatalog(DEMO_CATALOG)).toEqual([]);
  });

  it('is kept as catalog/demo-catalog.json, which has not drifted from DEMO_CATALOG', () => {
    const file: unknown = JSON.parse(readFileSync(new URL('../../catalog/demo-catalog.json', import.meta.url), 'utf8'));
    expect(file).toEqual(DEMO_CATALOG);
    expect(parseCatalog(file)).toEqual({ catalog: DEMO_CATALOG });
  });
});

describe('catalogSchema', () => {
  it('names every field it refuses: unknown keys, unknown kinds and systems, missing fields', () => {
    const input = demoWith((c) => {
      Object.assign(offering(c, 'internet-access'), { colour: 'red' });
      Object.assign(task(c, 'modem', 'allocate'), { system: 'mainframe' });
      Object.assign(offering(c, 'branch-router').rules![0]!, { kind: 'atMost' });
      delete (spec(c, 'modem') as Partial<Catalog['specifications'][number]>).tasks;
    });
    const result = parseCatalog(input);
    expect(result.errors?.map((e) => e.path).sort()).toEqual([
      'offerings[1].colour',
      'offerings[2].rules[0].kind',
      'specifications[8].tasks',
    ]);
  });

  it('refuses a task of a system that does not exist', () => {
    const result = parseCatalog(demoWith((c) => Object.assign(task(c, 'internet-service', 'activate-line'), { system: 'mainframe' })));
    expect(result.errors?.map((e) => e.path)).toEqual(['specifications[7].tasks[0].system']);
  });
});

describe('checkCatalog', () => {
  it.each<[string, (c: Catalog) => void, string]>([
    ['OFFERING_ID_UNIQUE', (c) => c.offerings.push({ ...offering(c, 'internet-access') }), 'offerings[3].id'],
    ['SPECIFICATION_ID_UNIQUE', (c) => c.specifications.push({ ...spec(c, 'router-unit') }), 'specifications[11].id'],
    ['TASK_ID_UNIQUE', (c) => spec(c, 'modem').tasks.push({ ...task(c, 'modem', 'allocate') }), 'specifications[8].tasks[2].id'],
    ['OFFERING_SPECIFICATION_EXISTS', (c) => (offering(c, 'branch-router').productSpecificationId = 'branch-ruoter'), 'offerings[2].productSpecificationId'],
    ['OFFERING_SPECIFICATION_KIND', (c) => (offering(c, 'branch-router').productSpecificationId = 'router-unit'), 'offerings[2].productSpecificationId'],
    ['RELATIONSHIP_TARGET_EXISTS', (c) => (spec(c, 'branch-router').relationships![0]!.specificationId = 'router-unti'), 'specifications[9].relationships[0].specificationId'],
    ['RELATIONSHIP_ACYCLIC', (c) => (spec(c, 'modem').relationships = [{ specificationId: 'internet-access' }]), 'specifications[8].relationships[0].specificationId'],
    ['PREDECESSOR_EXISTS', (c) => (task(c, 'edge-device', 'configure').predecessors = ['alocate']), 'specifications[3].tasks[1].predecessors[0]'],
    ['PREDECESSOR_ACYCLIC', (c) => (task(c, 'modem', 'allocate').predecessors = ['configure']), 'specifications[8].tasks[1].predecessors[0]'],
    ['AUTOMATED_TASK_SYSTEM', (c) => delete task(c, 'modem', 'allocate').system, 'specifications[8].tasks[0].system'],
    ['AUTOMATED_TASK_OPERATION', (c) => delete task(c, 'modem', 'allocate').operation, 'specifications[8].tasks[0].operation'],
    ['HUMAN_TASK_ASSIGNMENT_GROUP', (c) => delete task(c, 'edge-device', 'install').assignmentGroup, 'specifications[3].tasks[4].assignmentGroup'],
    ['PONR_ON_MILESTONE', (c) => (task(c, 'edge-device', 'ship').isPonr = true), 'specifications[3].tasks[2].isPonr'],
    ['CHARACTERISTIC_NAME_UNIQUE', (c) => offering(c, 'internet-access').characteristics.push({ name: 'speedMbps', valueType: 'number' }), 'offerings[1].characteristics[1].name'],
    ['ALLOWED_VALUE_TYPE', (c) => (offering(c, 'internet-access').characteristics[0]!.allowedValues = [100, '500']), 'offerings[1].characteristics[0].allowedValues[1]'],
    ['DEFAULT_VALUE', (c) => (offering(c, 'branch-router').characteristics[0]!.default = 'BR-900'), 'offerings[2].characteristics[0].default'],
    ['RULE_ID_UNIQUE', (c) => (offering(c, 'sdwan-service-package').rules![1]!.id = 'one-site-per-item'), 'offerings[0].rules[1].id'],
    ['CARDINALITY_RANGE', (c) => (offering(c, 'branch-router').rules = [{ id: 'router-quantity', kind: 'cardinality', min: 10, max: 5 }]), 'offerings[2].rules[0].max'],
    [
      'CONDITION_CHARACTERISTIC_KNOWN',
      (c) => (offering(c, 'sdwan-service-package').rules![1] = { id: 'r', kind: 'requires', when: { characteristic: 'wanOptimization', equals: true }, then: { characteristic: 'bandwidthMbps', equals: 200 } }),
      'offerings[0].rules[1].when.characteristic',
    ],
    [
      'CONDITION_VALUE',
      (c) => (offering(c, 'sdwan-service-package').rules![1] = { id: 'r', kind: 'requires', when: { characteristic: 'wanOptimisation', equals: true }, then: { characteristic: 'bandwidthMbps', equals: 150 } }),
      'offerings[0].rules[1].then.equals',
    ],
    ['ENRICHMENT_CHARACTERISTIC_KNOWN', (c) => (offering(c, 'sdwan-service-package').enrichment![0]!.characteristic = 'siteContactName'), 'offerings[0].enrichment[0].characteristic'],
  ])('%s', (rule, change, path) => {
    expect(found(demoWith(change))).toEqual([{ path, rule }]);
  });

  it('checks relationship conditions against every offering whose specification reaches them', () => {
    expect(found(demoWith((c) => (spec(c, 'sdwan-site').relationships![1]!.when = { characteristic: 'securty', equals: true })))).toEqual([
      { path: 'specifications[0].relationships[1].when.characteristic', rule: 'CONDITION_CHARACTERISTIC_KNOWN' },
    ]);
    expect(found(demoWith((c) => (spec(c, 'sdwan-site').relationships![1]!.when = { characteristic: 'security', equals: 'yes' })))).toEqual([
      { path: 'specifications[0].relationships[1].when.equals', rule: 'CONDITION_VALUE' },
    ]);

    // A second offering selling the SD-WAN site without the optional services' characteristics.
    const lite = demoWith((c) => c.offerings.push({ ...offering(c, 'sdwan-service-package'), id: 'sdwan-lite', characteristics: [{ name: 'siteName', valueType: 'string' }], rules: [], enrichment: [] }));
    const errors = checkCatalog(lite);
    expect(errors.map(({ path, rule }) => ({ path, rule }))).toEqual([
      { path: 'specifications[0].relationships[1].when.characteristic', rule: 'CONDITION_CHARACTERISTIC_KNOWN' },
      { path: 'specifications[0].relationships[2].when.characteristic', rule: 'CONDITION_CHARACTERISTIC_KNOWN' },
    ]);
    expect(errors[0]?.message).toContain('sdwan-lite');
  });

  it('names the cycle it found', () => {
    const [error] = checkCatalog(demoWith((c) => (spec(c, 'modem').relationships = [{ specificationId: 'internet-access' }])));
    expect(error?.message).toContain('internet-access → internet-service → modem → internet-access');
  });

  it('reports every error at once', () => {
    const catalog = demoWith((c) => {
      spec(c, 'branch-router').relationships![0]!.specificationId = 'router-unti';
      task(c, 'modem', 'allocate').predecessors = ['configure'];
      task(c, 'edge-device', 'ship').isPonr = true;
    });
    expect(found(catalog).map((e) => e.rule).sort()).toEqual(['PONR_ON_MILESTONE', 'PREDECESSOR_ACYCLIC', 'RELATIONSHIP_TARGET_EXISTS']);
  });
});

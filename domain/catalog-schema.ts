import { z } from 'zod';
import type { Catalog, CharacteristicSpec, Condition, ItemAction, ProductOffering } from './catalog.js';
import { valueProblem } from './characteristics.js';
import { type FieldError, formatPath } from './errors.js';
import { type DomainOrderKind, SYSTEMS, type TaskType } from './plan.js';
import { FALLOUT_TYPES } from './fallout.js';

/**
 * The catalog as zod schemas (mirroring the types of `catalog.ts` exactly; the compiler checks it
 * below), and `checkCatalog` for what a schema cannot see: references between parts, cycles, and
 * conditions that name characteristics the offerings do not have. Used where a catalog enters Ordo
 * (`PUT /api/catalog`, `npm run catalog:load`); workflow code never imports this module.
 */
const id = z.string().min(1).max(255);
const text = z.string().max(4096);
const name = z.string().min(1).max(255);

const TASK_TYPES = ['automated', 'human', 'milestone', 'wait'] as const satisfies readonly TaskType[];
const DOMAIN_ORDER_KINDS = ['product', 'customerFacingService', 'resourceFacingService', 'resource'] as const satisfies readonly DomainOrderKind[];
const ITEM_ACTIONS = ['add', 'modify', 'delete'] as const satisfies readonly ItemAction[];

export const characteristicValueSchema = z.union([z.string().max(4096), z.number(), z.boolean()]);

export const characteristicSpecSchema = z.strictObject({
  name,
  valueType: z.enum(['string', 'number', 'boolean', 'date']),
  allowedValues: z.array(characteristicValueSchema).min(1).max(1000).optional(),
  required: z.boolean().optional(),
  default: characteristicValueSchema.optional(),
});

export const conditionSchema = z.strictObject({ characteristic: name, equals: characteristicValueSchema });

const ruleMessage = text.optional();
export const configuratorRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ id, kind: z.literal('requires'), when: conditionSchema, then: conditionSchema, message: ruleMessage }),
  z.strictObject({ id, kind: z.literal('excludes'), when: conditionSchema, then: conditionSchema, message: ruleMessage }),
  z.strictObject({ id, kind: z.literal('cardinality'), min: z.number().int().min(0), max: z.number().int().min(0), message: ruleMessage }),
]);

export const calendarSchema = z.strictObject({
  timeZone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'unknown time zone'),
  workingDays: z.array(z.number().int().min(1).max(7)).min(1).max(7),
  startHour: z.number().int().min(0).max(23),
  endHour: z.number().int().min(1).max(24),
}).refine((c) => c.endHour > c.startHour, { message: 'endHour must be after startHour', path: ['endHour'] });

export const taskTemplateSchema = z.strictObject({
  id,
  name,
  type: z.enum(TASK_TYPES),
  predecessors: z.array(id).max(100).optional(),
  actions: z.array(z.enum(ITEM_ACTIONS)).min(1).optional(),
  slaMs: z.number().int().min(0),
  retry: z
    .strictObject({
      maximumAttempts: z.number().int().min(1).max(1000),
      initialIntervalMs: z.number().int().min(0),
      backoffCoefficient: z.number().min(1),
      maximumIntervalMs: z.number().int().min(0),
    })
    .partial()
    .optional(),
  system: z.enum(SYSTEMS).optional(),
  operation: name.optional(),
  undo: name.optional(),
  mandatory: z.boolean().optional(),
  isPonr: z.boolean().optional(),
  assignmentGroup: name.optional(),
  calendar: calendarSchema.optional(),
});

export const specificationRelationshipSchema = z.strictObject({ specificationId: id, when: conditionSchema.optional(), perUnit: z.boolean().optional() });

export const specificationSchema = z.strictObject({
  id,
  name,
  kind: z.enum(DOMAIN_ORDER_KINDS),
  relationships: z.array(specificationRelationshipSchema).max(100).optional(),
  tasks: z.array(taskTemplateSchema).max(200),
});

export const enrichmentPolicySchema = z.strictObject({ characteristic: name, taskName: name, assignmentGroup: name });

export const productOfferingSchema = z.strictObject({
  id,
  name,
  description: text,
  category: name,
  productSpecificationId: id,
  characteristics: z.array(characteristicSpecSchema).max(200),
  rules: z.array(configuratorRuleSchema).max(200).optional(),
  enrichment: z.array(enrichmentPolicySchema).max(200).optional(),
  price: z.strictObject({ amount: z.number().min(0), currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR') }).optional(),
});

export const classifierRuleSchema = z.strictObject({
  system: z.enum(SYSTEMS).optional(),
  code: z.string().min(1).max(255).optional(),
  messagePattern: z
    .string()
    .min(1)
    .max(500)
    .refine((p) => {
      try {
        new RegExp(p, 'i');
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression')
    .optional(),
  retryable: z.boolean(),
  type: z.enum(FALLOUT_TYPES).optional(),
});

const fraction = z.number().gt(0).max(10);
export const jeopardyPolicySchema = z.strictObject({
  bands: z
    .strictObject({ low: fraction, medium: fraction, high: fraction, critical: fraction })
    .refine((b) => b.low < b.medium && b.medium < b.high && b.high < b.critical, 'bands must rise: low < medium < high < critical')
    .optional(),
});

export const approvalPolicySchema = z.strictObject({ autoApproveCategories: z.array(name).max(100) });

export const catalogSchema = z.strictObject({
  offerings: z.array(productOfferingSchema).max(1000),
  specifications: z.array(specificationSchema).max(5000),
  approval: approvalPolicySchema,
  errorClassifier: z.array(classifierRuleSchema).max(200).optional(),
  jeopardy: jeopardyPolicySchema.optional(),
});

// The schema and the types of catalog.ts must describe the same thing: this fails to compile otherwise.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const mirrorsCatalogTypes: Same<z.infer<typeof catalogSchema>, Catalog> = true;
void mirrorsCatalogTypes;

/** A zod failure as FieldErrors, one per offending field (an unknown key is named itself). */
export function schemaErrors(error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue): FieldError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'unknown field' }))
      : [{ path: formatPath(issue.path), message: issue.message }],
  );
}

/** Parses and checks a catalog from outside (a file, a request): the catalog, or every error in it. */
export function parseCatalog(input: unknown): { catalog: Catalog; errors?: undefined } | { catalog?: undefined; errors: FieldError[] } {
  const parsed = catalogSchema.safeParse(input);
  if (!parsed.success) return { errors: schemaErrors(parsed.error) };
  const errors = checkCatalog(parsed.data);
  return errors.length > 0 ? { errors } : { catalog: parsed.data };
}

/**
 * What the schema cannot see, each error with a stable `rule` and the path of the offending field:
 * unique ids, references that resolve, relationship and predecessor graphs without cycles, tasks
 * complete for their type, and conditions, rules and enrichment that name characteristics the
 * offerings define, with values of their type. Returns every error (empty when the catalog is sound).
 */
export function checkCatalog(catalog: Catalog): FieldError[] {
  return [...checkOfferings(catalog), ...checkSpecifications(catalog), ...checkRelationshipConditions(catalog)];
}

function checkOfferings(catalog: Catalog): FieldError[] {
  const specs = firstById(catalog.specifications);
  const errors = uniqueIds(catalog.offerings, (o) => o.id, (i) => `offerings[${i}].id`, 'OFFERING_ID_UNIQUE', 'offering id');
  catalog.offerings.forEach((offering, i) => {
    const at = `offerings[${i}]`;
    const spec = specs.get(offering.productSpecificationId)?.item;
    if (!spec) {
      errors.push({ path: `${at}.productSpecificationId`, rule: 'OFFERING_SPECIFICATION_EXISTS', message: `no specification "${offering.productSpecificationId}"` });
    } else if (spec.kind !== 'product') {
      errors.push({ path: `${at}.productSpecificationId`, rule: 'OFFERING_SPECIFICATION_KIND', message: `"${spec.id}" is a ${spec.kind} specification; an offering sells a product specification` });
    }

    errors.push(...uniqueIds(offering.characteristics, (c) => c.name, (j) => `${at}.characteristics[${j}].name`, 'CHARACTERISTIC_NAME_UNIQUE', 'characteristic'));
    offering.characteristics.forEach((c, j) => errors.push(...checkCharacteristic(c, `${at}.characteristics[${j}]`)));

    const rules = offering.rules ?? [];
    errors.push(...uniqueIds(rules, (r) => r.id, (j) => `${at}.rules[${j}].id`, 'RULE_ID_UNIQUE', 'rule id'));
    rules.forEach((rule, j) => {
      const ruleAt = `${at}.rules[${j}]`;
      if (rule.kind === 'cardinality') {
        if (rule.min > rule.max) errors.push({ path: `${ruleAt}.max`, rule: 'CARDINALITY_RANGE', message: `max ${rule.max} is below min ${rule.min}` });
      } else {
        errors.push(...checkCondition(rule.when, offering, `${ruleAt}.when`), ...checkCondition(rule.then, offering, `${ruleAt}.then`));
      }
    });

    (offering.enrichment ?? []).forEach((e, j) => {
      if (!offering.characteristics.some((c) => c.name === e.characteristic)) {
        errors.push({ path: `${at}.enrichment[${j}].characteristic`, rule: 'ENRICHMENT_CHARACTERISTIC_KNOWN', message: `"${e.characteristic}" is not a characteristic of ${offering.id}` });
      }
    });
  });
  return errors;
}

function checkCharacteristic(c: CharacteristicSpec, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const ofType: CharacteristicSpec = { name: c.name, valueType: c.valueType };
  (c.allowedValues ?? []).forEach((value, k) => {
    const problem = valueProblem(ofType, value);
    if (problem) errors.push({ path: `${at}.allowedValues[${k}]`, rule: 'ALLOWED_VALUE_TYPE', message: `${JSON.stringify(value)} ${problem}` });
  });
  const problem = c.default === undefined ? undefined : valueProblem(c, c.default);
  if (problem) errors.push({ path: `${at}.default`, rule: 'DEFAULT_VALUE', message: `default ${JSON.stringify(c.default)} ${problem}` });
  return errors;
}

/** A condition names a characteristic of `offering`, with a value that characteristic can take. */
function checkCondition(condition: Condition, offering: ProductOffering, at: string): FieldError[] {
  const spec = offering.characteristics.find((c) => c.name === condition.characteristic);
  if (!spec) {
    return [{ path: `${at}.characteristic`, rule: 'CONDITION_CHARACTERISTIC_KNOWN', message: `"${condition.characteristic}" is not a characteristic of ${offering.id}` }];
  }
  const problem = valueProblem(spec, condition.equals);
  return problem ? [{ path: `${at}.equals`, rule: 'CONDITION_VALUE', message: `${condition.characteristic} of ${offering.id} ${problem}` }] : [];
}

function checkSpecifications(catalog: Catalog): FieldError[] {
  const specs = firstById(catalog.specifications);
  const errors = uniqueIds(catalog.specifications, (s) => s.id, (i) => `specifications[${i}].id`, 'SPECIFICATION_ID_UNIQUE', 'specification id');
  catalog.specifications.forEach((spec, i) => {
    const at = `specifications[${i}]`;
    (spec.relationships ?? []).forEach((rel, j) => {
      if (!specs.has(rel.specificationId)) {
        errors.push({ path: `${at}.relationships[${j}].specificationId`, rule: 'RELATIONSHIP_TARGET_EXISTS', message: `no specification "${rel.specificationId}"` });
      }
    });

    errors.push(...uniqueIds(spec.tasks, (t) => t.id, (j) => `${at}.tasks[${j}].id`, 'TASK_ID_UNIQUE', `task id in ${spec.id}`));
    const tasks = firstById(spec.tasks);
    spec.tasks.forEach((task, j) => {
      const taskAt = `${at}.tasks[${j}]`;
      (task.predecessors ?? []).forEach((p, k) => {
        if (!tasks.has(p)) errors.push({ path: `${taskAt}.predecessors[${k}]`, rule: 'PREDECESSOR_EXISTS', message: `no task "${p}" in ${spec.id}` });
      });
      if (task.type === 'automated' && !task.system) errors.push({ path: `${taskAt}.system`, rule: 'AUTOMATED_TASK_SYSTEM', message: 'an automated task names the southbound system it calls' });
      if (task.type === 'automated' && !task.operation) errors.push({ path: `${taskAt}.operation`, rule: 'AUTOMATED_TASK_OPERATION', message: 'an automated task names the operation it calls' });
      if (task.type === 'human' && !task.assignmentGroup) errors.push({ path: `${taskAt}.assignmentGroup`, rule: 'HUMAN_TASK_ASSIGNMENT_GROUP', message: 'a human task names the group that works on it' });
      if (task.isPonr && task.type !== 'milestone') errors.push({ path: `${taskAt}.isPonr`, rule: 'PONR_ON_MILESTONE', message: `only a milestone sets the point of no return, not a ${task.type} task` });
    });
    const predecessorCycles = closingEdges(spec.tasks, (task, j) =>
      (task.predecessors ?? []).map((p, k) => ({ to: tasks.get(p)?.index, path: `${at}.tasks[${j}].predecessors[${k}]` })),
    );
    errors.push(...predecessorCycles.map((c) => ({ path: c.path, rule: 'PREDECESSOR_ACYCLIC', message: `predecessors form a cycle: ${c.cycle.map((t) => t.id).join(' → ')}` })));
  });

  const relationshipCycles = closingEdges(catalog.specifications, (spec, i) =>
    (spec.relationships ?? []).map((rel, j) => ({ to: specs.get(rel.specificationId)?.index, path: `specifications[${i}].relationships[${j}].specificationId` })),
  );
  errors.push(...relationshipCycles.map((c) => ({ path: c.path, rule: 'RELATIONSHIP_ACYCLIC', message: `relationships form a cycle: ${c.cycle.map((s) => s.id).join(' → ')}` })));
  return errors;
}

/**
 * A relationship's condition is evaluated on the characteristics of the item being decomposed, so
 * every offering whose product specification reaches the relationship must define the characteristic.
 */
function checkRelationshipConditions(catalog: Catalog): FieldError[] {
  const specs = firstById(catalog.specifications);
  const usedBy = new Map<string, ProductOffering[]>();
  for (const offering of catalog.offerings) {
    const reached = new Set<string>();
    const visit = (specId: string) => {
      const spec = specs.get(specId)?.item;
      if (!spec || reached.has(specId)) return;
      reached.add(specId);
      usedBy.set(specId, [...(usedBy.get(specId) ?? []), offering]);
      for (const rel of spec.relationships ?? []) visit(rel.specificationId);
    };
    visit(offering.productSpecificationId);
  }
  return catalog.specifications.flatMap((spec, i) =>
    (spec.relationships ?? []).flatMap((rel, j) => {
      const when = rel.when;
      return when ? (usedBy.get(spec.id) ?? []).flatMap((offering) => checkCondition(when, offering, `specifications[${i}].relationships[${j}].when`)) : [];
    }),
  );
}

/** Each item by id, with its index; the first one wins where ids repeat (`uniqueIds` reports the rest). */
function firstById<T extends { id: string }>(items: readonly T[]): Map<string, { item: T; index: number }> {
  const byId = new Map<string, { item: T; index: number }>();
  items.forEach((item, index) => {
    if (!byId.has(item.id)) byId.set(item.id, { item, index });
  });
  return byId;
}

function uniqueIds<T>(items: readonly T[], key: (item: T) => string, pathOf: (index: number) => string, rule: string, what: string): FieldError[] {
  const seen = new Set<string>();
  return items.flatMap((item, index) => {
    const value = key(item);
    if (!seen.has(value)) {
      seen.add(value);
      return [];
    }
    return [{ path: pathOf(index), rule, message: `duplicate ${what} "${value}"` }];
  });
}

interface Edge {
  /** Index of the node the edge leads to; undefined when it names nothing (reported elsewhere). */
  to: number | undefined;
  path: string;
}

/**
 * The edges that close a cycle in the graph of `nodes` (found by a depth-first search in index
 * order, so the result is deterministic), each with the cycle it closes, first node repeated last.
 */
function closingEdges<T>(nodes: readonly T[], edgesOf: (node: T, index: number) => Edge[]): { path: string; cycle: T[] }[] {
  const state = nodes.map((): 'new' | 'open' | 'done' => 'new');
  const stack: number[] = [];
  const found: { path: string; cycle: T[] }[] = [];
  const visit = (index: number) => {
    state[index] = 'open';
    stack.push(index);
    for (const edge of edgesOf(nodes[index]!, index)) {
      if (edge.to === undefined) continue;
      if (state[edge.to] === 'open') found.push({ path: edge.path, cycle: [...stack.slice(stack.indexOf(edge.to)), edge.to].map((n) => nodes[n]!) });
      else if (state[edge.to] === 'new') visit(edge.to);
    }
    stack.pop();
    state[index] = 'done';
  };
  nodes.forEach((_, index) => {
    if (state[index] === 'new') visit(index);
  });
  return found;
}

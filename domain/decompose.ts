import { type Catalog, DEFAULT_RETRY, type ItemAction, type Specification } from './catalog.js';
import { holds, resolveCharacteristics, type Characteristics } from './characteristics.js';
import type { ProductOrderItem } from './order.js';
import type { DomainOrder, ItemPlan, PlanTask } from './plan.js';

/**
 * Decomposes one order item into its domain orders and their tasks, following the catalog's
 * specification relationships (skipping branches whose condition does not hold, one domain order
 * per unit where the relationship says so). Tasks of a domain order wait for every task its child
 * domain orders end with: resources first, then the services built on them, then the product.
 * Pure and deterministic: the same item and catalog always give the same plan and ids.
 */
export function decomposeItem(orderId: string, item: ProductOrderItem, catalog: Catalog, options: DecomposeOptions = {}): ItemPlan {
  const offeringId = item.productOffering?.id ?? item.product?.productOffering?.id;
  const offering = catalog.offerings.find((o) => o.id === offeringId);
  if (!offering) throw new Error(`item ${item.id}: offering ${offeringId} is not in the catalog`);
  const specs = new Map(catalog.specifications.map((s) => [s.id, s]));
  const values = resolveCharacteristics(item, offering);
  const action: ItemAction = item.action === 'noChange' ? 'modify' : item.action;
  const domainOrders: DomainOrder[] = [];
  const tasks: PlanTask[] = [];

  /** Adds the domain order for `spec` and its descendants; returns the ids of the tasks it ends with. */
  function visit(spec: Specification, id: string, parentId: string | undefined, unit?: number): string[] {
    domainOrders.push({ id, orderItemId: item.id, kind: spec.kind, specificationId: spec.id, name: spec.name, ...(parentId ? { parentId } : {}), state: 'acknowledged' });
    const childEnds = (spec.relationships ?? [])
      .filter((rel) => !rel.when || holds(rel.when, values))
      .flatMap((rel) => {
        const child = specs.get(rel.specificationId);
        if (!child) throw new Error(`specification ${spec.id} relates to unknown ${rel.specificationId}`);
        const childId = `${id}/${child.id}`;
        if (!rel.perUnit) return visit(child, childId, id, unit);
        const units = options.units?.[childId] ?? Array.from({ length: item.quantity ?? 1 }, (_, i) => i + 1);
        return units.flatMap((n) => visit(child, `${childId}#${n}`, id, n));
      });

    const templates = spec.tasks.filter((t) => (t.actions ?? ['add']).includes(action));
    if (templates.length === 0) return childEnds;
    const taskId = (templateId: string) => `${id}:${templateId}`;
    const own = templates.map((t): PlanTask => {
      const predecessors = (t.predecessors ?? []).filter((p) => templates.some((x) => x.id === p)).map(taskId);
      return {
        id: taskId(t.id),
        orderItemId: item.id,
        domainOrderId: id,
        templateId: t.id,
        name: t.name,
        type: t.type,
        state: 'planned',
        predecessors: predecessors.length > 0 ? predecessors : childEnds,
        mandatory: t.mandatory ?? true,
        isPonr: t.isPonr ?? false,
        slaMs: t.slaMs,
        retry: { ...DEFAULT_RETRY, ...t.retry },
        ...(t.system ? { system: t.system } : {}),
        ...(t.operation ? { operation: t.operation } : {}),
        ...(t.undo ? { undo: t.undo } : {}),
        ...(t.assignmentGroup ? { assignmentGroup: t.assignmentGroup } : {}),
        ...(t.calendar ? { calendar: t.calendar } : {}),
        input: taskInput(values, item, offeringId!, unit),
        idempotencyKey: `${orderId}/${taskId(t.id)}/${options.version ?? 1}`,
      };
    });
    tasks.push(...own);
    const needed = new Set(own.flatMap((t) => t.predecessors));
    return own.filter((t) => !needed.has(t.id)).map((t) => t.id);
  }

  const root = specs.get(offering.productSpecificationId);
  if (!root) throw new Error(`offering ${offering.id} sells unknown specification ${offering.productSpecificationId}`);
  visit(root, `${item.id}/${root.id}`, undefined);
  return { orderItemId: item.id, domainOrders, tasks };
}

/**
 * What a task is told. A task of one unit (one router of ten) is told its unit, not the item's
 * quantity: changing the quantity then leaves the units that stay untouched.
 */
function taskInput(values: Characteristics, item: ProductOrderItem, offeringId: string, unit: number | undefined): Record<string, unknown> {
  return {
    ...values,
    ...(unit === undefined ? { quantity: item.quantity ?? 1 } : { unit }),
    offeringId,
    ...(item.product?.id ? { productId: item.product.id } : {}),
    ...(item.product?.place ? { place: item.product.place } : {}),
  };
}

export interface DecomposeOptions {
  /**
   * The unit numbers of each per-unit domain order, keyed by its id without `#n` (default 1…quantity):
   * a quantity change keeps the units that already ran and numbers new ones after the highest.
   */
  units?: Record<string, number[]>;
  /** The order version the tasks are planned in: part of their idempotency keys (redo ≠ first run). */
  version?: number;
}

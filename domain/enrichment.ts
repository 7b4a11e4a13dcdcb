import type { Catalog } from './catalog.js';
import { resolveCharacteristics } from './characteristics.js';
import type { ProductOrder } from './order.js';
import { DEFAULT_RETRY } from './catalog.js';
import type { PlanTask } from './plan.js';

/**
 * Enrichment: the human tasks that collect data an offering's policy needs before approval
 * (e.g. the site contact of each SD-WAN site), for every item that did not send it.
 */
export function enrichmentTasks(order: ProductOrder, catalog: Catalog, at: string): PlanTask[] {
  return order.productOrderItem.flatMap((item) => {
    const offering = catalog.offerings.find((o) => o.id === (item.productOffering?.id ?? item.product?.productOffering?.id));
    if (!offering || item.action !== 'add') return [];
    const values = resolveCharacteristics(item, offering);
    return (offering.enrichment ?? [])
      .filter((policy) => values[policy.characteristic] === undefined)
      .map(
        (policy): PlanTask => ({
          id: `${item.id}:enrich-${policy.characteristic}`,
          orderItemId: item.id,
          domainOrderId: '',
          templateId: `enrich-${policy.characteristic}`,
          name: `${policy.taskName} (item ${item.id})`,
          type: 'human',
          state: 'ready',
          predecessors: [],
          mandatory: true,
          isPonr: false,
          slaMs: 24 * 3_600_000,
          retry: DEFAULT_RETRY,
          assignmentGroup: policy.assignmentGroup,
          input: { characteristic: policy.characteristic },
          idempotencyKey: `${order.id}/${item.id}:enrich-${policy.characteristic}/1`,
          plannedStart: at,
        }),
      );
  });
}

/** Items whose contract (characteristic `contractEndDate`) ended before the order date. */
export function expiredContracts(order: ProductOrder): string[] {
  return order.productOrderItem
    .filter((item) => {
      const end = item.product?.productCharacteristic?.find((c) => c.name === 'contractEndDate')?.value;
      return typeof end === 'string' && Date.parse(end) < Date.parse(order.orderDate);
    })
    .map((item) => item.id);
}

/** The order with `name = value` set on the item's product characteristics. */
export function withCharacteristic(order: ProductOrder, itemId: string, name: string, value: string | number | boolean): ProductOrder {
  return {
    ...order,
    productOrderItem: order.productOrderItem.map((item) => {
      if (item.id !== itemId) return item;
      const rest = (item.product?.productCharacteristic ?? []).filter((c) => c.name !== name);
      return { ...item, product: { ...item.product, productCharacteristic: [...rest, { name, value }] } };
    }),
  };
}

import { randomUUID } from 'node:crypto';
import type { ProductOrder } from '../../domain/order.js';
import { TERMINAL_ORDER } from '../../domain/rollup.js';
import type { ProductOrderCreate, ProductOrderItemCreate } from '../../domain/tmf622/schemas.js';
import { eventually } from './eventually.js';
import { newCustomerId, PRODUCT_ORDER_PATH } from './orders.js';
import type { TestStack } from './stack.js';

/** An SD-WAN site item; `contact` omitted leaves the site-contact enrichment task to do. */
export function sdwanSite(id: string, site: { name: string; contact?: string; security?: boolean; wanOptimisation?: boolean }): ProductOrderItemCreate {
  const characteristics = [
    { name: 'siteName', value: site.name },
    ...(site.contact ? [{ name: 'siteContact', value: site.contact }] : []),
    ...(site.security !== undefined ? [{ name: 'security', value: site.security }] : []),
    ...(site.wanOptimisation !== undefined ? [{ name: 'wanOptimisation', value: site.wanOptimisation }] : []),
  ];
  return { id, action: 'add', productOffering: { id: 'sdwan-service-package' }, product: { productCharacteristic: characteristics } };
}

export function internetItem(id: string, speedMbps = 100): ProductOrderItemCreate {
  return { id, action: 'add', productOffering: { id: 'internet-access' }, product: { productCharacteristic: [{ name: 'speedMbps', value: speedMbps }] } };
}

export function orderOf(items: ProductOrderItemCreate[], category = 'enterprise', extra: Partial<ProductOrderCreate> = {}): ProductOrderCreate {
  return {
    externalId: `PO-${randomUUID()}`,
    category,
    relatedParty: [{ id: newCustomerId(), role: 'customer', '@referredType': 'Organization' }],
    productOrderItem: items,
    ...extra,
  };
}

/** Drives an order through the API the way its users would. */
export function orderDriver(stack: TestStack) {
  const api = {
    async submit(body: ProductOrderCreate): Promise<ProductOrder> {
      const res = await stack.app.inject({ method: 'POST', url: PRODUCT_ORDER_PATH, headers: stack.as('api_client'), payload: body });
      if (res.statusCode !== 201) throw new Error(`submit failed ${res.statusCode}: ${res.body}`);
      return res.json<ProductOrder>();
    },
    async get(id: string): Promise<ProductOrder> {
      return (await stack.app.inject({ url: `${PRODUCT_ORDER_PATH}/${id}`, headers: stack.as('api_client') })).json<ProductOrder>();
    },
    /** Waits until the read model shows the order in a state (and sub-state) matching `predicate`. */
    async until(id: string, predicate: (order: ProductOrder) => boolean, timeoutMs = 60_000): Promise<ProductOrder> {
      return eventually(async () => {
        const order = await api.get(id);
        return predicate(order) ? order : undefined;
      }, timeoutMs);
    },
    approve: (id: string, role: Parameters<TestStack['as']>[0] = 'fulfilment_manager', body: object = { decision: 'approve' }) =>
      stack.app.inject({ method: 'POST', url: `/api/orders/${id}/approval`, headers: stack.as(role), payload: body }),
    complete: (id: string, taskId: string, body: object = {}, role: Parameters<TestStack['as']>[0] = 'fulfilment_agent') =>
      stack.app.inject({ method: 'POST', url: `/api/orders/${id}/tasks/${encodeURIComponent(taskId)}/completion`, headers: stack.as(role), payload: body }),
    async tasks(query: string) {
      return (await stack.app.inject({ url: `/api/tasks?${query}`, headers: stack.as('fulfilment_agent') })).json<Array<{ id: string; state: string; type: string; name: string }>>();
    },
    async plan(id: string) {
      return (await stack.app.inject({ url: `/api/orders/${id}/plan`, headers: stack.as('api_client') })).json();
    },
    async timeline(id: string) {
      return (await stack.app.inject({ url: `/api/orders/${id}/timeline`, headers: stack.as('api_client') })).json<{ transitions: Array<{ entity: string; entityId: string; from: string | null; to: string; at: string; actor: string; reasonCode: string; reasonText?: string }> }>();
    },
    /** Completes every ready human task of the order as they come, until the order ends. */
    async completeHumanTasksUntilDone(id: string): Promise<ProductOrder> {
      return eventually(async () => {
        for (const task of await api.tasks(`orderId=${id}&type=human&state=ready`)) {
          await api.complete(id, task.id, { note: `done: ${task.name}` });
        }
        const order = await api.get(id);
        return TERMINAL_ORDER.includes(order.state) ? order : undefined;
      }, 90_000);
    },
  };
  return api;
}

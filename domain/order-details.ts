import type { ProductOrder } from './order.js';

/** Markdown shown live in the Temporal UI ("current details") for an order workflow. */
export function renderOrderDetails(order: ProductOrder): string {
  const header = `**Order ${order.id}** · ${order.state}${order.subState ? ` (${order.subState})` : ''} · version ${order.version}`;
  const rows = order.productOrderItem.map(
    (item) => `| ${item.id} | ${item.action} | ${item.productOffering?.id ?? item.product?.id ?? ''} | ${item.quantity ?? 1} | ${item.state} |`,
  );
  return [header, '', '| item | action | offering | qty | state |', '|---|---|---|---|---|', ...rows].join('\n');
}

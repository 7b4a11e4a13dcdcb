import type { ProductOrder } from './order.js';
import type { ItemPlan, PlanTask } from './plan.js';
import { isTaskDone } from './rollup.js';

/** Markdown shown live in the Temporal UI ("current details") for an order workflow. */
export function renderOrderDetails(order: ProductOrder, plans: ItemPlan[] = [], enrichment: PlanTask[] = []): string {
  const header = `**Order ${order.id}** · ${order.state}${order.subState ? ` (${order.subState})` : ''} · version ${order.version}`;
  const rows = order.productOrderItem.map((item) => {
    const plan = plans.find((p) => p.orderItemId === item.id);
    const done = plan ? `${plan.tasks.filter(isTaskDone).length}/${plan.tasks.length}` : '–';
    const open = plan?.tasks.filter((t) => t.state === 'inProgress' || (t.type === 'human' && t.state === 'ready')).map((t) => t.name) ?? [];
    const offering = item.productOffering?.id ?? item.product?.productOffering?.id ?? item.product?.id ?? '';
    return `| ${item.id} | ${item.action} | ${offering} | ${item.quantity ?? 1} | ${item.state} | ${done} | ${item.ponr ? 'yes' : 'no'} | ${open.join(', ')} |`;
  });
  const waiting = enrichment.filter((t) => t.state !== 'completed').map((t) => `- waiting for: ${t.name}`);
  return [
    header,
    '',
    '| item | action | offering | qty | state | tasks done | PONR | working on |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    ...(waiting.length ? ['', ...waiting] : []),
  ].join('\n');
}

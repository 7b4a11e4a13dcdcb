import { condition, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { OrderActivities } from '../activities/index.js';
import type { ProductOrder, Transition } from '../domain/order.js';
import { renderOrderDetails } from '../domain/order-details.js';
import { getOrderQuery, type OrderWorkflowInput } from './messages.js';
import { OrderState } from './search-attributes.js';

const { projectOrder } = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30 seconds',
  // The read model must catch up eventually: retry through a database outage, never give up.
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  summary: 'project order into the read model',
});

/**
 * One customer order, from acknowledgement to a terminal state. The workflow is the single writer
 * of the order: every change goes through `publish`, which projects it and updates what operators
 * see in the Temporal UI.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<ProductOrder> {
  let order: ProductOrder = { ...input.order, subState: 'awaitingApproval' };
  const transitions: Transition[] = [...input.transitions];
  let revision = 0;
  setHandler(getOrderQuery, () => ({ order, revision, requestHash: input.requestHash, idempotencyKey: input.idempotencyKey }));

  async function publish(): Promise<void> {
    revision += 1;
    upsertSearchAttributes([{ key: OrderState, value: order.state }]);
    setCurrentDetails(renderOrderDetails(order));
    await projectOrder({ order, revision, transitions, requestHash: input.requestHash, idempotencyKey: input.idempotencyKey });
  }

  await publish();
  // Next come enrichment and the approval decision (issue "Order orchestration"). Until a manager
  // can decide, the order rests here, durably acknowledged and awaiting approval.
  await condition(() => order.state !== 'acknowledged');
  return order;
}

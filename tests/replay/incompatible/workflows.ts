/**
 * A deliberately incompatible version of the order workflow: it sleeps before doing anything,
 * which adds a timer that no recorded history has. The determinism gate must reject it.
 */
import { sleep } from '@temporalio/workflow';
import { orderWorkflow as current } from '../../../workflows/order.workflow.js';
import type { OrderWorkflowInput } from '../../../workflows/messages.js';

export async function orderWorkflow(input: OrderWorkflowInput) {
  await sleep('1 second');
  return current(input);
}

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrder, listTransitions } from '../../db/orders.js';
import { acknowledgeOrder } from '../../domain/order.js';
import { getOrderQuery, orderWorkflowId, type OrderWorkflowInput } from '../../workflows/messages.js';
import { OrderState } from '../../workflows/search-attributes.js';
import { eventually } from '../support/eventually.js';
import { internetOrder } from '../support/orders.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

function workflowInput(): OrderWorkflowInput {
  const id = randomUUID();
  const { order, transitions } = acknowledgeOrder(internetOrder(), { id, href: `http://x/productOrder/${id}`, orderDate: new Date().toISOString(), actor: 'api_client:key_test' });
  return { order, transitions, requestHash: 'hash-1' };
}

describe('orderWorkflow', () => {
  it('projects the acknowledged order, then waits for approval in plain sight', async () => {
    const input = workflowInput();
    const handle = await stack.temporal.workflow.start('orderWorkflow', { workflowId: orderWorkflowId(input.order.id), taskQueue: stack.taskQueue, args: [input] });

    const stored = await eventually(async () => {
      const found = await findOrder(stack.database.db, input.order.id);
      return found?.order.subState === 'awaitingApproval' ? found : undefined;
    });
    expect(stored).toMatchObject({ requestHash: 'hash-1', order: { state: 'acknowledged', subState: 'awaitingApproval' } });
    expect(await listTransitions(stack.database.db, input.order.id)).toEqual([
      expect.objectContaining({ entity: 'order', entityId: input.order.id, from: null, to: 'acknowledged', actor: 'api_client:key_test', reasonCode: 'SUBMITTED' }),
      expect.objectContaining({ entity: 'item', entityId: '1', from: null, to: 'acknowledged', reasonCode: 'SUBMITTED' }),
      expect.objectContaining({ entity: 'order', from: 'acknowledged', to: 'acknowledged', subState: 'awaitingApproval', reasonCode: 'AWAITING_APPROVAL' }),
    ]);

    const view = await handle.query(getOrderQuery);
    expect(view).toMatchObject({ revision: 1, order: { id: input.order.id, subState: 'awaitingApproval' } });

    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(OrderState)).toBe('acknowledged');

    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain(`**Order ${input.order.id}** · acknowledged (awaitingApproval)`);
    expect(metadata.currentDetails).toContain('| 1 | add | internet-access | 1 | acknowledged | – | no |  |');
    await handle.terminate('test done');
  });

  it('refuses a second workflow for the same order id', async () => {
    const input = workflowInput();
    const options = { workflowId: orderWorkflowId(input.order.id), taskQueue: stack.taskQueue, args: [input] as [OrderWorkflowInput], workflowIdReusePolicy: 'REJECT_DUPLICATE' as const };
    const handle = await stack.temporal.workflow.start('orderWorkflow', options);
    await expect(stack.temporal.workflow.start('orderWorkflow', options)).rejects.toThrow(/already started/i);
    await handle.terminate('test done');
    await expect(stack.temporal.workflow.start('orderWorkflow', options)).rejects.toThrow(/already started/i);
  });
});

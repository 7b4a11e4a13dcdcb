import { proxyActivities } from '@temporalio/workflow';

/** The bare-Temporal floor: what the demo order's shape costs with no Ordo logic at all. */
export interface FloorActivities {
  noop(step: string): Promise<void>;
}

const { noop } = proxyActivities<FloorActivities>({ startToCloseTimeout: '30 seconds' });

/**
 * As many activities as the demo order makes southbound calls, in the same shape: one chain per
 * item (allocate → configure → activate → bill), the items in parallel. No child workflows,
 * as Ordo has none (ADR 0006).
 */
export async function floorWorkflow(items: number, stepsPerItem: number): Promise<void> {
  await Promise.all(
    Array.from({ length: items }, async (_, item) => {
      for (let step = 0; step < stepsPerItem; step++) await noop(`${item}:${step}`);
    }),
  );
}

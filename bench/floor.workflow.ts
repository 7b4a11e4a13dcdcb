import { proxyActivities } from '@temporalio/workflow';

/** The bare-Temporal floor: what the demo order's shape costs with no Ordo logic at all. */
export interface FloorActivities {
  noop(step: string): Promise<void>;
}

const { noop } = proxyActivities<FloorActivities>({ startToCloseTimeout: '30 seconds' });

/**
 * As many activities as the demo order makes, in the same shape: one chain per item (allocate →
 * configure → activate → bill), the items in parallel, and Ordo's read-model projections — the
 * first beside the chains' first steps, the others once the chains have finished. No child
 * workflows, as Ordo has none (ADR 0006).
 */
export async function floorWorkflow(items: number, stepsPerItem: number, projections = 0): Promise<void> {
  const chains = Promise.all(
    Array.from({ length: items }, async (_, item) => {
      for (let step = 0; step < stepsPerItem; step++) await noop(`${item}:${step}`);
    }),
  );
  await Promise.all([chains, ...(projections > 0 ? [noop('plan')] : [])]);
  for (let i = 1; i < projections; i++) await noop(`outcome:${i}`);
}

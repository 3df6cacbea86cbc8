import { executeChild, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { baselineActivities } from './activities';

const { noop } = proxyActivities<typeof baselineActivities>({ startToCloseTimeout: '30s' });
const local = proxyLocalActivities<typeof baselineActivities>({ startToCloseTimeout: '30s' });

/** How many activities a workflow runs: regular ones (three history events each) and local ones (a marker each). */
export interface ActivityCounts {
  remote: number;
  local: number;
}

/** The floor the engine is measured against: the same number of activities of each kind and one child, doing nothing. */
export async function baselineOrder(order: ActivityCounts, shipment: ActivityCounts): Promise<void> {
  await runActivities(order);
  await executeChild(baselineShipment, { workflowId: `${workflowInfo().workflowId}:shipment`, args: [shipment] });
}

export async function baselineShipment(activities: ActivityCounts): Promise<void> {
  await runActivities(activities);
}

async function runActivities({ remote, local: locals }: ActivityCounts): Promise<void> {
  for (let i = 0; i < remote; i += 1) await noop();
  for (let i = 0; i < locals; i += 1) await local.noop();
}

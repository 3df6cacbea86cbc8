import { executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { baselineActivities } from './activities';

const { noop } = proxyActivities<typeof baselineActivities>({ startToCloseTimeout: '30s' });

/** The floor the engine is measured against: the same number of activities and one child, doing nothing. */
export async function baselineOrder(orderActivities: number, shipmentActivities: number): Promise<void> {
  for (let i = 0; i < orderActivities; i += 1) await noop();
  await executeChild(baselineShipment, { workflowId: `${workflowInfo().workflowId}:shipment`, args: [shipmentActivities] });
}

export async function baselineShipment(activities: number): Promise<void> {
  for (let i = 0; i < activities; i += 1) await noop();
}

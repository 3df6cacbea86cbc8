import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { databaseActivity } from './activity-options';
import type { ReplenishmentInput, ReplenishmentResult } from './replenishment-definitions';

const { listReplenishmentLocations, raiseReplenishmentDrafts, startReplenishmentPurchaseOrders } = proxyActivities<Activities>({
  ...databaseActivity,
  scheduleToCloseTimeout: '1h',
});

/**
 * Run by the replenishment Schedule (every location), after a shipment that dropped SKUs to their
 * reorder point, and when a just-in-time product backorders: one location at a time, drafts its POs
 * (one per supplier; auto-submitted or awaiting approval by the location's policy) and starts them.
 */
export async function replenishmentWorkflow(input: ReplenishmentInput): Promise<ReplenishmentResult> {
  const locations = input.locationId ? [input.locationId] : await listReplenishmentLocations();
  const { workflowId, runId } = workflowInfo();
  const purchaseOrderIds: string[] = [];
  for (const locationId of locations) {
    const raised = await raiseReplenishmentDrafts({ locationId, skus: input.skus, runKey: `${workflowId}:${runId}` });
    if (raised.purchaseOrderIds.length > 0) await startReplenishmentPurchaseOrders(raised);
    purchaseOrderIds.push(...raised.purchaseOrderIds);
  }
  return { purchaseOrderIds };
}

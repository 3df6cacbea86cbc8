import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { DEFAULT_SUPPLIER_FEED_BATCH } from '../activities/supplier-feeds';
import type { SupplierFeedPollingInput } from '../workflows/supplier-feeds';

export const supplierFeedScheduleId = (taskQueue: string): string => `supplier-feeds:${taskQueue}`;

/** What the supplier feed Schedule starts: a poll of every dropship product's supplier. */
export function supplierFeedScheduleAction(taskQueue: string) {
  const args: [SupplierFeedPollingInput] = [{ batchSize: DEFAULT_SUPPLIER_FEED_BATCH }];
  return { type: 'startWorkflow' as const, workflowType: 'supplierFeedPollingWorkflow', taskQueue, args, workflowId: supplierFeedScheduleId(taskQueue) };
}

/**
 * The supplier stock poll's Schedule (SUPPLIER_FEED_POLL_MINUTES), made like the replenishment's:
 * every replica calls this at start, the first creates it, Temporal polls once per period across all
 * of them, and a replica started with another period updates the Schedule to it.
 */
export async function startSupplierFeedPolling(client: Client, taskQueue: string, everyMinutes: number): Promise<void> {
  const spec = { intervals: [{ every: `${everyMinutes}m` as const }] };
  const action = supplierFeedScheduleAction(taskQueue);
  try {
    await client.schedule.create({
      scheduleId: supplierFeedScheduleId(taskQueue),
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(supplierFeedScheduleId(taskQueue)).update((previous) => ({ ...previous, spec, action }));
  }
}

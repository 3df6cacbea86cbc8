import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { Config } from './config';

export const webhookDispatchScheduleId = (taskQueue: string): string => `webhook-dispatch:${taskQueue}`;

/**
 * The outbound webhook dispatcher's Schedule, made like the sweep's: every replica calls this at
 * start, the first creates it and Temporal runs one dispatcher per period across all of them (an
 * overlapping run is skipped). A replica started with other settings updates the Schedule to them.
 * Each run also deletes delivered events past their retention, so that work needs no Schedule of its own.
 */
export async function startWebhookDispatching(client: Client, taskQueue: string, settings: Config['outboundWebhooks']): Promise<void> {
  const spec = { intervals: [{ every: settings.dispatchEvery as Duration }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'webhookDispatchWorkflow',
    taskQueue,
    args: [settings.retry, settings.retentionDays],
    workflowId: webhookDispatchScheduleId(taskQueue),
  };
  try {
    await client.schedule.create({
      scheduleId: webhookDispatchScheduleId(taskQueue),
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(webhookDispatchScheduleId(taskQueue)).update((previous) => ({ ...previous, spec, action }));
  }
}

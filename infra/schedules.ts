import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';

/** The Schedule's id; one per task queue, so engines sharing a Temporal namespace each sweep their own rows. */
export const sweepScheduleId = (taskQueue: string): string => `sweep:${taskQueue}`;

/**
 * Periodic work runs on a Temporal Schedule, not a timer in every process: every worker replica
 * calls this at start, the first creates it, and Temporal runs the sweep once a minute whatever the
 * number of replicas; a run still going when the next is due makes that one skip. Each start also
 * sweeps at once, for what a crash of the whole engine left behind (replicas starting together
 * skip each other's run).
 */
export async function startSweeping(client: Client, taskQueue: string): Promise<void> {
  try {
    await client.schedule.create({
      scheduleId: sweepScheduleId(taskQueue),
      spec: { intervals: [{ every: '1m' }] },
      action: { type: 'startWorkflow', workflowType: 'sweepWorkflow', taskQueue, args: [], workflowId: `sweep:${taskQueue}` },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(sweepScheduleId(taskQueue)).trigger(ScheduleOverlapPolicy.SKIP);
}

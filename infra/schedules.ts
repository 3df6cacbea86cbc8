import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { CycleCountPlanInput } from '../activities/counts';
import type { Config } from './config';
import { type ReplenishmentInput, replenishmentWorkflowId } from '../workflows/replenishment-definitions';

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

export const cycleCountScheduleId = (taskQueue: string): string => `cycle-counts:${taskQueue}`;

/**
 * The cycle-count Schedule, made like the sweep's: every replica calls this at start, the first
 * creates it and Temporal runs the planner once per period across all of them. A replica started
 * with other settings (intervals, window, period) updates the Schedule to them.
 */
export async function startCycleCounting(client: Client, taskQueue: string, settings: Config['cycleCounts']): Promise<void> {
  const args: [CycleCountPlanInput] = [{ intervalDays: settings.intervalDays, abcWindowDays: settings.abcWindowDays }];
  const spec = { intervals: [{ every: settings.every as Duration }] };
  const action = { type: 'startWorkflow' as const, workflowType: 'cycleCountWorkflow', taskQueue, args, workflowId: cycleCountScheduleId(taskQueue) };
  try {
    await client.schedule.create({
      scheduleId: cycleCountScheduleId(taskQueue),
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(cycleCountScheduleId(taskQueue)).update((previous) => ({ ...previous, spec, action }));
  }
}

export const replenishmentScheduleId = (taskQueue: string): string => `replenishment:${taskQueue}`;

/**
 * The replenishment Schedule (REPLENISHMENT_EVERY), made like the cycle counts': every replica calls
 * this at start, the first creates it, Temporal runs the planner once per period across all of them,
 * and a replica started with another period updates the Schedule to it.
 */
/** What the replenishment Schedule starts: a run over every location. */
export function replenishmentScheduleAction(taskQueue: string) {
  const args: [ReplenishmentInput] = [{ cause: 'schedule' }];
  return { type: 'startWorkflow' as const, workflowType: 'replenishmentWorkflow', taskQueue, args, workflowId: replenishmentWorkflowId(`schedule:${taskQueue}`) };
}

export async function startReplenishing(client: Client, taskQueue: string, settings: Pick<Config['replenishment'], 'every'>): Promise<void> {
  const spec = { intervals: [{ every: settings.every as Duration }] };
  const action = replenishmentScheduleAction(taskQueue);
  try {
    await client.schedule.create({
      scheduleId: replenishmentScheduleId(taskQueue),
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1h' },
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(replenishmentScheduleId(taskQueue)).update((previous) => ({ ...previous, spec, action }));
  }
}

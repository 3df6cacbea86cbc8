import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SweepResult } from '../activities/sweep';
import { databaseActivity } from './activity-options';

const { sweepUnstartedWork } = proxyActivities<Activities>({ ...databaseActivity, scheduleToCloseTimeout: '10m', heartbeatTimeout: '2m' });

/** Rows younger than this belong to an API request that may still be starting their workflow. */
const GRACE_SECONDS = 30;

/** Run by the `sweep` Schedule once a minute, once across all worker replicas. */
export async function sweepWorkflow(): Promise<SweepResult> {
  return sweepUnstartedWork({ olderThanSeconds: GRACE_SECONDS });
}

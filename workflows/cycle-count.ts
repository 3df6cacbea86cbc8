import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CycleCountPlanInput, CycleCountPlanResult } from '../activities/counts';
import { databaseActivity } from './activity-options';

const { planCycleCounts } = proxyActivities<Activities>({ ...databaseActivity, scheduleToCloseTimeout: '6h', heartbeatTimeout: '2m' });

/** Run by the cycle-count Schedule, once across all worker replicas: open count tasks for the SKUs due. */
export async function cycleCountWorkflow(input: CycleCountPlanInput): Promise<CycleCountPlanResult> {
  return planCycleCounts(input);
}

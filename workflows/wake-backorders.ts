import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WakeBackordersInput } from './definitions';

const { wakeBackorderedOrders } = proxyActivities<Activities>({
  startToCloseTimeout: '15m',
  scheduleToCloseTimeout: '24h',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

/**
 * Started for whatever makes stock available (`receipt:<id>`, `wake:release:<id>`): offers it to
 * backordered orders, oldest first.
 */
export async function wakeBackordersWorkflow(input: WakeBackordersInput): Promise<number> {
  const { woken } = await wakeBackorderedOrders(input);
  return woken;
}

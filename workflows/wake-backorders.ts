import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WakeBackordersInput } from './definitions';

const { wakeBackorderedOrders } = proxyActivities<Activities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '1m' },
});

/** Started for each stock receipt (`receipt:<id>`): offers the new stock to backordered orders, oldest first. */
export async function wakeBackordersWorkflow(input: WakeBackordersInput): Promise<number> {
  const { woken } = await wakeBackorderedOrders(input);
  return woken;
}

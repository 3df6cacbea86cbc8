import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { databaseActivity } from './activity-options';
import { retryDelaySeconds, type WebhookDeliveryInput, type WebhookDeliveryStatus } from './webhook-delivery-definitions';

// The POST's own failures are results, not errors; only a database fault retries the activity, bounded.
const { attemptWebhookDelivery } = proxyActivities<Activities>({
  ...databaseActivity,
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '1h',
});

/**
 * `webhook-delivery:<id>`: posts one event to one endpoint, each attempt recorded by the activity,
 * waiting initialSeconds x 2^(n-1) (capped) after failed attempt n, until one succeeds (DELIVERED)
 * or maxAttempts have failed or the endpoint was deactivated (FAILED). Ops filter with
 * WorkflowType="webhookDeliveryWorkflow" AND ExecutionStatus="Running" for deliveries still retrying.
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryStatus> {
  const { deliveryId, retry } = input;
  for (let attemptNo = 1; ; attemptNo += 1) {
    const retryInSeconds = attemptNo < retry.maxAttempts ? retryDelaySeconds(retry, attemptNo) : null;
    const result = await attemptWebhookDelivery({ deliveryId, attemptNo, timeoutMs: retry.timeoutMs, retryInSeconds });
    if (result.status !== 'PENDING' || retryInSeconds === null) return result.status;
    await sleep(retryInSeconds * 1000);
  }
}

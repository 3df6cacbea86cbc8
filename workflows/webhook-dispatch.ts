import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WebhookDispatchResult } from '../activities/outbound-webhooks';
import { databaseActivity } from './activity-options';
import type { WebhookRetrySettings } from './webhook-delivery-definitions';

const { dispatchOutboundEvents } = proxyActivities<Activities>({ ...databaseActivity, scheduleToCloseTimeout: '10m', heartbeatTimeout: '2m' });

/**
 * Run by the `webhook-dispatch` Schedule (OUTBOUND_WEBHOOK_DISPATCH_EVERY), once across all worker
 * replicas: fans new outbox events out to the endpoints subscribed to them and starts a delivery
 * workflow for each delivery without one.
 */
export async function webhookDispatchWorkflow(retry: WebhookRetrySettings): Promise<WebhookDispatchResult> {
  return dispatchOutboundEvents({ retry });
}

import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PrunedWebhooks, WebhookDispatchResult } from '../activities/outbound-webhooks';
import { databaseActivity } from './activity-options';
import type { WebhookRetrySettings } from './webhook-delivery-definitions';

const { dispatchOutboundEvents, pruneOutboundWebhooks } = proxyActivities<Activities>({
  ...databaseActivity,
  scheduleToCloseTimeout: '10m',
  heartbeatTimeout: '2m',
});

/**
 * Run by the `webhook-dispatch` Schedule (OUTBOUND_WEBHOOK_DISPATCH_EVERY), once across all worker
 * replicas: fans new outbox events out to the endpoints subscribed to them and starts a delivery
 * workflow for each delivery without one, then deletes what was delivered more than retentionDays
 * ago (OUTBOUND_WEBHOOK_RETENTION_DAYS). A run started without retentionDays (by a Schedule an older
 * worker made, or replayed from its history) only dispatches.
 */
export async function webhookDispatchWorkflow(retry: WebhookRetrySettings, retentionDays?: number): Promise<WebhookDispatchResult & { pruned?: PrunedWebhooks }> {
  const dispatched = await dispatchOutboundEvents({ retry });
  if (retentionDays === undefined) return dispatched;
  return { ...dispatched, pruned: await pruneOutboundWebhooks({ retentionDays }) };
}

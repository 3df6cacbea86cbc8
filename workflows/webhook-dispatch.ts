import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PrunedWebhooks, WebhookDispatchResult } from '../activities/outbound-webhooks';
import { databaseActivity } from './activity-options';
import type { WebhookRetrySettings } from './webhook-delivery-definitions';

const { dispatchOutboundEvents, pruneOutboundWebhooks, publishChannelAvailability } = proxyActivities<Activities>({
  ...databaseActivity,
  scheduleToCloseTimeout: '10m',
  heartbeatTimeout: '2m',
});

/** Runs recorded before channel availability existed replay without publishing it. */
const PUBLISH_AVAILABILITY_PATCH = 'publish-channel-availability';

/**
 * Run by the `webhook-dispatch` Schedule (OUTBOUND_WEBHOOK_DISPATCH_EVERY), once across all worker
 * replicas: publishes the channels' available-to-sell of the SKUs whose stock changed since the last
 * run (the period coalesces a busy SKU's changes into one event), fans new outbox events out to the
 * endpoints subscribed to them and starts a delivery workflow for each delivery without one, then
 * deletes what was delivered more than retentionDays ago (OUTBOUND_WEBHOOK_RETENTION_DAYS). A run
 * started without retentionDays (by a Schedule an older worker made, or replayed from its history)
 * does not prune.
 */
export async function webhookDispatchWorkflow(retry: WebhookRetrySettings, retentionDays?: number): Promise<WebhookDispatchResult & { pruned?: PrunedWebhooks }> {
  if (patched(PUBLISH_AVAILABILITY_PATCH)) await publishChannelAvailability();
  const dispatched = await dispatchOutboundEvents({ retry });
  if (retentionDays === undefined) return dispatched;
  return { ...dispatched, pruned: await pruneOutboundWebhooks({ retentionDays }) };
}

import type { WebhookAttemptInput, WebhookAttemptResult } from '../../workflows/webhook-delivery-definitions';

/**
 * In-memory receivers for delivery workflow tests: delivery id -> the HTTP status the receiver answers
 * each attempt with, in order (null: no answer). Tests add a delivery's answers before starting it.
 */
export const fakeReceivers = new Map<string, (number | null)[]>();

export function fakeWebhookActivities(record: (name: 'attemptWebhookDelivery' | 'dispatchOutboundEvents' | 'pruneOutboundWebhooks' | 'publishChannelAvailability', input: unknown) => Promise<void>) {
  return {
    async attemptWebhookDelivery(input: WebhookAttemptInput): Promise<WebhookAttemptResult> {
      await record('attemptWebhookDelivery', input);
      const answers = fakeReceivers.get(input.deliveryId);
      if (!answers) throw new Error(`fake delivery ${input.deliveryId} was never added`);
      const statusCode = answers[input.attemptNo - 1] ?? null;
      const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
      return { status: ok ? 'DELIVERED' : input.retryInSeconds === null ? 'FAILED' : 'PENDING', statusCode };
    },
    async dispatchOutboundEvents(input: unknown) {
      await record('dispatchOutboundEvents', input);
      return { events: 0, deliveries: 0, started: 0 };
    },
    async publishChannelAvailability() {
      await record('publishChannelAvailability', undefined);
      return { skus: 0, changed: 0 };
    },
    async pruneOutboundWebhooks(input: unknown) {
      await record('pruneOutboundWebhooks', input);
      return { deliveries: 0, events: 0 };
    },
  };
}

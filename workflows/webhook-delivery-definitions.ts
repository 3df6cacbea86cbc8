/**
 * The contract of outbound webhook deliveries between the dispatcher, the delivery workflow
 * (`webhook-delivery:<id>`) and its activity. Workflow-safe (no I/O), so both sides import it.
 */

export const webhookDeliveryWorkflowId = (deliveryId: string): string => `webhook-delivery:${deliveryId}`;

export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** Fixed into each delivery when it starts, so a change of settings never changes a running history. */
export interface WebhookRetrySettings {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The wait after the first failure; each further wait doubles, up to maxSeconds. */
  initialSeconds: number;
  maxSeconds: number;
  /** How long one POST may take before it counts as failed. */
  timeoutMs: number;
}

export interface WebhookDeliveryInput {
  deliveryId: string;
  retry: WebhookRetrySettings;
}

export interface WebhookAttemptInput {
  deliveryId: string;
  attemptNo: number;
  timeoutMs: number;
  /** When the next attempt follows a failure of this one; null on the last attempt, whose failure ends the delivery FAILED. */
  retryInSeconds: number | null;
}

export interface WebhookAttemptResult {
  /** PENDING: this attempt failed and another follows. */
  status: WebhookDeliveryStatus;
  statusCode: number | null;
}

/** Exponential backoff: the wait after failed attempt `attemptNo` (1-based). */
export function retryDelaySeconds(retry: WebhookRetrySettings, attemptNo: number): number {
  return Math.min(retry.maxSeconds, retry.initialSeconds * 2 ** (attemptNo - 1));
}

import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { loadConfig } from '../infra/config';

export type WebhookFailureReason = 'unknown_carrier' | 'missing_signature' | 'stale_timestamp' | 'bad_signature';

/** A failed webhook attempt, as metadata only: the body itself is never stored, just its hash and size. */
export async function recordWebhookFailure(
  db: Knex,
  failure: { carrier: string; sourceAddress: string | undefined; reason: WebhookFailureReason; body: Buffer | undefined },
): Promise<void> {
  const body = failure.body ?? Buffer.alloc(0);
  await db('webhook_failures').insert({
    carrier: failure.carrier.slice(0, 32),
    source_address: failure.sourceAddress?.slice(0, 64) ?? null,
    reason: failure.reason,
    body_sha256: createHash('sha256').update(body).digest('hex'),
    body_bytes: body.length,
  });
}

/**
 * Deletes up to `limit` failed webhook attempts older than WEBHOOK_FAILURE_RETENTION_HOURS (or
 * `retentionHours`) and returns how many it deleted: call it again while it returns `limit`.
 */
export async function deleteOldWebhookFailures(
  db: Knex,
  limit: number,
  retentionHours: number = loadConfig().carrier.webhookFailureRetentionHours,
): Promise<number> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  const result = await db.raw(
    `DELETE FROM webhook_failures
      WHERE id IN (
        SELECT id FROM webhook_failures
         WHERE received_at <= now() - make_interval(hours => ?)
         ORDER BY received_at
         LIMIT ?
         FOR UPDATE SKIP LOCKED)`,
    [retentionHours, limit],
  );
  return result.rowCount ?? 0;
}

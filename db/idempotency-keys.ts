import type { Knex } from 'knex';

/**
 * Deletes up to `limit` expired keys and returns how many it deleted: call it again while it
 * returns `limit`. Rows another run is deleting are skipped, so runs may overlap.
 */
export async function deleteExpiredIdempotencyKeys(db: Knex, limit: number): Promise<number> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  const result = await db.raw(
    `DELETE FROM idempotency_keys
      WHERE (api_key_id, key) IN (
        SELECT api_key_id, key FROM idempotency_keys
         WHERE expires_at <= now()
         ORDER BY expires_at
         LIMIT ?
         FOR UPDATE SKIP LOCKED)`,
    [limit],
  );
  return result.rowCount ?? 0;
}

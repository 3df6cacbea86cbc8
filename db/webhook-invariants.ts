import type { Knex } from 'knex';

/**
 * Outbound webhook deliveries agree with their attempts: a delivery counts the attempts recorded
 * for it (numbered 1..n), is DELIVERED exactly when its last attempt succeeded, and no attempt
 * succeeded before the last (a delivered event is never posted again).
 */
export async function webhookDeliveriesMatchAttempts(db: Knex): Promise<string[]> {
  const result = await db.raw(
    `SELECT d.id, d.status, d.attempts, count(a.attempt_no) AS recorded, coalesce(max(a.attempt_no), 0) AS last_no,
            count(*) FILTER (WHERE a.succeeded) AS succeeded,
            bool_or(a.succeeded AND a.attempt_no = d.attempts) AS last_succeeded
       FROM webhook_deliveries d
       LEFT JOIN webhook_delivery_attempts a ON a.delivery_id = d.id
      GROUP BY d.id
     HAVING d.attempts <> count(a.attempt_no)
         OR d.attempts <> coalesce(max(a.attempt_no), 0)
         OR count(*) FILTER (WHERE a.succeeded) > 1
         OR (d.status = 'DELIVERED') <> coalesce(bool_or(a.succeeded AND a.attempt_no = d.attempts), false)
      ORDER BY d.id`,
  );
  return (result.rows as { id: string; status: string; attempts: number; recorded: number; last_no: number; succeeded: number }[]).map(
    (row) =>
      `webhooks: delivery ${row.id} is ${row.status} after ${row.attempts} attempts, but has ${row.recorded} recorded ` +
      `(last no. ${row.last_no}), ${row.succeeded} of them succeeded`,
  );
}

import type { Knex } from 'knex';

/**
 * Outbound webhooks: an endpoint's previous secret, which keeps signing deliveries beside the new one
 * until it expires (a rotation's grace period), and the indexes the retention of delivered events
 * reads, oldest first.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('webhook_endpoints', (t) => {
    t.string('previous_secret', 100);
    t.timestamp('previous_secret_expires_at', { useTz: true });
    t.timestamp('secret_rotated_at', { useTz: true });
    t.check('(previous_secret IS NULL) = (previous_secret_expires_at IS NULL)', [], 'webhook_endpoints_previous_secret_expires');
  });
  await db.raw(`CREATE INDEX webhook_deliveries_delivered ON webhook_deliveries (finished_at) WHERE status = 'DELIVERED'`);
  await db.raw('CREATE INDEX outbound_events_dispatched ON outbound_events (created_at) WHERE dispatched_at IS NOT NULL');
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP INDEX IF EXISTS outbound_events_dispatched');
  await db.raw('DROP INDEX IF EXISTS webhook_deliveries_delivered');
  await db.schema.alterTable('webhook_endpoints', (t) => {
    t.dropChecks('webhook_endpoints_previous_secret_expires');
    t.dropColumns('previous_secret', 'previous_secret_expires_at', 'secret_rotated_at');
  });
}

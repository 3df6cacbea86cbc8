import type { Knex } from 'knex';

/**
 * Webhooks bound to their carrier and bounded:
 * - a shipment is found by (carrier, tracking_number), unique as a pair (two carriers may reuse a number);
 * - failed webhook attempts (bad signature, stale timestamp, unknown carrier) keep metadata only, never
 *   the body, in webhook_failures, deleted after WEBHOOK_FAILURE_RETENTION_HOURS by the sweep;
 * - the payloads earlier failed attempts left in webhook_events are removed.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('shipments', (t) => {
    t.dropUnique(['tracking_number']);
    t.unique(['carrier', 'tracking_number']);
  });

  await db.schema.createTable('webhook_failures', (t) => {
    t.bigIncrements('id');
    t.string('carrier', 32).notNullable();
    t.string('source_address', 64);
    t.string('reason', 32).notNullable();
    t.string('body_sha256', 64).notNullable();
    t.integer('body_bytes').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['received_at']);
  });

  await db('webhook_events').where({ signature_valid: false }).delete();
  await db.raw('CREATE INDEX webhook_events_unmatched ON webhook_events (carrier, tracking_number, received_at) WHERE signature_valid');
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP INDEX IF EXISTS webhook_events_unmatched');
  await db.schema.dropTableIfExists('webhook_failures');
  await db.schema.alterTable('shipments', (t) => {
    t.dropUnique(['carrier', 'tracking_number']);
    t.unique(['tracking_number']);
  });
}

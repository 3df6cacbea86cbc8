import type { Knex } from 'knex';

/**
 * Outbound webhooks: endpoints merchants register, the outbox of events (written by emitEvent in the
 * transaction of the change they describe), one delivery per event and subscribed endpoint (run by
 * its workflow `webhook-delivery:<id>`), and every attempt of a delivery.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('webhook_endpoints', (t) => {
    t.string('id', 40).primary();
    t.text('url').notNullable();
    /** Event types or `<prefix>.*` patterns (`order.*`), or `*` for everything. */
    t.specificType('event_types', 'text[]').notNullable();
    /** Signs every delivery; shown once, in the answer that created the endpoint. */
    t.string('secret', 100).notNullable();
    t.string('description', 200);
    t.boolean('active').notNullable().defaultTo(true);
    t.string('created_by', 40);
    t.timestamp('deactivated_at', { useTz: true });
    t.timestamps(true, true);
    t.check('cardinality(??) > 0', ['event_types']);
    t.check('?? = (?? IS NULL)', ['active', 'deactivated_at']);
  });

  await db.schema.createTable('outbound_events', (t) => {
    t.bigIncrements('id').primary();
    t.string('type', 64).notNullable();
    /** The emitter's key: one event per key, however often the emitting activity retries. */
    t.string('event_key', 200).notNullable().unique();
    t.jsonb('data').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    /** Set once the dispatcher has made the deliveries for the endpoints subscribed at that moment. */
    t.timestamp('dispatched_at', { useTz: true });
  });
  await db.raw('CREATE INDEX outbound_events_undispatched ON outbound_events (id) WHERE dispatched_at IS NULL');

  await db.schema.createTable('webhook_deliveries', (t) => {
    /** Random (dlv_…), not a sequence: it names the delivery's workflow, and databases sharing a Temporal namespace must never collide. */
    t.string('id', 40).primary();
    t.bigInteger('event_id').notNullable().references('outbound_events.id');
    t.string('endpoint_id', 40).notNullable().references('webhook_endpoints.id');
    t.string('status', 16).notNullable().defaultTo('PENDING');
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('last_status_code');
    t.text('last_error');
    t.timestamp('next_attempt_at', { useTz: true });
    t.timestamp('workflow_started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['event_id', 'endpoint_id']);
    t.index(['endpoint_id', 'created_at']);
    t.check("?? IN ('PENDING', 'DELIVERED', 'FAILED')", ['status']);
    t.check("(?? = 'PENDING') = (?? IS NULL)", ['status', 'finished_at']);
  });
  await db.raw('CREATE INDEX webhook_deliveries_unstarted ON webhook_deliveries (created_at) WHERE workflow_started_at IS NULL');

  await db.schema.createTable('webhook_delivery_attempts', (t) => {
    t.string('delivery_id', 40).notNullable().references('webhook_deliveries.id');
    t.integer('attempt_no').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.integer('duration_ms').notNullable();
    /** The receiver's HTTP status, or null when no answer came (refused, timed out). */
    t.integer('status_code');
    t.text('error');
    t.boolean('succeeded').notNullable();
    t.primary(['delivery_id', 'attempt_no']);
    t.check('?? > 0', ['attempt_no']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('webhook_delivery_attempts');
  await db.schema.dropTableIfExists('webhook_deliveries');
  await db.schema.dropTableIfExists('outbound_events');
  await db.schema.dropTableIfExists('webhook_endpoints');
}

import type { Knex } from 'knex';
import { migrateSchema, migrationSourceOf, type Migration } from '../../infra/sandbox-schema';

/** The sandbox carrier is a separate service: it keeps its tables in its own schema. */
export const SCHEMA = 'sandbox_carrier';

const labelsAndEvents: Migration = {
  async up(db) {
    await db.schema.withSchema(SCHEMA).createTable('labels', (t) => {
      t.string('id', 40).primary();
      // Labels belong to the account of the API key that bought them (see accountIdFor).
      t.string('account_id', 32).notNullable();
      t.string('idempotency_key', 200).notNullable();
      t.string('tracking_number', 15).notNullable().unique();
      t.string('service', 16).notNullable();
      t.integer('cost_cents').notNullable();
      t.string('currency', 3).notNullable();
      t.string('reference', 200).notNullable();
      t.jsonb('from_address').notNullable();
      t.jsonb('to_address').notNullable();
      t.jsonb('parcel').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('voided_at', { useTz: true });
      t.unique(['account_id', 'idempotency_key']);
    });

    // Tracking numbers are SBX + 12 digits; a sequence makes them unique without retries.
    await db.raw('CREATE SEQUENCE ??.tracking_number_seq START WITH 100000000001 MAXVALUE 999999999999', [SCHEMA]);

    await db.schema.withSchema(SCHEMA).createTable('events', (t) => {
      // seq breaks ties between events of one parcel that occur in the same millisecond.
      t.bigIncrements('seq');
      t.string('id', 40).notNullable().unique();
      t.string('label_id', 40).notNullable().references('id').inTable(`${SCHEMA}.labels`);
      t.string('account_id', 32).notNullable();
      t.string('tracking_number', 15).notNullable();
      t.string('status', 24).notNullable();
      t.string('description', 300).notNullable();
      t.timestamp('occurred_at', { useTz: true }).notNullable();
      // When the webhook is (re)sent: null once delivered or cancelled. While a request is in
      // flight it is the claim's lease. No partial indexes: on a fresh, never-analysed table the
      // planner would think they hold almost nothing and pick them for every lookup.
      t.timestamp('next_attempt_at', { useTz: true });
      t.integer('attempts').notNullable().defaultTo(0);
      t.string('last_error', 500);
      t.timestamp('delivered_at', { useTz: true });
      t.timestamp('cancelled_at', { useTz: true });
      t.index(['account_id', 'next_attempt_at']);
      // A parcel's events in order: its tracking history and the head of its webhook queue.
      t.index(['label_id', 'occurred_at', 'seq']);
    });
  },
  async down(db) {
    await db.schema.withSchema(SCHEMA).dropTable('events');
    await db.raw('DROP SEQUENCE ??.tracking_number_seq', [SCHEMA]);
    await db.schema.withSchema(SCHEMA).dropTable('labels');
  },
};

/**
 * Multi-piece labels: one label (its master tracking number, its tracking events) for several
 * parcels, each with a tracking number of its own. Piece 1 carries the master tracking number.
 */
const pieces: Migration = {
  async up(db) {
    await db.schema.withSchema(SCHEMA).createTable('pieces', (t) => {
      t.string('label_id', 40).notNullable().references('id').inTable(`${SCHEMA}.labels`);
      t.integer('piece_no').notNullable();
      t.string('tracking_number', 15).notNullable().unique();
      t.jsonb('parcel').notNullable();
      t.primary(['label_id', 'piece_no']);
    });
    await db.raw(`INSERT INTO ??.pieces (label_id, piece_no, tracking_number, parcel) SELECT id, 1, tracking_number, parcel FROM ??.labels`, [
      SCHEMA,
      SCHEMA,
    ]);
    await db.schema.withSchema(SCHEMA).alterTable('labels', (t) => t.dropColumn('parcel'));
  },
  async down(db) {
    await db.schema.withSchema(SCHEMA).alterTable('labels', (t) => t.jsonb('parcel'));
    await db.raw(`UPDATE ??.labels l SET parcel = p.parcel FROM ??.pieces p WHERE p.label_id = l.id AND p.piece_no = 1`, [SCHEMA, SCHEMA]);
    await db.raw(`ALTER TABLE ??.labels ALTER COLUMN parcel SET NOT NULL`, [SCHEMA]);
    await db.schema.withSchema(SCHEMA).dropTable('pieces');
  },
};

/** Return labels: the customer sends the parcel back to the warehouse; its label says so. */
const returnLabels: Migration = {
  async up(db) {
    await db.schema.withSchema(SCHEMA).alterTable('labels', (t) => t.boolean('is_return').notNullable().defaultTo(false));
  },
  async down(db) {
    await db.schema.withSchema(SCHEMA).alterTable('labels', (t) => t.dropColumn('is_return'));
  },
};

export const sandboxMigrationSource = migrationSourceOf({
  '001_labels_and_events': labelsAndEvents,
  '002_pieces': pieces,
  '003_return_labels': returnLabels,
});

/** Creates or upgrades the carrier's schema; safe when several carrier processes start at once. */
export function migrateSandboxCarrier(db: Knex): Promise<void> {
  return migrateSchema(db, SCHEMA, sandboxMigrationSource);
}

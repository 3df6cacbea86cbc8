import type { Knex } from 'knex';
import { migrateSchema, migrationSourceOf, type Migration } from '../../infra/sandbox-schema';

/** The sandbox supplier is a separate service: it keeps its tables in its own schema. */
export const SCHEMA = 'sandbox_supplier';

const ordersStockAndEvents: Migration = {
  async up(db) {
    // What the supplier has per (client, account, supplier SKU); no row means unlimited.
    await db.schema.withSchema(SCHEMA).createTable('stock', (t) => {
      // Everything belongs to the client of the API key that wrote it (see clientIdFor).
      t.string('client_id', 32).notNullable();
      t.string('account', 200).notNullable();
      t.string('supplier_sku', 100).notNullable();
      t.integer('quantity').notNullable();
      t.primary(['client_id', 'account', 'supplier_sku']);
    });
    await db.raw('ALTER TABLE ??.stock ADD CONSTRAINT stock_quantity_non_negative CHECK (quantity >= 0)', [SCHEMA]);

    // Tracking numbers are SUP + 12 digits; a sequence makes them unique without retries.
    await db.raw('CREATE SEQUENCE ??.tracking_number_seq START WITH 100000000001 MAXVALUE 999999999999', [SCHEMA]);

    await db.schema.withSchema(SCHEMA).createTable('orders', (t) => {
      t.string('id', 40).primary();
      t.string('client_id', 32).notNullable();
      t.string('idempotency_key', 200).notNullable();
      t.string('reference', 200).notNullable();
      t.string('account', 200).notNullable();
      t.jsonb('ship_to').notNullable();
      t.jsonb('lines').notNullable();
      // Assigned on acceptance, shown once the order has shipped.
      t.string('tracking_number', 15).notNullable().unique();
      t.string('carrier', 40).notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      // When it ships (or shipped): planned by the timetable, null until someone ships a `manual` order.
      t.timestamp('ships_at', { useTz: true });
      t.timestamp('cancelled_at', { useTz: true });
      t.unique(['client_id', 'idempotency_key']);
    });

    await db.schema.withSchema(SCHEMA).createTable('events', (t) => {
      // seq breaks ties between events of one order that occur in the same millisecond.
      t.bigIncrements('seq');
      t.string('id', 40).notNullable().unique();
      t.string('order_id', 40).notNullable().references('id').inTable(`${SCHEMA}.orders`);
      t.string('client_id', 32).notNullable();
      t.string('type', 24).notNullable();
      t.string('status', 24).notNullable();
      t.string('description', 300).notNullable();
      t.string('reference', 200).notNullable();
      t.string('tracking_number', 15).notNullable();
      t.string('carrier', 40).notNullable();
      t.timestamp('occurred_at', { useTz: true }).notNullable();
      // When the webhook is (re)sent: null once delivered or cancelled; while a request is in flight, the claim's lease.
      t.timestamp('next_attempt_at', { useTz: true });
      t.integer('attempts').notNullable().defaultTo(0);
      t.string('last_error', 500);
      t.timestamp('delivered_at', { useTz: true });
      t.timestamp('cancelled_at', { useTz: true });
      t.index(['client_id', 'next_attempt_at']);
      // An order's events in order: its tracking history and the head of its webhook queue.
      t.index(['order_id', 'occurred_at', 'seq']);
    });
  },
  async down(db) {
    await db.schema.withSchema(SCHEMA).dropTable('events');
    await db.schema.withSchema(SCHEMA).dropTable('orders');
    await db.raw('DROP SEQUENCE ??.tracking_number_seq', [SCHEMA]);
    await db.schema.withSchema(SCHEMA).dropTable('stock');
  },
};

export const sandboxSupplierMigrationSource = migrationSourceOf({
  '001_orders_stock_and_events': ordersStockAndEvents,
});

/** Creates or upgrades the supplier's schema; safe when several supplier processes start at once. */
export function migrateSandboxSupplier(db: Knex): Promise<void> {
  return migrateSchema(db, SCHEMA, sandboxSupplierMigrationSource);
}

import type { Knex } from 'knex';

/**
 * Returns (RMAs): a return per request, its lines with reason, received units and their
 * disposition; quarantine locations for damaged units (never allocated); final-sale products and
 * per-product return windows; refunds tied to their return; returned and refunded amounts per
 * order line; replacement orders linked to the return they exchange.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('products', (t) => {
    t.boolean('final_sale').notNullable().defaultTo(false);
    /** Days after delivery a unit may be returned; null: the engine's default. */
    t.integer('return_window_days');
  });
  await db.raw('ALTER TABLE products ADD CONSTRAINT products_return_window_positive CHECK (return_window_days > 0)');

  // Quarantine locations hold damaged stock: they belong to a warehouse and are never allocated.
  await db.schema.alterTable('locations', (t) => {
    t.string('parent_location_id', 32).references('locations.id');
  });
  await db.raw('ALTER TABLE locations DROP CONSTRAINT locations_kind_check');
  await db.raw("ALTER TABLE locations ADD CONSTRAINT locations_kind_check CHECK (kind IN ('warehouse', 'store', 'quarantine'))");
  await db.raw(
    "ALTER TABLE locations ADD CONSTRAINT locations_quarantine_parent CHECK ((kind = 'quarantine') = (parent_location_id IS NOT NULL))",
  );
  await db.raw("CREATE UNIQUE INDEX locations_one_quarantine ON locations (parent_location_id) WHERE kind = 'quarantine'");

  await db.schema.createTable('returns', (t) => {
    t.string('id', 40).primary();
    t.string('order_id', 40).notNullable().references('orders.id');
    t.string('customer_id', 128).notNullable();
    t.string('channel', 64).notNullable();
    t.string('location_id', 32).notNullable().references('locations.id');
    t.string('status', 24).notNullable();
    t.integer('status_version').notNullable().defaultTo(0);
    t.string('currency', 3).notNullable();
    /** The value of the requested units at the price paid. */
    t.integer('requested_cents').notNullable();
    t.integer('refunded_cents').notNullable().defaultTo(0);
    t.boolean('advance_exchange').notNullable().defaultTo(false);
    t.string('exchange_order_id', 40);
    t.jsonb('policy').notNullable();
    t.string('carrier', 32);
    t.string('tracking_number', 64);
    t.string('label_id', 64);
    t.text('label_url');
    t.timestamp('label_voided_at', { useTz: true });
    t.string('decided_by', 128);
    t.text('decision_note');
    /** CANCELLED, REJECTED, EXPIRED, FAILED: why. */
    t.string('reason', 200);
    t.timestamp('received_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
    /** A record of the key it was requested under; idempotency_keys decides, per API key (as for orders). */
    t.string('idempotency_key', 200).index();
    t.string('request_hash', 64);
    t.timestamp('workflow_started_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['carrier', 'tracking_number']);
    t.index(['order_id']);
    t.index(['created_at', 'id']);
    t.index(['status', 'created_at']);
    t.index(['customer_id', 'created_at']);
    t.check(
      "?? IN ('AWAITING_APPROVAL', 'APPROVED', 'AWAITING_PARCEL', 'IN_TRANSIT', 'ARRIVED', 'RECEIVED', 'REFUNDED', 'CLOSED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'FAILED')",
      ['status'],
    );
    t.check('?? >= 0 AND ?? >= 0', ['requested_cents', 'refunded_cents']);
  });
  await db.raw('CREATE INDEX returns_unstarted ON returns (created_at, id) WHERE workflow_started_at IS NULL');

  await db.schema.createTable('return_lines', (t) => {
    t.string('return_id', 40).notNullable().references('returns.id');
    /** The order line the units come back from. */
    t.integer('line_no').notNullable();
    t.string('order_id', 40).notNullable();
    t.string('sku', 64).notNullable().references('products.sku');
    t.integer('quantity').notNullable();
    t.string('reason', 24).notNullable();
    t.text('note');
    t.integer('unit_price_cents').notNullable();
    t.string('exchange_sku', 64).references('products.sku');
    t.integer('qty_received').notNullable().defaultTo(0);
    t.integer('qty_restocked').notNullable().defaultTo(0);
    t.integer('qty_damaged').notNullable().defaultTo(0);
    t.integer('qty_scrapped').notNullable().defaultTo(0);
    t.integer('refunded_cents').notNullable().defaultTo(0);
    t.primary(['return_id', 'line_no']);
    t.foreign(['order_id', 'line_no']).references(['order_id', 'line_no']).inTable('order_lines');
    t.check("?? IN ('damaged', 'wrong_item', 'not_as_described', 'changed_mind', 'other')", ['reason']);
    t.check('?? > 0 AND ?? >= 0 AND ?? <= ??', ['quantity', 'qty_received', 'qty_received', 'quantity']);
    t.check('?? + ?? + ?? = ??', ['qty_restocked', 'qty_damaged', 'qty_scrapped', 'qty_received']);
    t.check('?? >= 0 AND ?? >= 0 AND ?? >= 0 AND ?? >= 0', ['qty_restocked', 'qty_damaged', 'qty_scrapped', 'refunded_cents']);
  });

  await db.schema.alterTable('order_lines', (t) => {
    /** Units received back through returns (any disposition). */
    t.integer('qty_returned').notNullable().defaultTo(0);
    t.integer('refunded_cents').notNullable().defaultTo(0);
  });
  await db.raw('ALTER TABLE order_lines ADD CONSTRAINT order_lines_returned_within_shipped CHECK (qty_returned >= 0 AND qty_returned <= qty_shipped)');

  await db.schema.alterTable('orders', (t) => {
    t.integer('refunded_cents').notNullable().defaultTo(0);
    /** A replacement order: the return whose exchange it ships. */
    t.string('exchange_for_return_id', 40);
  });

  await db.schema.alterTable('payments', (t) => {
    t.string('return_id', 40);
    t.index(['return_id']);
  });
  // Carrier events on a return label are matched to the return, as shipments' are.
  await db.schema.alterTable('webhook_events', (t) => {
    t.string('return_id', 40);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('webhook_events', (t) => t.dropColumn('return_id'));
  await db.schema.alterTable('payments', (t) => t.dropColumn('return_id'));
  await db.schema.alterTable('orders', (t) => t.dropColumns('refunded_cents', 'exchange_for_return_id'));
  await db.raw('ALTER TABLE order_lines DROP CONSTRAINT IF EXISTS order_lines_returned_within_shipped');
  await db.schema.alterTable('order_lines', (t) => t.dropColumns('qty_returned', 'refunded_cents'));
  await db.schema.dropTableIfExists('return_lines');
  await db.schema.dropTableIfExists('returns');
  await db.raw('DROP INDEX IF EXISTS locations_one_quarantine');
  await db.raw('ALTER TABLE locations DROP CONSTRAINT IF EXISTS locations_quarantine_parent');
  await db.raw('ALTER TABLE locations DROP CONSTRAINT locations_kind_check');
  await db.raw("ALTER TABLE locations ADD CONSTRAINT locations_kind_check CHECK (kind IN ('warehouse', 'store'))");
  await db.schema.alterTable('locations', (t) => t.dropColumn('parent_location_id'));
  await db.raw('ALTER TABLE products DROP CONSTRAINT IF EXISTS products_return_window_positive');
  await db.schema.alterTable('products', (t) => t.dropColumns('final_sale', 'return_window_days'));
}

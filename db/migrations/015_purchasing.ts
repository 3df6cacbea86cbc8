import type { Knex } from 'knex';

/**
 * Suppliers and purchase orders, each PO run by its workflow `po:<id>`:
 * DRAFT → SUBMITTED (the supplier reads its document) → CONFIRMED (quantities and dates) →
 * PARTIALLY_RECEIVED → CLOSED (everything expected arrived, or ops closed it short), or CANCELLED
 * before anything arrived. Units ordered and not yet received on SUBMITTED, CONFIRMED and
 * PARTIALLY_RECEIVED orders are the levels' incoming.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('products', (t) => {
    /** Just in time: no safety stock; a backorder raises a PO line at once. */
    t.boolean('jit').notNullable().defaultTo(false);
  });

  await db.schema.createTable('suppliers', (t) => {
    t.string('id', 40).primary();
    t.string('name', 200).notNullable();
    t.jsonb('contact').notNullable();
    t.string('currency', 3).notNullable();
    t.integer('lead_time_days').notNullable();
    t.integer('minimum_order_cents').notNullable().defaultTo(0);
    t.string('payment_terms', 100).notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    /** Signs the supplier's webhooks (HMAC-SHA256); shown once, when the supplier is created. */
    t.string('webhook_secret', 100).notNullable();
    t.string('idempotency_key', 200).unique();
    t.timestamps(true, true);
    t.check('?? >= 0 AND ?? >= 0', ['lead_time_days', 'minimum_order_cents']);
  });

  await db.schema.createTable('supplier_products', (t) => {
    t.string('supplier_id', 40).notNullable().references('suppliers.id');
    t.string('sku', 64).notNullable().references('products.sku');
    t.string('supplier_sku', 64).notNullable();
    t.integer('unit_cost_cents').notNullable();
    /** Ordered in multiples of this. */
    t.integer('pack_size').notNullable().defaultTo(1);
    t.integer('minimum_order_quantity').notNullable().defaultTo(1);
    t.boolean('preferred').notNullable().defaultTo(false);
    t.timestamps(true, true);
    t.primary(['supplier_id', 'sku']);
    t.unique(['supplier_id', 'supplier_sku']);
    t.index(['sku']);
    t.check('?? >= 0 AND ?? > 0 AND ?? > 0', ['unit_cost_cents', 'pack_size', 'minimum_order_quantity']);
  });
  await db.raw('CREATE UNIQUE INDEX supplier_products_one_preferred ON supplier_products (sku) WHERE preferred');

  await db.schema.createTable('purchase_orders', (t) => {
    t.string('id', 40).primary();
    t.string('supplier_id', 40).notNullable().references('suppliers.id');
    t.string('location_id', 32).notNullable().references('locations.id');
    t.string('status', 24).notNullable().defaultTo('DRAFT');
    /** auto: submitted as soon as its workflow starts; approval: waits for the approve update. */
    t.string('submit_mode', 16).notNullable();
    t.string('source', 16).notNullable();
    t.string('reason', 500);
    t.string('currency', 3).notNullable();
    /** Fixed when drafted: how far past the ordered quantity a line may be received. */
    t.integer('receipt_tolerance_percent').notNullable();
    /** When the goods are due: submission + the supplier's lead time, or the supplier's confirmed date. */
    t.timestamp('expected_at', { useTz: true });
    t.boolean('late').notNullable().defaultTo(false);
    /** Lets the supplier read the PO's document without an API key; set when submitted. */
    t.string('document_token', 64);
    t.string('cancel_reason', 500);
    t.string('created_by', 40);
    t.string('idempotency_key', 200).unique();
    t.timestamp('workflow_started_at', { useTz: true });
    t.timestamp('submitted_at', { useTz: true });
    t.timestamp('confirmed_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['status', 'created_at']);
    t.index(['supplier_id']);
    t.index(['location_id']);
    t.check("?? IN ('DRAFT', 'SUBMITTED', 'CONFIRMED', 'PARTIALLY_RECEIVED', 'CLOSED', 'CANCELLED')", ['status']);
    t.check("?? IN ('auto', 'approval')", ['submit_mode']);
    t.check("?? IN ('manual', 'replenishment', 'jit')", ['source']);
    t.check('?? BETWEEN 0 AND 100', ['receipt_tolerance_percent']);
    t.check("?? IN ('DRAFT', 'CANCELLED') OR ?? IS NOT NULL", ['status', 'submitted_at']);
  });
  await db.raw('CREATE INDEX purchase_orders_unstarted ON purchase_orders (created_at, id) WHERE workflow_started_at IS NULL');

  await db.schema.createTable('purchase_order_lines', (t) => {
    t.string('purchase_order_id', 40).notNullable().references('purchase_orders.id');
    t.integer('line_no').notNullable();
    t.string('sku', 64).notNullable().references('products.sku');
    t.string('supplier_sku', 64).notNullable();
    t.integer('quantity').notNullable();
    t.integer('unit_cost_cents').notNullable();
    /** Why a quantity off the pack size or under the MOQ was ordered anyway. */
    t.string('pack_override_reason', 500);
    t.integer('confirmed_quantity');
    t.date('confirmed_date');
    t.integer('received').notNullable().defaultTo(0);
    t.primary(['purchase_order_id', 'line_no']);
    t.unique(['purchase_order_id', 'sku']);
    t.index(['sku']);
    t.check('?? > 0 AND ?? >= 0 AND ?? >= 0', ['quantity', 'unit_cost_cents', 'received']);
    t.check('?? IS NULL OR ?? BETWEEN 0 AND ??', ['confirmed_quantity', 'confirmed_quantity', 'quantity']);
  });

  /** The PO's timeline: submitted, confirmed, received, late, closed... as ops read it. */
  await db.schema.createTable('purchase_order_events', (t) => {
    t.bigIncrements('id');
    t.string('purchase_order_id', 40).notNullable().references('purchase_orders.id');
    t.string('kind', 24).notNullable();
    t.string('note', 1000).notNullable();
    /** One event per key: an activity retried after a crash notes nothing twice. */
    t.string('key', 200).notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['purchase_order_id', 'id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('purchase_order_events');
  await db.schema.dropTableIfExists('purchase_order_lines');
  await db.schema.dropTableIfExists('purchase_orders');
  await db.schema.dropTableIfExists('supplier_products');
  await db.schema.dropTableIfExists('suppliers');
  await db.schema.alterTable('products', (t) => t.dropColumn('jit'));
}

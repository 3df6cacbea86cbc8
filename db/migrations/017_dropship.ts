import type { Knex } from 'knex';

/**
 * Dropshipping: a product (at every channel, or at some) whose order lines are never reserved from
 * our stock; they become a shipment whose sender is the supplier. The order line keeps the supplier
 * it was routed to, a dropship shipment names a supplier instead of a location, the supplier's order
 * is one row per shipment (placed once, by the shipment id), and what we owe the supplier is one
 * payable per shipment that shipped.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('dropship_products', (t) => {
    t.string('sku', 64).primary().references('products.sku');
    /** Empty: dropshipped at every channel; else only at these. */
    t.specificType('channels', 'text[]').notNullable().defaultTo('{}');
    t.timestamps(true, true);
  });

  await db.schema.alterTable('order_lines', (t) => {
    t.string('dropship_supplier_id', 40).references('suppliers.id');
  });

  await db.raw('ALTER TABLE shipments ALTER COLUMN location_id DROP NOT NULL');
  await db.schema.alterTable('shipments', (t) => {
    t.string('supplier_id', 40).references('suppliers.id');
  });
  await db.raw('ALTER TABLE shipments ADD CONSTRAINT shipments_one_sender CHECK ((location_id IS NULL) <> (supplier_id IS NULL))');
  await db.raw('CREATE INDEX shipments_supplier ON shipments (supplier_id, status) WHERE supplier_id IS NOT NULL');

  await db.schema.createTable('dropship_orders', (t) => {
    t.string('shipment_id', 48).primary().references('shipments.id');
    t.string('order_id', 40).notNullable().references('orders.id');
    t.string('supplier_id', 40).notNullable().references('suppliers.id');
    /** Which SupplierAdapter placed it; its webhooks name it. */
    t.string('adapter', 32).notNullable();
    t.string('supplier_order_id', 64);
    t.string('status', 16).notNullable().defaultTo('PLACING');
    t.string('refusal_code', 64);
    t.string('refusal_message', 500);
    t.string('carrier', 32);
    t.string('tracking_number', 64);
    t.timestamp('placed_at', { useTz: true });
    t.timestamp('shipped_at', { useTz: true });
    t.timestamp('cancelled_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['adapter', 'supplier_order_id']);
    t.index(['supplier_id', 'status']);
    t.check("?? IN ('PLACING', 'PLACED', 'REFUSED', 'SHIPPED', 'CANCELLED')", ['status']);
  });

  await db.schema.createTable('supplier_payables', (t) => {
    t.bigIncrements('id');
    t.string('supplier_id', 40).notNullable().references('suppliers.id');
    t.string('shipment_id', 48).notNullable().unique().references('shipments.id');
    t.string('order_id', 40).notNullable().references('orders.id');
    t.bigInteger('amount_cents').notNullable();
    t.string('currency', 3).notNullable();
    /** Per line: sku, supplier sku, quantity, unit cost. */
    t.jsonb('lines').notNullable();
    t.string('status', 8).notNullable().defaultTo('OWED');
    t.timestamp('paid_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['supplier_id', 'status']);
    t.check('?? >= 0', ['amount_cents']);
    t.check("?? IN ('OWED', 'PAID')", ['status']);
  });

  /** Dropship webhooks' event ids, claimed once verified (like the carriers' webhook_events). */
  await db.schema.createTable('dropship_webhook_events', (t) => {
    t.bigIncrements('id');
    t.string('adapter', 32).notNullable();
    t.string('event_id', 100).notNullable();
    t.string('shipment_id', 48).references('shipments.id');
    t.jsonb('payload').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('applied_at', { useTz: true });
    t.unique(['adapter', 'event_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('dropship_webhook_events');
  await db.schema.dropTableIfExists('supplier_payables');
  await db.schema.dropTableIfExists('dropship_orders');
  await db.raw('DROP INDEX IF EXISTS shipments_supplier');
  await db.raw('ALTER TABLE shipments DROP CONSTRAINT IF EXISTS shipments_one_sender');
  await db.schema.alterTable('shipments', (t) => t.dropColumn('supplier_id'));
  // Dropship shipments have no location: they go with this migration.
  const dropshipped = db('shipments').whereNull('location_id').select('id');
  await db('tracking_events').whereIn('shipment_id', dropshipped).delete();
  await db('shipment_lines').whereIn('shipment_id', dropshipped).delete();
  await db('shipments').whereNull('location_id').delete();
  await db.raw('ALTER TABLE shipments ALTER COLUMN location_id SET NOT NULL');
  await db.schema.alterTable('order_lines', (t) => t.dropColumn('dropship_supplier_id'));
  await db.schema.dropTableIfExists('dropship_products');
}

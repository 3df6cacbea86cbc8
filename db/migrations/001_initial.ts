import type { Knex } from 'knex';

/**
 * Catalog, locations, perpetual inventory, orders, shipments, payments, carrier webhooks and API keys.
 * Quantities are whole units and money is integer cents; CHECKs keep impossible states out.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('products', (t) => {
    t.string('sku', 64).primary();
    t.string('name', 200).notNullable();
    t.string('upc', 12).notNullable().unique();
    t.integer('unit_price_cents').notNullable();
    t.integer('unit_cost_cents').notNullable().defaultTo(0);
    t.integer('weight_grams').notNullable();
    t.integer('length_mm');
    t.integer('width_mm');
    t.integer('height_mm');
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamps(true, true);
    t.check('?? >= 0 AND ?? >= 0 AND ?? > 0', ['unit_price_cents', 'unit_cost_cents', 'weight_grams']);
  });

  await db.schema.createTable('locations', (t) => {
    t.string('id', 32).primary();
    t.string('name', 200).notNullable();
    t.string('kind', 16).notNullable().defaultTo('warehouse');
    t.string('fulfillment_mode', 16).notNullable();
    t.integer('priority').notNullable().defaultTo(100);
    t.jsonb('address').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamps(true, true);
    t.check("?? IN ('warehouse', 'store')", ['kind']);
    t.check("?? IN ('manual', 'auto')", ['fulfillment_mode']);
  });

  await db.schema.createTable('bins', (t) => {
    t.string('location_id', 32).notNullable().references('locations.id');
    t.string('code', 32).notNullable();
    t.primary(['location_id', 'code']);
  });

  await db.schema.createTable('bin_assignments', (t) => {
    t.string('sku', 64).notNullable().references('products.sku');
    t.string('location_id', 32).notNullable();
    t.string('bin_code', 32).notNullable();
    t.primary(['sku', 'location_id']);
    t.foreign(['location_id', 'bin_code']).references(['location_id', 'code']).inTable('bins');
  });

  await db.schema.createTable('inventory_levels', (t) => {
    t.string('sku', 64).notNullable().references('products.sku');
    t.string('location_id', 32).notNullable().references('locations.id');
    t.integer('on_hand').notNullable().defaultTo(0);
    t.integer('reserved').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['sku', 'location_id']);
    t.check('?? >= 0 AND ?? <= ??', ['reserved', 'reserved', 'on_hand'], 'reserved_within_on_hand');
  });

  await db.schema.createTable('inventory_movements', (t) => {
    t.bigIncrements('id');
    t.string('sku', 64).notNullable().references('products.sku');
    t.string('location_id', 32).notNullable().references('locations.id');
    t.integer('quantity').notNullable();
    t.string('kind', 24).notNullable();
    t.string('reason_code', 48);
    t.string('reference_type', 24).notNullable();
    t.string('reference_id', 128).notNullable();
    t.string('idempotency_key', 200).notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['sku', 'location_id']);
    t.index(['reference_type', 'reference_id']);
    t.check('?? <> 0', ['quantity']);
    t.check(
      "?? IN ('receipt', 'shipment', 'return', 'adjustment', 'transfer_out', 'transfer_in', 'count_correction')",
      ['kind'],
    );
  });

  await db.schema.createTable('receipts', (t) => {
    t.string('id', 40).primary();
    t.string('location_id', 32).notNullable().references('locations.id');
    t.string('reference', 128);
    t.jsonb('lines').notNullable();
    t.string('idempotency_key', 200).unique();
    t.string('request_hash', 64);
    t.timestamp('wake_started_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });

  await db.schema.createTable('orders', (t) => {
    t.string('id', 40).primary();
    t.string('customer_id', 128).notNullable();
    t.string('channel', 64).notNullable();
    t.string('external_ref', 128);
    t.string('status', 24).notNullable();
    t.string('backorder_policy', 16).notNullable();
    t.timestamp('backorder_deadline', { useTz: true });
    t.string('currency', 3).notNullable();
    t.integer('items_cents').notNullable();
    t.integer('shipping_cents').notNullable();
    t.integer('total_cents').notNullable();
    t.string('payment_token', 128).notNullable();
    t.string('capture_mode', 16).notNullable();
    t.jsonb('shipping_address').notNullable();
    t.string('idempotency_key', 200).unique();
    t.string('request_hash', 64);
    t.timestamp('workflow_started_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['created_at', 'id']);
    t.index(['status', 'created_at']);
    t.index(['customer_id', 'created_at']);
    t.index(['channel', 'created_at']);
    t.check("?? IN ('wait', 'partial', 'reject')", ['backorder_policy']);
    t.check("?? IN ('on_shipment', 'on_order')", ['capture_mode']);
    t.check('?? >= 0 AND ?? >= 0 AND ?? = ?? + ??', ['items_cents', 'shipping_cents', 'total_cents', 'items_cents', 'shipping_cents']);
  });

  await db.schema.createTable('order_lines', (t) => {
    t.string('order_id', 40).notNullable().references('orders.id');
    t.integer('line_no').notNullable();
    t.string('sku', 64).notNullable().references('products.sku');
    t.integer('quantity').notNullable();
    t.integer('unit_price_cents').notNullable();
    t.integer('qty_shipped').notNullable().defaultTo(0);
    t.integer('qty_cancelled').notNullable().defaultTo(0);
    t.primary(['order_id', 'line_no']);
    t.unique(['order_id', 'sku']);
    t.check('?? > 0 AND ?? >= 0 AND ?? >= 0 AND ?? + ?? <= ??', [
      'quantity', 'qty_shipped', 'qty_cancelled', 'qty_shipped', 'qty_cancelled', 'quantity',
    ]);
  });

  await db.schema.createTable('order_events', (t) => {
    t.bigIncrements('id');
    t.string('order_id', 40).notNullable().references('orders.id');
    t.string('event_key', 120).notNullable();
    t.string('type', 48).notNullable();
    t.jsonb('detail').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['order_id', 'event_key']);
  });

  await db.schema.createTable('reservations', (t) => {
    t.bigIncrements('id');
    t.string('order_id', 40).notNullable().references('orders.id');
    t.integer('allocation_no').notNullable();
    t.integer('line_no').notNullable();
    t.string('sku', 64).notNullable();
    t.string('location_id', 32).notNullable();
    t.integer('quantity').notNullable();
    t.string('status', 16).notNullable().defaultTo('active');
    t.string('shipment_id', 48);
    t.timestamps(true, true);
    t.unique(['order_id', 'allocation_no', 'line_no', 'location_id']);
    t.foreign(['sku', 'location_id']).references(['sku', 'location_id']).inTable('inventory_levels');
    t.check('?? > 0', ['quantity']);
    t.check("?? IN ('active', 'released', 'consumed')", ['status']);
  });
  await db.raw("CREATE INDEX reservations_active ON reservations (sku, location_id) WHERE status = 'active'");

  await db.schema.createTable('shipments', (t) => {
    t.string('id', 48).primary();
    t.string('order_id', 40).notNullable().references('orders.id');
    t.integer('shipment_no').notNullable();
    t.string('location_id', 32).notNullable().references('locations.id');
    t.string('status', 24).notNullable();
    t.integer('amount_cents').notNullable();
    t.string('carrier', 32);
    t.string('service', 32);
    t.string('tracking_number', 64).unique();
    t.string('label_id', 64);
    t.text('label_url');
    t.integer('label_cost_cents');
    t.timestamp('label_voided_at', { useTz: true });
    t.boolean('overdue').notNullable().defaultTo(false);
    t.timestamp('delivery_deadline', { useTz: true });
    t.timestamp('picked_at', { useTz: true });
    t.timestamp('packed_at', { useTz: true });
    t.timestamp('shipped_at', { useTz: true });
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('cancelled_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['order_id', 'shipment_no']);
    t.index(['location_id', 'status']);
  });

  await db.schema.createTable('shipment_lines', (t) => {
    t.string('shipment_id', 48).notNullable().references('shipments.id');
    t.integer('line_no').notNullable();
    t.string('sku', 64).notNullable();
    t.integer('quantity').notNullable();
    t.primary(['shipment_id', 'line_no']);
    t.check('?? > 0', ['quantity']);
  });

  await db.schema.createTable('tracking_events', (t) => {
    t.bigIncrements('id');
    t.string('shipment_id', 48).notNullable().references('shipments.id');
    t.string('carrier', 32).notNullable();
    t.string('event_id', 128).notNullable();
    t.string('status', 24).notNullable();
    t.text('description');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['carrier', 'event_id']);
  });

  await db.schema.createTable('payments', (t) => {
    t.bigIncrements('id');
    t.string('order_id', 40).notNullable().references('orders.id');
    t.string('shipment_id', 48);
    t.string('kind', 16).notNullable();
    t.string('status', 16).notNullable();
    t.integer('amount_cents').notNullable();
    t.string('currency', 3).notNullable();
    t.string('gateway_reference', 128);
    t.string('decline_code', 64);
    t.string('idempotency_key', 200).notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['order_id']);
    t.check("?? IN ('authorization', 'capture', 'void', 'refund')", ['kind']);
    t.check("?? IN ('succeeded', 'declined')", ['status']);
    t.check('?? >= 0', ['amount_cents']);
  });

  await db.schema.createTable('webhook_events', (t) => {
    t.bigIncrements('id');
    t.string('carrier', 32).notNullable();
    t.string('event_id', 128);
    t.string('tracking_number', 64);
    t.boolean('signature_valid').notNullable();
    t.jsonb('payload');
    t.string('shipment_id', 48);
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('signalled_at', { useTz: true });
    t.timestamp('applied_at', { useTz: true });
    t.index(['tracking_number']);
  });
  // Only verified events claim their id: a forged request must not be able to shadow a real event.
  await db.raw(
    'CREATE UNIQUE INDEX webhook_events_verified_once ON webhook_events (carrier, event_id) WHERE signature_valid',
  );

  await db.schema.createTable('api_keys', (t) => {
    t.string('id', 40).primary();
    t.string('name', 120).notNullable();
    t.string('key_hash', 64).notNullable().unique();
    t.string('role', 16).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('revoked_at', { useTz: true });
    t.check("?? IN ('client', 'warehouse', 'ops')", ['role']);
  });

  // The built-in sandbox payment gateway keeps its own books, as a real gateway would.
  await db.schema.createTable('sandbox_gateway_operations', (t) => {
    t.string('idempotency_key', 200).primary();
    t.string('kind', 16).notNullable();
    t.string('reference', 64).notNullable();
    t.string('authorization_id', 64);
    t.integer('amount_cents').notNullable();
    t.string('status', 16).notNullable();
    t.string('decline_code', 64);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['reference']);
    t.index(['authorization_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of [
    'sandbox_gateway_operations',
    'api_keys',
    'webhook_events',
    'payments',
    'tracking_events',
    'shipment_lines',
    'shipments',
    'reservations',
    'order_events',
    'order_lines',
    'orders',
    'receipts',
    'inventory_movements',
    'inventory_levels',
    'bin_assignments',
    'bins',
    'locations',
    'products',
  ]) {
    await db.schema.dropTableIfExists(table);
  }
}

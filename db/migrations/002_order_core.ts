import type { Knex } from 'knex';

/**
 * The order core under failure: versioned order status writes, failure reasons, lost parcels, and
 * the indexes the shipment, tracking and sweep queries need.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('orders', (t) => {
    t.integer('status_version').notNullable().defaultTo(0);
    t.string('failure_reason', 64);
  });
  await db.schema.alterTable('order_lines', (t) => {
    t.integer('qty_lost').notNullable().defaultTo(0);
  });
  await db.raw('ALTER TABLE order_lines ADD CONSTRAINT order_lines_qty_lost_non_negative CHECK (qty_lost >= 0)');
  await db.schema.alterTable('shipments', (t) => {
    t.string('failure_reason', 64);
    t.string('lost_resolution', 16);
  });
  await db.raw("ALTER TABLE shipments ADD CONSTRAINT shipments_lost_resolution CHECK (lost_resolution IN ('refund', 'replace'))");

  await db.raw('CREATE INDEX reservations_shipment ON reservations (shipment_id) WHERE shipment_id IS NOT NULL');
  await db.raw('CREATE INDEX tracking_events_shipment ON tracking_events (shipment_id)');
  // The sweep's queries: rows a crash left without their workflow, oldest first.
  await db.raw('CREATE INDEX orders_unstarted ON orders (created_at, id) WHERE workflow_started_at IS NULL');
  await db.raw('CREATE INDEX receipts_unstarted ON receipts (created_at, id) WHERE wake_started_at IS NULL');
  // Wake-ups page through the waiting orders oldest first.
  await db.raw("CREATE INDEX orders_backordered ON orders (created_at, id) WHERE status = 'BACKORDERED'");
}

export async function down(db: Knex): Promise<void> {
  for (const index of ['orders_backordered', 'receipts_unstarted', 'orders_unstarted', 'tracking_events_shipment', 'reservations_shipment']) {
    await db.raw(`DROP INDEX IF EXISTS ${index}`);
  }
  await db.schema.alterTable('shipments', (t) => t.dropColumns('failure_reason', 'lost_resolution'));
  await db.schema.alterTable('order_lines', (t) => t.dropColumn('qty_lost'));
  await db.schema.alterTable('orders', (t) => t.dropColumns('status_version', 'failure_reason'));
}

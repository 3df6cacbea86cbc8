import type { Knex } from 'knex';

/**
 * Indexes for the analytics reports over a year of history. Each costs one index insert per ledger,
 * consumption or shipment row; the hot reservation path writes inventory_levels, not these tables.
 * - inventory_movements (sku, location_id, created_at) replaces (sku, location_id): a location's
 *   first movement in and last one out (dead stock, stock-out days) become index probes.
 * - inventory_movements (created_at), cost_consumptions (consumed_at), shipments (shipped_at): the
 *   reports of a period (ABC, KPIs, accounting export, sales) read only the period's rows.
 */
export async function up(db: Knex): Promise<void> {
  await db.raw('CREATE INDEX inventory_movements_sku_location_created ON inventory_movements (sku, location_id, created_at)');
  await db.raw('DROP INDEX inventory_movements_sku_location_id_index');
  await db.raw('CREATE INDEX inventory_movements_created ON inventory_movements (created_at)');
  await db.raw('CREATE INDEX cost_consumptions_consumed ON cost_consumptions (consumed_at)');
  await db.raw('CREATE INDEX shipments_shipped ON shipments (shipped_at) WHERE shipped_at IS NOT NULL');
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP INDEX shipments_shipped');
  await db.raw('DROP INDEX cost_consumptions_consumed');
  await db.raw('DROP INDEX inventory_movements_created');
  await db.raw('CREATE INDEX inventory_movements_sku_location_id_index ON inventory_movements (sku, location_id)');
  await db.raw('DROP INDEX inventory_movements_sku_location_created');
}

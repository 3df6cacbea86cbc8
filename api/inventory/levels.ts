import type { Knex } from 'knex';
import type { InventoryLevel } from '../schemas';

/** Stock per (sku, location) with the bin it is picked from. */
export async function inventoryLevels(
  db: Knex,
  filter: { sku?: string; skus?: string[]; locationId?: string },
): Promise<InventoryLevel[]> {
  const query = db('inventory_levels as l')
    .leftJoin('bin_assignments as b', function joinBin() {
      this.on('b.sku', 'l.sku').andOn('b.location_id', 'l.location_id');
    })
    .orderBy(['l.sku', 'l.location_id'])
    .select('l.sku', 'l.location_id', 'l.on_hand', 'l.reserved', 'b.bin_code');
  if (filter.sku) query.where('l.sku', filter.sku);
  if (filter.skus) query.whereIn('l.sku', filter.skus);
  if (filter.locationId) query.where('l.location_id', filter.locationId);
  const rows = await query;
  return rows.map((row) => ({
    sku: row.sku,
    locationId: row.location_id,
    onHand: row.on_hand,
    reserved: row.reserved,
    available: row.on_hand - row.reserved,
    bin: row.bin_code,
  }));
}

import type { Knex } from 'knex';
import { kitAvailable, type KitRecipes, stockedComponents } from '../domain/kits';
import type { PickComponent } from '../workflows/definitions';

/** The recipes of these skus that are kits and of every kit inside them, however deep. */
export async function loadKitRecipes(db: Knex, skus: readonly string[]): Promise<KitRecipes> {
  if (skus.length === 0) return {};
  const result = await db.raw(
    `WITH RECURSIVE reachable AS (
        SELECT kit_sku, component_sku, quantity FROM kit_components WHERE kit_sku = ANY(?::text[])
        UNION
        SELECT k.kit_sku, k.component_sku, k.quantity FROM kit_components k JOIN reachable r ON k.kit_sku = r.component_sku
      )
      SELECT kit_sku, component_sku, quantity FROM reachable ORDER BY kit_sku, component_sku`,
    [[...skus]],
  );
  const recipes: KitRecipes = {};
  for (const row of result.rows as { kit_sku: string; component_sku: string; quantity: number }[]) {
    (recipes[row.kit_sku] ??= []).push({ sku: row.component_sku, quantity: row.quantity });
  }
  return recipes;
}

/** The kits made (directly or through other kits) of any of these skus: stock of the skus is stock of the kits. */
export async function kitsContaining(db: Knex, skus: readonly string[]): Promise<string[]> {
  if (skus.length === 0) return [];
  const result = await db.raw(
    `WITH RECURSIVE containing AS (
        SELECT kit_sku FROM kit_components WHERE component_sku = ANY(?::text[])
        UNION
        SELECT k.kit_sku FROM kit_components k JOIN containing c ON k.component_sku = c.kit_sku
      )
      SELECT kit_sku FROM containing ORDER BY kit_sku`,
    [[...skus]],
  );
  return (result.rows as { kit_sku: string }[]).map((row) => row.kit_sku);
}

/** Which of these skus are kits (which hold no stock of their own). */
export async function kitSkusAmong(db: Knex, skus: readonly string[]): Promise<string[]> {
  if (skus.length === 0) return [];
  return db('products').whereIn('sku', skus).andWhere({ kind: 'kit' }).orderBy('sku').pluck('sku');
}

/**
 * Whole kits available to sell, per kit: at each active location (quarantine never counts) the
 * minimum over its stocked components of floor(available / units per kit), summed over locations,
 * since one kit's components are reserved and shipped together from one warehouse.
 */
export async function kitAvailability(db: Knex, kitSkus: readonly string[]): Promise<Map<string, number>> {
  const recipes = await loadKitRecipes(db, kitSkus);
  const components = new Map(kitSkus.map((sku) => [sku, recipes[sku] ? stockedComponents(sku, recipes) : []]));
  const stocked = [...new Set([...components.values()].flat().map((component) => component.sku))];
  const rows: { sku: string; location_id: string; available: number }[] = stocked.length === 0
    ? []
    : await db('inventory_levels as l')
        .join('locations as loc', 'loc.id', 'l.location_id')
        .whereIn('l.sku', stocked)
        .andWhere('loc.active', true)
        .andWhereNot('loc.kind', 'quarantine')
        .select('l.sku', 'l.location_id', db.raw('l.on_hand - l.reserved AS available'));
  const byLocation = new Map<string, Record<string, number>>();
  for (const row of rows) {
    const available = byLocation.get(row.location_id) ?? {};
    available[row.sku] = Number(row.available);
    byLocation.set(row.location_id, available);
  }
  return new Map(
    kitSkus.map((sku) => [
      sku,
      [...byLocation.values()].reduce((sum, available) => sum + kitAvailable(components.get(sku)!, available), 0),
    ]),
  );
}

/**
 * The components of the kit lines of these shipments, from their reservations (the recipe they were
 * reserved with), keyed `shipmentId:lineNo`, in the order a picker walks the bins.
 */
export async function shipmentKitComponents(db: Knex, shipmentIds: readonly string[]): Promise<Map<string, PickComponent[]>> {
  if (shipmentIds.length === 0) return new Map();
  const rows = await db('reservations as r')
    .join('products as p', 'p.sku', 'r.sku')
    .leftJoin('bin_assignments as b', function joinBin() {
      this.on('b.sku', 'r.sku').andOn('b.location_id', 'r.location_id');
    })
    .leftJoin('bins as bin', function joinBinSequence() {
      this.on('bin.location_id', 'b.location_id').andOn('bin.code', 'b.bin_code');
    })
    .whereIn('r.shipment_id', shipmentIds)
    .whereNotNull('r.units_per_kit')
    .orderByRaw('bin.sequence ASC NULLS LAST, b.bin_code ASC NULLS LAST, r.sku')
    .select('r.shipment_id', 'r.line_no', 'r.sku', 'p.name', 'p.upc', 'b.bin_code', 'r.quantity', 'r.units_per_kit');
  const byLine = new Map<string, PickComponent[]>();
  for (const row of rows) {
    const key = `${row.shipment_id}:${row.line_no}`;
    const components = byLine.get(key) ?? [];
    components.push({ sku: row.sku, name: row.name, upc: row.upc, bin: row.bin_code, quantity: row.quantity, unitsPerKit: row.units_per_kit });
    byLine.set(key, components);
  }
  return byLine;
}

import type { Knex } from 'knex';
import { kitAvailability, kitSkusAmong } from '../../db/kits';
import { incomingQuery } from '../purchasing/incoming';
import { decodeCursor, encodeCursor, isKeyText } from '../cursor';
import type { InventoryLevel, LevelTotal } from '../schemas';

interface LevelFilter {
  sku?: string;
  skus?: string[];
  locationId?: string;
  /** Only these locations (a warehouse key's); null or absent for all. */
  locationIds?: readonly string[] | null;
}

/** Stock per (sku, location) with the bin it is picked from, ordered by sku then location. */
export async function inventoryLevels(db: Knex, filter: LevelFilter): Promise<InventoryLevel[]> {
  return (await levelsQuery(db, filter)).map(toLevel);
}

/**
 * One page of levels, by (sku, location_id): the cursor is the last row's pair, and the next page
 * starts after it, so rows inserted meanwhile never shift a page.
 */
export async function listInventoryLevels(
  db: Knex,
  filter: LevelFilter & { limit?: number; cursor?: string },
): Promise<{ data: InventoryLevel[]; nextCursor: string | null }> {
  const limit = filter.limit ?? 50;
  const query = levelsQuery(db, filter).limit(limit + 1);
  if (filter.cursor) {
    const [sku, locationId] = decodeCursor<[string, string]>(filter.cursor, [isKeyText, isKeyText]);
    query.whereRaw('(l.sku, l.location_id) > (?, ?)', [sku, locationId]);
  }
  const rows = await query;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toLevel),
    nextCursor: rows.length > limit ? encodeCursor([last.sku, last.location_id]) : null,
  };
}

function levelsQuery(db: Knex, filter: LevelFilter) {
  const query = db('inventory_levels as l')
    .join('locations as loc', 'loc.id', 'l.location_id')
    .leftJoin('bin_assignments as b', function joinBin() {
      this.on('b.sku', 'l.sku').andOn('b.location_id', 'l.location_id');
    })
    .leftJoin(incomingQuery(db).as('inc'), function joinIncoming() {
      this.on('inc.sku', 'l.sku').andOn('inc.location_id', 'l.location_id');
    })
    .orderBy(['l.sku', 'l.location_id'])
    .select('l.sku', 'l.location_id', 'l.on_hand', 'l.reserved', 'l.in_transit', 'b.bin_code', 'loc.kind', 'loc.active', 'inc.incoming');
  if (filter.sku) query.where('l.sku', filter.sku);
  if (filter.skus) query.whereIn('l.sku', filter.skus);
  if (filter.locationId) query.where('l.location_id', filter.locationId);
  if (filter.locationIds) query.whereIn('l.location_id', filter.locationIds);
  return query;
}

/** What counts as available: stock at active locations other than quarantine. */
const AVAILABLE_SQL = "COALESCE(SUM(l.on_hand - l.reserved) FILTER (WHERE loc.active AND loc.kind <> 'quarantine'), 0)::bigint";

/**
 * Levels summed per sku over the locations (a warehouse key's), one page by sku, and the total over
 * every sku the filter matches.
 */
export async function listLevelTotals(
  db: Knex,
  filter: { sku?: string; locationIds?: readonly string[] | null; limit?: number; cursor?: string },
): Promise<{ data: LevelTotal[]; total: Omit<LevelTotal, 'sku'>; nextCursor: string | null }> {
  const limit = filter.limit ?? 50;
  const matching = () => {
    const query = db('inventory_levels as l')
      .join('locations as loc', 'loc.id', 'l.location_id')
      .leftJoin(incomingQuery(db).as('inc'), function joinIncoming() {
        this.on('inc.sku', 'l.sku').andOn('inc.location_id', 'l.location_id');
      });
    if (filter.sku) query.where('l.sku', filter.sku);
    if (filter.locationIds) query.whereIn('l.location_id', filter.locationIds);
    return query;
  };
  const sums = [
    db.raw('SUM(l.on_hand)::bigint AS on_hand'),
    db.raw('SUM(l.reserved)::bigint AS reserved'),
    db.raw(`${AVAILABLE_SQL} AS available`),
    db.raw('SUM(l.in_transit)::bigint AS in_transit'),
    db.raw('COALESCE(SUM(inc.incoming), 0)::bigint AS incoming'),
  ];
  const page = matching().groupBy('l.sku').orderBy('l.sku').limit(limit + 1).select('l.sku', ...sums);
  if (filter.cursor) page.where('l.sku', '>', decodeCursor<[string]>(filter.cursor, [isKeyText])[0]);
  const [rows, [total]] = await Promise.all([page, matching().select(...sums)]);
  const data = rows.slice(0, limit).map((row: any) => ({ sku: row.sku as string, ...totalsFromRow(row) }));
  return {
    data,
    total: totalsFromRow(total),
    nextCursor: rows.length > limit ? encodeCursor([data[data.length - 1].sku]) : null,
  };
}

// SUMs come back as bigint text, or null over no rows.
function totalsFromRow(row: any): Omit<LevelTotal, 'sku'> {
  return {
    onHand: Number(row.on_hand ?? 0),
    reserved: Number(row.reserved ?? 0),
    available: Number(row.available ?? 0),
    inTransit: Number(row.in_transit ?? 0),
    incoming: Number(row.incoming ?? 0),
  };
}

/**
 * What a storefront may promise: per active product, on hand minus reserved summed over the active
 * locations (no per-location stock, no cost), by sku; paged after the cursor's sku. Quarantine
 * locations hold damaged returns, which are never allocated, so they never count.
 */
export async function listAvailability(
  db: Knex,
  filter: { sku?: string; limit?: number; cursor?: string },
): Promise<{ data: Array<{ sku: string; available: number }>; nextCursor: string | null }> {
  const limit = filter.limit ?? 50;
  const query = db('products as p')
    .leftJoin('inventory_levels as l', 'l.sku', 'p.sku')
    .leftJoin('locations as loc', function activeLocation() {
      this.on('loc.id', 'l.location_id').andOnVal('loc.active', true).andOnVal('loc.kind', '<>', 'quarantine');
    })
    .where('p.active', true)
    .groupBy('p.sku')
    .orderBy('p.sku')
    .limit(limit + 1)
    .select('p.sku', db.raw('COALESCE(SUM(l.on_hand - l.reserved) FILTER (WHERE loc.id IS NOT NULL), 0)::bigint AS available'));
  if (filter.sku) query.where('p.sku', filter.sku);
  if (filter.cursor) query.where('p.sku', '>', decodeCursor<[string]>(filter.cursor, [isKeyText])[0]);
  const rows = await query;
  const page = rows.slice(0, limit).map((row) => ({ sku: row.sku as string, available: Number(row.available) }));
  // A kit holds no stock: it is available as whole kits of its components.
  const kits = await kitAvailability(db, await kitSkusAmong(db, page.map((row) => row.sku)));
  for (const row of page) row.available = kits.get(row.sku) ?? row.available;
  return { data: page, nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].sku]) : null };
}

// Rows come from knex untyped; this is where they take the API's shape.
function toLevel(row: any): InventoryLevel {
  return {
    sku: row.sku,
    locationId: row.location_id,
    onHand: row.on_hand,
    reserved: row.reserved,
    // Quarantine holds damaged returns and a deactivated location is closed: on hand, never allocated.
    available: row.kind === 'quarantine' || !row.active ? 0 : row.on_hand - row.reserved,
    inTransit: row.in_transit,
    // Units on submitted purchase orders not yet received (api/purchasing/incoming.ts).
    incoming: Number(row.incoming ?? 0),
    bin: row.bin_code,
  };
}

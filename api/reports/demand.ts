import type { Knex } from 'knex';
import type { ReportFilter } from './filters';
import { rawWithoutJit } from './without-jit';

/** Demand per (sku, location): units per day. */
export type DailyDemand = Map<string, number>;

export const demandKey = (sku: string, locationId: string) => `${sku}\u0000${locationId}`;

/**
 * Average daily demand per stocked SKU and location over the period: the units its shipment rows
 * took out, less the units its returns brought back (to the warehouse or its quarantine), divided by
 * the days of the period. Where the nightly forecast exists, forecastCoverUnits answers instead.
 */
export async function averageDailyDemand(db: Knex, filter: Pick<ReportFilter, 'start' | 'end' | 'days' | 'locationId' | 'sku'>): Promise<DailyDemand> {
  const result = await rawWithoutJit(db, 
    `SELECT sku, location_id, sum(units)::int AS units FROM (
       SELECT m.sku, m.location_id, -m.quantity AS units
         FROM inventory_movements m
        WHERE m.kind = 'shipment' AND m.created_at >= :start AND m.created_at < :end
       UNION ALL
       SELECT m.sku, r.location_id, -m.quantity
         FROM inventory_movements m JOIN returns r ON r.id = m.reference_id
        WHERE m.kind = 'return' AND m.reference_type = 'return' AND m.created_at >= :start AND m.created_at < :end
     ) moved
     WHERE true ${filter.locationId ? 'AND location_id = :locationId' : ''} ${filter.sku ? 'AND sku = :sku' : ''}
     GROUP BY sku, location_id`,
    { start: filter.start, end: filter.end, locationId: filter.locationId ?? null, sku: filter.sku ?? null },
  );
  const demand: DailyDemand = new Map();
  for (const row of result.rows as { sku: string; location_id: string; units: number }[]) {
    demand.set(demandKey(row.sku, row.location_id), Math.max(0, row.units) / filter.days);
  }
  return demand;
}

/**
 * Units the stored forecast expects per (sku, location) over the next `coverDays` days (the sum of
 * its daily means, planned events included); only pairs with a forecast are in the map.
 */
export async function forecastCoverUnits(
  db: Knex,
  filter: Pick<ReportFilter, 'locationId' | 'sku'>,
  coverDays: number,
): Promise<Map<string, number>> {
  const query = db('demand_forecasts')
    .select('sku', 'location_id', db.raw(`(SELECT coalesce(sum((d->>'mean')::numeric), 0) FROM jsonb_array_elements(daily) WITH ORDINALITY AS e(d, n) WHERE n <= ?) AS units`, [coverDays]));
  if (filter.locationId) query.where({ location_id: filter.locationId });
  if (filter.sku) query.where({ sku: filter.sku });
  const rows: { sku: string; location_id: string; units: string }[] = await query;
  return new Map(rows.map((row) => [demandKey(row.sku, row.location_id), Number(row.units)]));
}

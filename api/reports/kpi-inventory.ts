import type { Knex } from 'knex';
import type { ReportFilter } from './filters';
import { bucketSql, type Interval } from './intervals';

export interface InventoryBucket {
  bucket: string;
  /** Days of the period in this bucket. */
  days: number;
  /** Mean of the closing values (our own stock at FIFO cost) of those days. */
  averageValueCents: number;
  /** Units on hand (own and consigned) when the bucket's first day began. */
  openingUnits: number;
  /** Units in by receipts (suppliers' deliveries) during the bucket. */
  receivedUnits: number;
  /** Units out by shipments during the bucket (a kit as its components). */
  shippedUnits: number;
}

type Where = Pick<ReportFilter, 'locationId' | 'sku'>;

/** `AND <alias>.location_id = :locationId AND <alias>.sku = :sku`, for the filters that are set. */
const stockFilter = (alias: string, filter: Where) =>
  `${filter.locationId ? `AND ${alias}.location_id = :locationId` : ''} ${filter.sku ? `AND ${alias}.sku = :sku` : ''}`;

const DAYS = `SELECT d::date AS day FROM generate_series(:start::timestamptz AT TIME ZONE 'UTC',
                (:end::timestamptz AT TIME ZONE 'UTC') - interval '1 day', interval '1 day') d`;

/**
 * Stock per bucket, rebuilt from the ledger day by day: the value is the cost layers received less
 * the consumptions taken from them (our own layers only, as the valuation report counts them), the
 * units are the running sum of the ledger. Channels do not apply to stock.
 */
export async function inventoryBuckets(db: Knex, filter: ReportFilter, interval: Interval): Promise<InventoryBucket[]> {
  const result = await db.raw(
    `WITH days AS (${DAYS}),
     value_moves AS (
       SELECT l.received_at AS at, l.quantity::bigint * l.unit_cost_cents AS value
         FROM cost_layers l WHERE l.owner_id IS NULL AND l.received_at < :end ${stockFilter('l', filter)}
       UNION ALL
       SELECT c.consumed_at, -c.quantity::bigint * c.unit_cost_cents
         FROM cost_consumptions c JOIN cost_layers l ON l.id = c.layer_id
        WHERE l.owner_id IS NULL AND c.consumed_at < :end ${stockFilter('l', filter)}
     ),
     unit_moves AS (
       SELECT m.created_at AS at, m.quantity AS units,
              CASE WHEN m.kind = 'receipt' THEN m.quantity ELSE 0 END AS received,
              CASE WHEN m.kind = 'shipment' THEN -m.quantity ELSE 0 END AS shipped
         FROM inventory_movements m WHERE m.created_at < :end ${stockFilter('m', filter)}
     ),
     value_daily AS (SELECT (at AT TIME ZONE 'UTC')::date AS day, sum(value) AS value FROM value_moves WHERE at >= :start GROUP BY 1),
     unit_daily AS (
       SELECT (at AT TIME ZONE 'UTC')::date AS day, sum(units) AS units, sum(received) AS received, sum(shipped) AS shipped
         FROM unit_moves WHERE at >= :start GROUP BY 1
     ),
     daily AS (
       SELECT d.day, coalesce(v.value, 0) AS value_change, coalesce(u.units, 0) AS unit_change,
              coalesce(u.received, 0) AS received, coalesce(u.shipped, 0) AS shipped
         FROM days d LEFT JOIN value_daily v USING (day) LEFT JOIN unit_daily u USING (day)
     ),
     opening AS (
       SELECT (SELECT coalesce(sum(value), 0) FROM value_moves WHERE at < :start) AS value,
              (SELECT coalesce(sum(units), 0) FROM unit_moves WHERE at < :start) AS units
     ),
     running AS (
       SELECT day, received, shipped,
              opening.value + sum(value_change) OVER (ORDER BY day) AS closing_value,
              opening.units + sum(unit_change) OVER (ORDER BY day) - unit_change AS opening_units
         FROM daily, opening
     )
     SELECT ${bucketSql(interval, 'day::timestamp')} AS bucket, count(*)::int AS days,
            round(avg(closing_value))::bigint AS average_value,
            (array_agg(opening_units ORDER BY day))[1]::int AS opening_units,
            sum(received)::int AS received_units, sum(shipped)::int AS shipped_units
       FROM running GROUP BY 1 ORDER BY 1`,
    { start: filter.start, end: filter.end, locationId: filter.locationId ?? null, sku: filter.sku ?? null },
  );
  type Row = { bucket: string; days: number; average_value: string; opening_units: number; received_units: number; shipped_units: number };
  return result.rows.map((row: Row) => ({
    bucket: row.bucket,
    days: row.days,
    averageValueCents: Number(row.average_value),
    openingUnits: row.opening_units,
    receivedUnits: row.received_units,
    shippedUnits: row.shipped_units,
  }));
}

export interface StockOut {
  sku: string;
  locationId: string;
  /** Days of the period that ended with nothing on hand, counted from the first day stock was ever there. */
  days: number;
}

/** Stock-out days per SKU and location (quarantine aside), from the ledger's running on hand at each day's end. */
export async function stockOutDays(db: Knex, filter: ReportFilter): Promise<StockOut[]> {
  const result = await db.raw(
    `WITH days AS (${DAYS}),
     levels AS (
       SELECT lv.sku, lv.location_id,
              (SELECT min(m.created_at) FROM inventory_movements m WHERE m.sku = lv.sku AND m.location_id = lv.location_id) AS first_in,
              (SELECT coalesce(sum(m.quantity), 0) FROM inventory_movements m
                WHERE m.sku = lv.sku AND m.location_id = lv.location_id AND m.created_at < :start) AS opening
         FROM inventory_levels lv JOIN locations loc ON loc.id = lv.location_id
        WHERE loc.kind <> 'quarantine' ${stockFilter('lv', filter)}
     ),
     daily AS (
       SELECT m.sku, m.location_id, (m.created_at AT TIME ZONE 'UTC')::date AS day, sum(m.quantity) AS units
         FROM inventory_movements m
        WHERE m.created_at >= :start AND m.created_at < :end ${stockFilter('m', filter)}
        GROUP BY 1, 2, 3
     ),
     closing AS (
       SELECT lv.sku, lv.location_id, d.day, lv.first_in,
              lv.opening + sum(coalesce(dl.units, 0)) OVER (PARTITION BY lv.sku, lv.location_id ORDER BY d.day) AS on_hand
         FROM levels lv CROSS JOIN days d
         LEFT JOIN daily dl ON dl.sku = lv.sku AND dl.location_id = lv.location_id AND dl.day = d.day
     )
     SELECT sku, location_id, count(*)::int AS days
       FROM closing
      WHERE on_hand <= 0 AND (first_in AT TIME ZONE 'UTC')::date <= day
      GROUP BY sku, location_id
      ORDER BY days DESC, sku, location_id`,
    { start: filter.start, end: filter.end, locationId: filter.locationId ?? null, sku: filter.sku ?? null },
  );
  return result.rows.map((row: { sku: string; location_id: string; days: number }) => ({ sku: row.sku, locationId: row.location_id, days: row.days }));
}

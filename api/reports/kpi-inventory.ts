import type { Knex } from 'knex';
import type { ReportFilter } from './filters';
import { bucketSql, type Interval } from './intervals';
import { rawWithoutJit } from './without-jit';

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
 * units are the running sum of the ledger. Channels do not apply to stock. The opening figures are
 * today's (the remaining units of our layers at their cost; on hand) less what moved since the
 * period began, which the ledger invariants make equal to the sums of everything before it, so only
 * the period's rows and later ones are read.
 */
export async function inventoryBuckets(db: Knex, filter: ReportFilter, interval: Interval): Promise<InventoryBucket[]> {
  const result = await rawWithoutJit(db, 
    `WITH days AS (${DAYS}),
     value_moves AS (
       SELECT l.received_at AS at, l.quantity::bigint * l.unit_cost_cents AS value
         FROM cost_layers l WHERE l.owner_id IS NULL AND l.received_at >= :start ${stockFilter('l', filter)}
       UNION ALL
       SELECT c.consumed_at, -c.quantity::bigint * c.unit_cost_cents
         FROM cost_consumptions c JOIN cost_layers l ON l.id = c.layer_id
        WHERE l.owner_id IS NULL AND c.consumed_at >= :start ${stockFilter('l', filter)}
     ),
     unit_moves AS (
       SELECT m.created_at AS at, m.quantity AS units,
              CASE WHEN m.kind = 'receipt' THEN m.quantity ELSE 0 END AS received,
              CASE WHEN m.kind = 'shipment' THEN -m.quantity ELSE 0 END AS shipped
         FROM inventory_movements m WHERE m.created_at >= :start ${stockFilter('m', filter)}
     ),
     value_daily AS (SELECT (at AT TIME ZONE 'UTC')::date AS day, sum(value) AS value FROM value_moves WHERE at < :end GROUP BY 1),
     unit_daily AS (
       SELECT (at AT TIME ZONE 'UTC')::date AS day, sum(units) AS units, sum(received) AS received, sum(shipped) AS shipped
         FROM unit_moves WHERE at < :end GROUP BY 1
     ),
     daily AS (
       SELECT d.day, coalesce(v.value, 0) AS value_change, coalesce(u.units, 0) AS unit_change,
              coalesce(u.received, 0) AS received, coalesce(u.shipped, 0) AS shipped
         FROM days d LEFT JOIN value_daily v USING (day) LEFT JOIN unit_daily u USING (day)
     ),
     opening AS (
       SELECT (SELECT coalesce(sum(l.remaining::bigint * l.unit_cost_cents), 0) FROM cost_layers l
                WHERE l.owner_id IS NULL AND l.remaining > 0 ${stockFilter('l', filter)})
              - (SELECT coalesce(sum(value), 0) FROM value_moves) AS value,
              (SELECT coalesce(sum(lv.on_hand), 0) FROM inventory_levels lv WHERE lv.on_hand <> 0 ${stockFilter('lv', filter)})
              - (SELECT coalesce(sum(units), 0) FROM unit_moves) AS units
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

/**
 * Stock-out days per SKU and location (quarantine aside), from the ledger's running on hand at each day's end.
 * Set-based, without a row per location and day: on hand only changes on days with movements, so each
 * such day (and the period's first) opens a stretch that lasts until the next one, and a stretch
 * with nothing on hand counts its days from the first day stock was ever there. The opening figure
 * is on hand less what moved since the period began (the ledger invariant: on_hand is the sum of
 * the ledger), so only the period's movements and later ones are read, not the whole ledger.
 */
export async function stockOutDays(db: Knex, filter: ReportFilter): Promise<StockOut[]> {
  const result = await rawWithoutJit(db, 
    `WITH bounds AS (SELECT (:start::timestamptz AT TIME ZONE 'UTC')::date AS first_day, (:end::timestamptz AT TIME ZONE 'UTC')::date AS end_day),
     moved AS (
       SELECT m.sku, m.location_id, (m.created_at AT TIME ZONE 'UTC')::date AS day, sum(m.quantity) AS units
         FROM inventory_movements m
        WHERE m.created_at >= :start ${stockFilter('m', filter)}
        GROUP BY 1, 2, 3
     ),
     moved_since AS (SELECT sku, location_id, sum(units) AS units FROM moved GROUP BY 1, 2),
     levels AS (
       SELECT lv.sku, lv.location_id, lv.on_hand - coalesce(ms.units, 0) AS opening, first.stocked_from
         FROM inventory_levels lv JOIN locations loc ON loc.id = lv.location_id
         JOIN LATERAL (SELECT (min(m.created_at) AT TIME ZONE 'UTC')::date AS stocked_from FROM inventory_movements m
                        WHERE m.sku = lv.sku AND m.location_id = lv.location_id) first ON first.stocked_from IS NOT NULL
         LEFT JOIN moved_since ms ON ms.sku = lv.sku AND ms.location_id = lv.location_id
        WHERE loc.kind <> 'quarantine' ${stockFilter('lv', filter)}
     ),
     -- A location's first row carries its opening units on the period's first day; its own
     -- movements (and other locations' ones, dropped below: no first row) follow.
     changes AS (
       SELECT lv.sku, lv.location_id, b.first_day AS day, lv.opening AS units, lv.stocked_from FROM levels lv, bounds b
       UNION ALL
       SELECT mv.sku, mv.location_id, mv.day, mv.units, NULL FROM moved mv, bounds b WHERE mv.day < b.end_day
     ),
     stretches AS (
       SELECT c.sku, c.location_id, c.day, max(c.stocked_from) OVER w AS stocked_from,
              lead(c.day, 1, b.end_day) OVER w AS until, sum(c.units) OVER w AS on_hand
         FROM changes c, bounds b
       -- Byte order: only the grouping matters here, and it sorts faster than the collation.
       WINDOW w AS (PARTITION BY c.sku COLLATE "C", c.location_id COLLATE "C" ORDER BY c.day)
     ),
     counted AS (SELECT sku, location_id, greatest(0, until - greatest(day, stocked_from)) AS days FROM stretches WHERE on_hand <= 0 AND stocked_from IS NOT NULL)
     SELECT sku, location_id, sum(days)::int AS days FROM counted
      GROUP BY sku, location_id HAVING sum(days) > 0
      ORDER BY days DESC, sku, location_id`,
    { start: filter.start, end: filter.end, locationId: filter.locationId ?? null, sku: filter.sku ?? null },
  );
  return result.rows.map((row: { sku: string; location_id: string; days: number }) => ({ sku: row.sku, locationId: row.location_id, days: row.days }));
}

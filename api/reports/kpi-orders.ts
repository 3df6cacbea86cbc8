import type { Knex } from 'knex';
import type { ReportFilter } from './filters';
import { bucketSql, type Interval } from './intervals';
import { rawWithoutJit } from './without-jit';

export interface OrderBucket {
  bucket: string;
  ordersPlaced: number;
  /** Orders placed in the bucket that were BACKORDERED at some point (their timeline says so). */
  ordersBackordered: number;
  /** Lines of orders placed in the bucket whose outcome is settled (shipped, delivered, cancelled, rejected, failed, lost). */
  linesSettled: number;
  /** Of those, lines whose first allocation reserved every unit and that shipped every unit. */
  linesFilled: number;
  /** Orders that ended in the bucket as DELIVERED, FAILED or LOST. */
  ordersFinished: number;
  /** Of those: delivered, every shipment by its delivery deadline and never overdue, every unit shipped, nothing returned. */
  ordersPerfect: number;
  /** Orders whose last parcel shipped in the bucket (every parcel shipped or cancelled). */
  ordersShipped: number;
  /** Of those, the ones whose last parcel shipped within the SLA hours of the order's creation. */
  ordersShippedOnTime: number;
  createdToShippedHours: { p50: number | null; p90: number | null };
  /** Parcels delivered in the bucket: hours from shipped to delivered. */
  shippedToDeliveredHours: { p50: number | null; p90: number | null };
}

/**
 * The order filters: a channel; a location the order shipped from; a SKU it has a line of.
 * `alias` names the orders table.
 */
function orderFilter(alias: string, filter: ReportFilter): string {
  return [
    filter.channel ? `AND ${alias}.channel = :channel` : '',
    filter.locationId ? `AND EXISTS (SELECT 1 FROM shipments fs WHERE fs.order_id = ${alias}.id AND fs.location_id = :locationId)` : '',
    filter.sku ? `AND EXISTS (SELECT 1 FROM order_lines fl WHERE fl.order_id = ${alias}.id AND fl.sku = :sku)` : '',
  ].join(' ');
}

const hours = (from: string, to: string) => `extract(epoch FROM (${to} - ${from})) / 3600`;
const BACKORDERED = "EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.type = 'order.backordered')";

/** The order KPIs per bucket, each counted in the bucket its event (placed, finished, shipped, delivered) fell in. */
export async function orderBuckets(db: Knex, filter: ReportFilter, interval: Interval, slaHours: number): Promise<Map<string, Partial<OrderBucket>>> {
  const bindings = { start: filter.start, end: filter.end, sla: slaHours, channel: filter.channel ?? null, locationId: filter.locationId ?? null, sku: filter.sku ?? null };
  const inPeriod = (column: string) => `${column} >= :start AND ${column} < :end`;
  const [placed, lines, finished, shipped, delivered] = await Promise.all([
    rawWithoutJit(db, 
      `SELECT ${bucketSql(interval, 'o.created_at')} AS bucket, count(*)::int AS orders_placed,
              count(*) FILTER (WHERE ${BACKORDERED})::int AS orders_backordered
         FROM orders o WHERE ${inPeriod('o.created_at')} ${orderFilter('o', filter)} GROUP BY 1`,
      bindings,
    ),
    rawWithoutJit(db, 
      `SELECT ${bucketSql(interval, 'o.created_at')} AS bucket, count(*)::int AS lines_settled,
              count(*) FILTER (WHERE ol.qty_shipped = ol.quantity AND first.units >= ol.quantity)::int AS lines_filled
         FROM orders o JOIN order_lines ol ON ol.order_id = o.id
         LEFT JOIN LATERAL (
           SELECT min(units) AS units FROM (
             SELECT sum(r.quantity) / coalesce(max(r.units_per_kit), 1) AS units FROM reservations r
              WHERE r.order_id = o.id AND r.line_no = ol.line_no AND r.allocation_no = 1 GROUP BY r.sku) per_sku
         ) first ON true
        WHERE ${inPeriod('o.created_at')} AND o.status IN ('SHIPPED', 'DELIVERED', 'CANCELLED', 'REJECTED', 'FAILED', 'LOST')
          ${orderFilter('o', filter)}
        GROUP BY 1`,
      bindings,
    ),
    rawWithoutJit(db, 
      `SELECT ${bucketSql(interval, 'o.closed_at')} AS bucket, count(*)::int AS orders_finished,
              count(*) FILTER (WHERE o.status = 'DELIVERED'
                AND NOT EXISTS (SELECT 1 FROM order_lines ol WHERE ol.order_id = o.id AND (ol.qty_shipped < ol.quantity OR ol.qty_returned > 0 OR ol.qty_lost > 0))
                AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id AND s.cancelled_at IS NULL
                                  AND (s.overdue OR s.delivered_at IS NULL OR s.delivered_at > coalesce(s.delivery_deadline, s.delivered_at)))
                AND NOT EXISTS (SELECT 1 FROM returns r WHERE r.order_id = o.id AND r.status NOT IN ('REJECTED', 'CANCELLED', 'EXPIRED'))
              )::int AS orders_perfect
         FROM orders o
        WHERE o.status IN ('DELIVERED', 'FAILED', 'LOST') AND ${inPeriod('o.closed_at')} ${orderFilter('o', filter)}
        GROUP BY 1`,
      bindings,
    ),
    rawWithoutJit(db, 
      `WITH shipped AS (
         SELECT o.id, o.created_at, max(s.shipped_at) AS shipped_at FROM orders o JOIN shipments s ON s.order_id = o.id
          WHERE EXISTS (SELECT 1 FROM shipments p WHERE p.order_id = o.id AND ${inPeriod('p.shipped_at')}) ${orderFilter('o', filter)}
          GROUP BY o.id, o.created_at
         HAVING count(*) FILTER (WHERE s.shipped_at IS NULL AND s.cancelled_at IS NULL) = 0 AND max(s.shipped_at) IS NOT NULL
       )
       SELECT ${bucketSql(interval, 'shipped_at')} AS bucket, count(*)::int AS orders_shipped,
              count(*) FILTER (WHERE shipped_at <= created_at + make_interval(hours => :sla))::int AS orders_shipped_on_time,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hours('created_at', 'shipped_at')}) AS p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY ${hours('created_at', 'shipped_at')}) AS p90
         FROM shipped WHERE ${inPeriod('shipped_at')} GROUP BY 1`,
      bindings,
    ),
    rawWithoutJit(db, 
      `SELECT ${bucketSql(interval, 's.delivered_at')} AS bucket,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ${hours('s.shipped_at', 's.delivered_at')}) AS p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY ${hours('s.shipped_at', 's.delivered_at')}) AS p90
         FROM shipments s JOIN orders o ON o.id = s.order_id
        WHERE s.shipped_at IS NOT NULL AND ${inPeriod('s.delivered_at')} ${orderFilter('o', filter)}
        GROUP BY 1`,
      bindings,
    ),
  ]);
  const buckets = new Map<string, Partial<OrderBucket>>();
  const merge = (bucket: string, values: Partial<OrderBucket>) => buckets.set(bucket, { ...buckets.get(bucket), ...values });
  const oneDecimal = (value: number | null) => (value === null ? null : Math.round(Number(value) * 10) / 10);
  for (const row of placed.rows) merge(row.bucket, { ordersPlaced: row.orders_placed, ordersBackordered: row.orders_backordered });
  for (const row of lines.rows) merge(row.bucket, { linesSettled: row.lines_settled, linesFilled: row.lines_filled });
  for (const row of finished.rows) merge(row.bucket, { ordersFinished: row.orders_finished, ordersPerfect: row.orders_perfect });
  for (const row of shipped.rows) {
    merge(row.bucket, {
      ordersShipped: row.orders_shipped,
      ordersShippedOnTime: row.orders_shipped_on_time,
      createdToShippedHours: { p50: oneDecimal(row.p50), p90: oneDecimal(row.p90) },
    });
  }
  for (const row of delivered.rows) merge(row.bucket, { shippedToDeliveredHours: { p50: oneDecimal(row.p50), p90: oneDecimal(row.p90) } });
  return buckets;
}

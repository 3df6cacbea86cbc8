import type { Knex } from 'knex';
import { hasShipped } from '../../domain/status';
import { SHIPMENT_STATUSES } from '../../domain/types';
import type { ReportFilter } from './filters';
import { bucketSql, bucketsOf, type Interval } from './intervals';
import { withoutJit } from './without-jit';

export const SALES_GROUPS = ['channel', 'sku', 'period'] as const;
export type SalesGroup = (typeof SALES_GROUPS)[number];

export interface SalesRow {
  key: string;
  units: number;
  revenueCents: number;
  cogsCents: number;
}

/** Parcels whose units were sold: they left the warehouse and were not lost (a lost parcel is refunded or replaced). */
const SOLD_STATUSES = SHIPMENT_STATUSES.filter((status) => hasShipped(status) && status !== 'LOST');

/**
 * Sales recognised when their parcel ships, per channel, SKU (as ordered: a kit is one SKU) or
 * period: units, revenue at the order line's price, and FIFO COGS, which the shipping transaction
 * writes on each shipment line as the sum of the cost consumptions it took. Periods with no sales
 * are there with zeros.
 */
export function salesRows(db: Knex, filter: ReportFilter, groupBy: SalesGroup, interval: Interval): Promise<SalesRow[]> {
  return withoutJit(db, (trx) => salesRowsIn(trx, filter, groupBy, interval));
}

async function salesRowsIn(db: Knex, filter: ReportFilter, groupBy: SalesGroup, interval: Interval): Promise<SalesRow[]> {
  const key = groupBy === 'channel' ? 'o.channel' : groupBy === 'sku' ? 'sl.sku' : bucketSql(interval, 's.shipped_at');
  const query = db('shipments as s')
    .join('shipment_lines as sl', 'sl.shipment_id', 's.id')
    .join('order_lines as ol', function joinLine() {
      this.on('ol.order_id', 's.order_id').andOn('ol.line_no', 'sl.line_no');
    })
    .join('orders as o', 'o.id', 's.order_id')
    .whereIn('s.status', SOLD_STATUSES)
    .andWhere('s.shipped_at', '>=', filter.start)
    .andWhere('s.shipped_at', '<', filter.end)
    .groupByRaw('1')
    .orderByRaw('1')
    .select(
      db.raw(`${key} AS key`),
      db.raw('sum(sl.quantity)::int AS units'),
      db.raw('sum(sl.quantity::bigint * ol.unit_price_cents) AS revenue'),
      db.raw('coalesce(sum(sl.cogs_cents), 0) AS cogs'),
    );
  if (filter.locationId) query.where('s.location_id', filter.locationId);
  if (filter.channel) query.where('o.channel', filter.channel);
  if (filter.sku) query.where('sl.sku', filter.sku);
  const rows = ((await query) as { key: string; units: number; revenue: string; cogs: string }[]).map((row) => ({
    key: row.key,
    units: row.units,
    revenueCents: Number(row.revenue),
    cogsCents: Number(row.cogs),
  }));
  if (groupBy !== 'period') return rows;
  const byBucket = new Map(rows.map((row) => [row.key, row]));
  return (await bucketsOf(db, filter, interval)).map((bucket) => byBucket.get(bucket) ?? { key: bucket, units: 0, revenueCents: 0, cogsCents: 0 });
}

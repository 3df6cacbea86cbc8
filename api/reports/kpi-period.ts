import type { Knex } from 'knex';
import { hasShipped } from '../../domain/status';
import { SHIPMENT_STATUSES } from '../../domain/types';
import type { ReportFilter } from './filters';
import { rawWithoutJit } from './without-jit';

const SOLD_STATUSES = SHIPMENT_STATUSES.filter((status) => hasShipped(status) && status !== 'LOST');

const bindingsOf = (filter: ReportFilter) => ({
  start: filter.start,
  end: filter.end,
  channel: filter.channel ?? null,
  locationId: filter.locationId ?? null,
  sku: filter.sku ?? null,
});

export interface SkuReturns {
  sku: string;
  unitsShipped: number;
  unitsReturned: number;
}

export interface ReasonReturns {
  reason: string;
  units: number;
}

/**
 * Units shipped in the period (parcels that left and were not lost) and units received back by
 * returns in the period, per SKU as ordered; and the units received back per return reason.
 */
export async function returnFigures(db: Knex, filter: ReportFilter): Promise<{ bySku: SkuReturns[]; byReason: ReasonReturns[] }> {
  const returned = `SELECT rl.sku, rl.reason, rl.qty_received AS units FROM return_lines rl JOIN returns r ON r.id = rl.return_id
                     WHERE rl.qty_received > 0 AND r.received_at >= :start AND r.received_at < :end
                       ${filter.channel ? 'AND r.channel = :channel' : ''} ${filter.locationId ? 'AND r.location_id = :locationId' : ''}
                       ${filter.sku ? 'AND rl.sku = :sku' : ''}`;
  const [bySku, byReason] = await Promise.all([
    rawWithoutJit(db, 
      `WITH shipped AS (
         SELECT sl.sku, sum(sl.quantity)::int AS units FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id JOIN orders o ON o.id = s.order_id
          WHERE s.status IN (${SOLD_STATUSES.map((status) => `'${status}'`).join(', ')}) AND s.shipped_at >= :start AND s.shipped_at < :end
            ${filter.channel ? 'AND o.channel = :channel' : ''} ${filter.locationId ? 'AND s.location_id = :locationId' : ''}
            ${filter.sku ? 'AND sl.sku = :sku' : ''}
          GROUP BY sl.sku
       ), returned AS (SELECT sku, sum(units)::int AS units FROM (${returned}) r GROUP BY sku)
       SELECT coalesce(s.sku, r.sku) AS sku, coalesce(s.units, 0) AS units_shipped, coalesce(r.units, 0) AS units_returned
         FROM shipped s FULL JOIN returned r ON r.sku = s.sku
        ORDER BY 1`,
      bindingsOf(filter),
    ),
    rawWithoutJit(db, `SELECT reason, sum(units)::int AS units FROM (${returned}) r GROUP BY reason ORDER BY units DESC, reason`, bindingsOf(filter)),
  ]);
  return {
    bySku: bySku.rows.map((row: { sku: string; units_shipped: number; units_returned: number }) => ({
      sku: row.sku,
      unitsShipped: row.units_shipped,
      unitsReturned: row.units_returned,
    })),
    byReason: byReason.rows,
  };
}

export interface CountFigures {
  tasks: number;
  exact: number;
  expectedUnits: number;
  varianceUnits: number;
}

/** Cycle counts answered in the period: how many, how many found exactly what the books said, and the units off either way. */
export async function countFigures(db: Knex, filter: ReportFilter): Promise<CountFigures> {
  const result = await rawWithoutJit(db, 
    `SELECT count(*)::int AS tasks, count(*) FILTER (WHERE variance = 0)::int AS exact,
            coalesce(sum(expected_quantity), 0)::int AS expected_units, coalesce(sum(abs(variance)), 0)::int AS variance_units
       FROM count_tasks
      WHERE status = 'COUNTED' AND counted_at >= :start AND counted_at < :end
        ${filter.locationId ? 'AND location_id = :locationId' : ''} ${filter.sku ? 'AND sku = :sku' : ''}`,
    bindingsOf(filter),
  );
  const row = result.rows[0];
  return { tasks: row.tasks, exact: row.exact, expectedUnits: row.expected_units, varianceUnits: row.variance_units };
}

export interface CarrierFigures {
  carrier: string;
  service: string | null;
  delivered: number;
  /** Delivered by the shipment's delivery deadline and never flagged overdue. */
  onTime: number;
}

/** Parcels delivered in the period per carrier and service, and how many arrived on time. */
export async function carrierFigures(db: Knex, filter: ReportFilter): Promise<CarrierFigures[]> {
  const result = await rawWithoutJit(db, 
    `SELECT s.carrier, s.service, count(*)::int AS delivered,
            count(*) FILTER (WHERE NOT s.overdue AND s.delivered_at <= coalesce(s.delivery_deadline, s.delivered_at))::int AS on_time
       FROM shipments s JOIN orders o ON o.id = s.order_id
      WHERE s.carrier IS NOT NULL AND s.delivered_at >= :start AND s.delivered_at < :end
        ${filter.channel ? 'AND o.channel = :channel' : ''} ${filter.locationId ? 'AND s.location_id = :locationId' : ''}
        ${filter.sku ? 'AND EXISTS (SELECT 1 FROM shipment_lines sl WHERE sl.shipment_id = s.id AND sl.sku = :sku)' : ''}
      GROUP BY s.carrier, s.service ORDER BY s.carrier, s.service`,
    bindingsOf(filter),
  );
  return result.rows.map((row: { carrier: string; service: string | null; delivered: number; on_time: number }) => ({
    carrier: row.carrier,
    service: row.service,
    delivered: row.delivered,
    onTime: row.on_time,
  }));
}

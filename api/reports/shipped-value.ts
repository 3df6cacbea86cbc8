import type { Knex } from 'knex';
import type { ReportFilter } from './filters';
import { withoutJit } from './without-jit';

export interface ShippedValue {
  sku: string;
  units: number;
  /** FIFO cost of the units shipped, from their cost consumptions. */
  valueCents: number;
}

/**
 * Units shipped per stocked SKU in the period and their FIFO value: the ledger's shipment rows
 * (a kit ships as its components) with the cost their consumption rows took. The location and
 * channel filters apply; the SKU filter is left to the caller, since classes rank every SKU.
 */
export function shippedValues(db: Knex, filter: Pick<ReportFilter, 'start' | 'end' | 'locationId' | 'channel'>): Promise<ShippedValue[]> {
  return withoutJit(db, (trx) => shippedValuesIn(trx, filter));
}

async function shippedValuesIn(db: Knex, filter: Pick<ReportFilter, 'start' | 'end' | 'locationId' | 'channel'>): Promise<ShippedValue[]> {
  const shipped = db('inventory_movements as m')
    .where({ 'm.kind': 'shipment', 'm.reference_type': 'shipment' })
    .andWhere('m.created_at', '>=', filter.start)
    .andWhere('m.created_at', '<', filter.end)
    .select('m.id', 'm.sku', db.raw('-m.quantity AS units'));
  if (filter.locationId) shipped.where('m.location_id', filter.locationId);
  if (filter.channel) {
    shipped
      .join('shipments as s', 's.id', 'm.reference_id')
      .join('orders as o', 'o.id', 's.order_id')
      .where('o.channel', filter.channel);
  }
  const rows: { sku: string; units: number; value: string }[] = await db
    .from(shipped.as('shipped'))
    .joinRaw(
      'LEFT JOIN LATERAL (SELECT sum(c.quantity::bigint * c.unit_cost_cents) AS cost FROM cost_consumptions c WHERE c.movement_id = shipped.id) c ON true',
    )
    .groupBy('shipped.sku')
    .select('shipped.sku', db.raw('sum(shipped.units)::int AS units'), db.raw('coalesce(sum(c.cost), 0) AS value'));
  return rows.map((row) => ({ sku: row.sku, units: row.units, valueCents: Number(row.value) }));
}

import type { Knex } from 'knex';
import { type LayerRow, type ValuationLine, valuationAsOf } from '../../domain/fifo';
import { lotsBetween, type TransferLot } from '../../activities/transfers';
import { inPages } from './pages';

export interface ValuationFilter {
  asOf: Date;
  sku?: string;
  locationId?: string;
}

interface LayerAsOf {
  id: number;
  sku: string;
  location_id: string;
  quantity: number;
  unit_cost_cents: number;
  owner_id: string | null;
  received_at: Date;
  consumed: number;
}

/**
 * Stock per (sku, location) as it stood at `asOf`, by sku then location, streamed: the layers
 * received by then, each with what had been consumed from it by then, folded one (sku, location) at
 * a time by the pure valuation, so memory stays flat however large the ledger.
 */
export async function* valuationLines(db: Knex, filter: ValuationFilter): AsyncGenerator<ValuationLine> {
  const readPage = (after: LayerAsOf | undefined, limit: number): Promise<LayerAsOf[]> => {
    const query = db('cost_layers as l')
      .joinRaw(
        'LEFT JOIN LATERAL (SELECT sum(quantity)::int AS consumed FROM cost_consumptions WHERE layer_id = l.id AND consumed_at <= ?) c ON true',
        [filter.asOf],
      )
      .where('l.received_at', '<=', filter.asOf)
      .orderBy(['l.sku', 'l.location_id', 'l.id'])
      .limit(limit)
      .select('l.id', 'l.sku', 'l.location_id', 'l.quantity', 'l.unit_cost_cents', 'l.owner_id', 'l.received_at', db.raw('coalesce(c.consumed, 0) AS consumed'));
    if (filter.sku) query.where('l.sku', filter.sku);
    if (filter.locationId) query.where('l.location_id', filter.locationId);
    if (after) query.whereRaw('(l.sku, l.location_id, l.id) > (?, ?, ?)', [after.sku, after.location_id, after.id]);
    return query;
  };

  let group: LayerAsOf[] = [];
  const fold = () =>
    valuationAsOf(
      group.map(toLayer),
      group.map((row) => ({ layerId: Number(row.id), quantity: row.consumed, consumedAt: filter.asOf })),
      filter.asOf,
    );
  for await (const row of inPages(readPage)) {
    if (group.length > 0 && (group[0].sku !== row.sku || group[0].location_id !== row.location_id)) {
      yield* fold();
      group = [];
    }
    group.push(row);
  }
  if (group.length > 0) yield* fold();
}

const toLayer = (row: LayerAsOf): LayerRow => ({
  id: Number(row.id),
  sku: row.sku,
  locationId: row.location_id,
  quantity: row.quantity,
  unitCostCents: row.unit_cost_cents,
  ownerId: row.owner_id,
  receivedAt: row.received_at,
});

export interface InTransitLine {
  sku: string;
  units: number;
  valueCents: number;
  consignedUnits: number;
}

/**
 * Units shipped by transfers and at `asOf` neither received nor written off, per SKU: they left the
 * source's layers, so their cost sits on the transfer lines' shipped lots. Units arrive in the order
 * they left, so those still in transit are the lots after the ones received by then. `locationId`
 * is the destination, where the levels count them in transit.
 */
export async function inTransitLines(db: Knex, filter: ValuationFilter): Promise<InTransitLine[]> {
  const query = db('transfer_lines as tl')
    .join('transfers as t', 't.id', 'tl.transfer_id')
    .joinRaw(
      `LEFT JOIN LATERAL (SELECT sum(m.quantity)::int AS received FROM inventory_movements m
          WHERE m.kind = 'transfer_in' AND m.reference_type = 'transfer' AND m.reference_id = t.id
            AND m.sku = tl.sku AND m.created_at <= ?) r ON true`,
      [filter.asOf],
    )
    .where('t.shipped_at', '<=', filter.asOf)
    .andWhere('tl.shipped', '>', 0)
    .orderBy(['tl.sku', 't.id'])
    .select(
      'tl.sku',
      'tl.shipped',
      'tl.shipped_lots',
      db.raw('coalesce(r.received, 0) AS received'),
      db.raw("CASE WHEN t.status = 'CLOSED_SHORT' AND t.closed_at <= ? THEN tl.written_off ELSE 0 END AS written_off", [filter.asOf]),
    );
  if (filter.sku) query.where('tl.sku', filter.sku);
  if (filter.locationId) query.where('t.to_location_id', filter.locationId);
  const bySku = new Map<string, InTransitLine>();
  for (const row of (await query) as { sku: string; shipped: number; shipped_lots: TransferLot[] | null; received: number; written_off: number }[]) {
    const inTransit = row.shipped - Number(row.received) - Number(row.written_off);
    if (inTransit <= 0) continue;
    const line = bySku.get(row.sku) ?? { sku: row.sku, units: 0, valueCents: 0, consignedUnits: 0 };
    for (const lot of lotsBetween(row.shipped_lots ?? [], Number(row.received), inTransit)) {
      if (lot.ownerId === null) {
        line.units += lot.quantity;
        line.valueCents += lot.quantity * lot.unitCostCents;
      } else {
        line.consignedUnits += lot.quantity;
      }
    }
    bySku.set(row.sku, line);
  }
  return [...bySku.values()];
}

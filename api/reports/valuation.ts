import type { Knex } from 'knex';
import { type LayerRow, type ValuationLine, valuationAsOf } from '../../domain/fifo';
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

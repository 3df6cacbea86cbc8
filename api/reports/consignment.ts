import type { Knex } from 'knex';
import { inPages } from './pages';

export interface ConsignmentPeriod {
  /** Inclusive; null: from the beginning. */
  from: Date | null;
  /** Exclusive. */
  to: Date;
  ownerId?: string;
}

export interface OwedRow {
  ownerId: string;
  sku: string;
  units: number;
  owedCents: number;
}

/**
 * What is owed to each owner for consigned units that left our stock in the period, per SKU, at the
 * owner's agreed cost (the unit cost of their layer): shipped, scrapped or written off alike, since
 * the units were in our care. Units moving between our own locations stay the owner's and owe nothing.
 */
export function owedRows(db: Knex, period: ConsignmentPeriod): AsyncIterable<OwedRow> {
  return inPages((after, limit) => owedPage(db, period, after, limit));
}

function owedPage(db: Knex, period: ConsignmentPeriod, after: OwedRow | undefined, limit: number): Promise<OwedRow[]> {
  const query = db('cost_consumptions as c')
    .join('inventory_movements as m', 'm.id', 'c.movement_id')
    .join('cost_layers as l', 'l.id', 'c.layer_id')
    .whereNotNull('c.owner_id')
    .whereNot('m.kind', 'transfer_out')
    .where('c.consumed_at', '<', period.to)
    .groupBy('c.owner_id', 'l.sku')
    .orderBy(['c.owner_id', 'l.sku'])
    .limit(limit)
    .select(
      'c.owner_id AS ownerId',
      'l.sku AS sku',
      db.raw('sum(c.quantity)::int AS units'),
      db.raw('sum(c.quantity::bigint * c.unit_cost_cents) AS "owedCents"'),
    );
  if (period.from) query.where('c.consumed_at', '>=', period.from);
  if (period.ownerId) query.where('c.owner_id', period.ownerId);
  if (after) query.whereRaw('(c.owner_id, l.sku) > (?, ?)', [after.ownerId, after.sku]);
  return query;
}

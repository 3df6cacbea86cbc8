import type { Knex } from 'knex';
import { OPEN_PURCHASE_ORDER_STATUSES } from '../../workflows/purchase-order-definitions';

/**
 * Units on order and not yet received, per (sku, location): over the lines of submitted, confirmed and
 * partly received POs, the confirmed quantity where the supplier confirmed (else the ordered one) less
 * what arrived, never below 0 (a line may be received past its quantity, within the tolerance).
 * Drafts are not ordered yet and count nothing. A subquery levels join on (sku, location_id).
 */
export function incomingQuery(db: Knex) {
  return db('purchase_order_lines as pol')
    .join('purchase_orders as po', 'po.id', 'pol.purchase_order_id')
    .whereIn('po.status', OPEN_PURCHASE_ORDER_STATUSES as string[])
    .groupBy('pol.sku', 'po.location_id')
    .select('pol.sku', 'po.location_id', db.raw('SUM(GREATEST(COALESCE(pol.confirmed_quantity, pol.quantity) - pol.received, 0))::bigint AS incoming'));
}

/** The incoming units of these SKUs (all when absent), keyed `sku|location`. */
export async function incomingUnits(db: Knex, skus?: string[]): Promise<Map<string, number>> {
  const query = incomingQuery(db);
  if (skus) query.whereIn('pol.sku', skus);
  const rows: { sku: string; location_id: string; incoming: string }[] = await query;
  return new Map(rows.map((row) => [`${row.sku}|${row.location_id}`, Number(row.incoming)]));
}

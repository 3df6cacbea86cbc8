import type { Knex } from 'knex';
import { ApiError } from '../api-error';

/**
 * A person submitting a PO (approving a draft, or drafting one with submit auto) is held to the
 * supplier's minimum order value: 422 below_minimum_order_value, and a draft keeps waiting for
 * lines or a cancel. Replenishment applies the same rule when it plans (domain/replenishment.ts
 * groupIntoDrafts): a draft below the minimum is never submitted by itself and waits for ops here.
 */
export async function refuseBelowMinimumOrderValue(db: Knex | Knex.Transaction, purchaseOrderId: string): Promise<void> {
  const row = await db('purchase_orders as po')
    .join('suppliers as s', 's.id', 'po.supplier_id')
    .where('po.id', purchaseOrderId)
    .first(
      's.id as supplier_id',
      's.minimum_order_cents',
      'po.currency',
      db.raw('(SELECT coalesce(sum(quantity * unit_cost_cents), 0) FROM purchase_order_lines WHERE purchase_order_id = po.id)::bigint AS total_cents'),
    );
  const totalCents = Number(row.total_cents);
  if (totalCents >= row.minimum_order_cents) return;
  throw new ApiError(
    422,
    'below_minimum_order_value',
    `purchase order ${purchaseOrderId} totals ${totalCents} cents, below supplier ${row.supplier_id}'s minimum order of ${row.minimum_order_cents} ${row.currency} cents`,
    { totalCents, minimumOrderCents: row.minimum_order_cents },
  );
}

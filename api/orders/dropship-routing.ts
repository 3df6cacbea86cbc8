import type { Knex } from 'knex';
import { ApiError } from '../api-error';

/**
 * Which of an order's SKUs its channel sells as dropship, and the supplier each goes to: the
 * product's preferred supplier, which must be active. Decided once, at intake, and kept on the line,
 * so a later change of preference never reroutes an order already accepted.
 */
export async function dropshipSuppliers(db: Knex, skus: string[], channel: string): Promise<Map<string, string>> {
  const routes: { sku: string; channels: string[]; supplier_id: string | null }[] = await db('dropship_products as d')
    .leftJoin('supplier_products as sp', function preferredSupplier() {
      this.on('sp.sku', '=', 'd.sku').andOn('sp.preferred', '=', db.raw('true'));
    })
    .leftJoin('suppliers as s', function activeSupplier() {
      this.on('s.id', '=', 'sp.supplier_id').andOn('s.active', '=', db.raw('true'));
    })
    .whereIn('d.sku', skus)
    .select('d.sku', 'd.channels', 's.id as supplier_id');
  const atChannel = routes.filter((route) => route.channels.length === 0 || route.channels.includes(channel));
  const orphans = atChannel.filter((route) => route.supplier_id === null).map((route) => route.sku);
  if (orphans.length > 0) {
    throw new ApiError(422, 'dropship_without_supplier', `dropship sku without an active preferred supplier: ${orphans.join(', ')}`, {
      skus: orphans,
    });
  }
  return new Map(atChannel.map((route) => [route.sku, route.supplier_id!]));
}

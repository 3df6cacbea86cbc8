import type { Knex } from 'knex';
import { supplierStockFor } from '../../db/supplier-stock';
import { ApiError } from '../api-error';

/**
 * Which of an order's SKUs its channel sells as dropship, and the supplier each goes to: the
 * product's preferred supplier, which must be active. Decided once, at intake, and kept on the line,
 * so a later change of preference never reroutes an order already accepted. A line is refused when
 * its supplier's stock report is stale at a channel that requires fresh ones, or is below the line.
 */
export async function dropshipSuppliers(db: Knex, lines: { sku: string; quantity: number }[], channel: string): Promise<Map<string, string>> {
  const skus = lines.map((line) => line.sku);
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
  const suppliers = new Map(atChannel.map((route) => [route.sku, route.supplier_id!]));
  await checkSupplierStock(db, lines.filter((line) => suppliers.has(line.sku)), channel);
  return suppliers;
}

async function checkSupplierStock(db: Knex, lines: { sku: string; quantity: number }[], channel: string): Promise<void> {
  if (lines.length === 0) return;
  const reports = await supplierStockFor(db, lines.map((line) => line.sku), new Date());
  const rules = await db('channel_feed_rules').where({ channel }).first('require_fresh_supplier_stock');
  if (rules?.require_fresh_supplier_stock) {
    const stale = lines.filter((line) => reports.get(line.sku)?.fresh === false).map((line) => line.sku);
    if (stale.length > 0) {
      throw new ApiError(422, 'supplier_stock_stale', `the supplier's stock report is too old to sell at ${channel}: ${stale.join(', ')}`, {
        skus: stale,
      });
    }
  }
  const short = lines.filter((line) => {
    const quantity = reports.get(line.sku)?.quantity;
    return quantity !== undefined && quantity !== null && line.quantity > quantity;
  });
  if (short.length > 0) {
    throw new ApiError(422, 'supplier_out_of_stock', `the supplier reports less stock than ordered: ${short.map((line) => line.sku).join(', ')}`, {
      lines: short.map((line) => ({ sku: line.sku, requested: line.quantity, available: reports.get(line.sku)!.quantity })),
    });
  }
}

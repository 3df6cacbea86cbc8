import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { recordSupplierStock } from '../db/supplier-stock';
import { type SupplierAdapter, SupplierRefusedError } from '../suppliers/adapter';

/** Where a poll's next page starts: after this (supplier, sku). */
export interface SupplierFeedCursor {
  supplierId: string;
  sku: string;
}

export interface SupplierFeedPollInput {
  /** At the first dropship product when null. */
  after: SupplierFeedCursor | null;
  /** Products polled per activity call, so a big catalog never loads at once. */
  batchSize: number;
}

export interface SupplierFeedPollResult {
  /** Where the next page starts; null once every product is polled. */
  next: SupplierFeedCursor | null;
  polled: number;
  /** Products whose stored level changed (the answer was newer than what was stored). */
  updated: number;
}

export const DEFAULT_SUPPLIER_FEED_BATCH = 100;

/** Polling the dropship suppliers' stock through the SupplierAdapter (the pushed webhooks need no activity). */
export function supplierFeedActivities(db: Knex, supplier: SupplierAdapter) {
  return {
    /**
     * Asks each preferred, active supplier of the next page of dropship products for its stock, one
     * call per supplier, and stores each answer newer than the stored report. A retry stores nothing
     * twice. A supplier that refuses the question is skipped: its report ages, which is what the
     * freshness rule is for.
     */
    async pollSupplierStock(input: SupplierFeedPollInput): Promise<SupplierFeedPollResult> {
      const page = db('dropship_products as d')
        .join('supplier_products as sp', function preferredSupplier() {
          this.on('sp.sku', '=', 'd.sku').andOn('sp.preferred', '=', db.raw('true'));
        })
        .join('suppliers as s', function activeSupplier() {
          this.on('s.id', '=', 'sp.supplier_id').andOn('s.active', '=', db.raw('true'));
        })
        .orderBy([{ column: 'sp.supplier_id' }, { column: 'd.sku' }])
        .limit(input.batchSize)
        .select('sp.supplier_id', 'd.sku', 'sp.supplier_sku');
      if (input.after) page.whereRaw('(sp.supplier_id, d.sku) > (?, ?)', [input.after.supplierId, input.after.sku]);
      const rows: { supplier_id: string; sku: string; supplier_sku: string }[] = await page;

      let updated = 0;
      for (const supplierId of new Set(rows.map((row) => row.supplier_id))) {
        const products = rows.filter((row) => row.supplier_id === supplierId);
        let levels;
        try {
          levels = await supplier.stockLevels(supplierId, products.map((row) => row.supplier_sku));
        } catch (error) {
          if (!(error instanceof SupplierRefusedError)) throw error;
          Context.current().log.warn('supplier refused a stock poll', { supplierId, code: error.code });
          continue;
        }
        const reports = levels.flatMap((level) => {
          const product = products.find((row) => row.supplier_sku === level.supplierSku);
          return product ? [{ sku: product.sku, supplierSku: level.supplierSku, quantity: level.quantity, reportedAt: new Date(level.reportedAt) }] : [];
        });
        updated += (await recordSupplierStock(db, supplierId, reports)).length;
      }
      // A report that only grew older changes no row, yet may have gone stale: channels look again.
      if (rows.length > 0) await db('availability_dirty').insert(rows.map((row) => ({ sku: row.sku })));
      const last = rows[rows.length - 1];
      const next = rows.length < input.batchSize ? null : { supplierId: last.supplier_id, sku: last.sku };
      return { next, polled: rows.length, updated };
    },
  };
}

import type { Knex } from 'knex';

/** One product's level as a supplier reported it. */
export interface ReportedStock {
  sku: string;
  supplierSku: string;
  /** Null: the supplier sets no limit. */
  quantity: number | null;
  reportedAt: Date;
}

/**
 * Stores a supplier's reports, each only if newer than the one stored for the product: a late push
 * or a slow poll never overwrites a fresher level. Returns the SKUs whose level changed.
 */
export async function recordSupplierStock(db: Knex, supplierId: string, reports: ReportedStock[], receivedAt = new Date()): Promise<string[]> {
  // The newest report per SKU: one statement may not update a row twice.
  const newest = new Map<string, ReportedStock>();
  for (const report of reports) {
    const kept = newest.get(report.sku);
    if (!kept || kept.reportedAt < report.reportedAt) newest.set(report.sku, report);
  }
  if (newest.size === 0) return [];
  const rows = [...newest.values()].map((report) => ({
    supplier_id: supplierId,
    sku: report.sku,
    supplier_sku: report.supplierSku,
    quantity: report.quantity,
    reported_at: report.reportedAt,
    received_at: receivedAt,
  }));
  const changed: { sku: string }[] = await db('supplier_stock')
    .insert(rows)
    .onConflict(['supplier_id', 'sku'])
    .merge(['supplier_sku', 'quantity', 'reported_at', 'received_at'])
    .where('supplier_stock.reported_at', '<', db.raw('excluded.reported_at'))
    .returning('sku');
  return changed.map((row) => row.sku);
}

/** What a dropship product's preferred supplier last reported, and whether the report is recent enough. */
export interface SupplierStockReport {
  supplierId: string;
  /** Null: no limit, or no report yet (then reportedAt is null too). */
  quantity: number | null;
  /** ISO 8601; null when the supplier has never reported the product. */
  reportedAt: string | null;
  /** Within the supplier's feed_max_age_minutes of now; always true for a supplier without that rule. */
  fresh: boolean;
}

/**
 * The stock reports of these SKUs' preferred, active suppliers, per SKU; a SKU that is not dropshipped
 * (or has no such supplier) is left out. A product never reported is stale under a freshness rule.
 */
export async function supplierStockFor(db: Knex, skus: string[], now: Date): Promise<Map<string, SupplierStockReport>> {
  if (skus.length === 0) return new Map();
  const rows: { sku: string; supplier_id: string; feed_max_age_minutes: number | null; quantity: number | null; reported_at: Date | null }[] =
    await db('dropship_products as d')
      .join('supplier_products as sp', function preferredSupplier() {
        this.on('sp.sku', '=', 'd.sku').andOn('sp.preferred', '=', db.raw('true'));
      })
      .join('suppliers as s', function activeSupplier() {
        this.on('s.id', '=', 'sp.supplier_id').andOn('s.active', '=', db.raw('true'));
      })
      .leftJoin('supplier_stock as ss', function itsReport() {
        this.on('ss.supplier_id', '=', 'sp.supplier_id').andOn('ss.sku', '=', 'd.sku');
      })
      .whereIn('d.sku', skus)
      .select('d.sku', 'sp.supplier_id', 's.feed_max_age_minutes', 'ss.quantity', 'ss.reported_at');
  return new Map(
    rows.map((row) => {
      const maxAgeMs = row.feed_max_age_minutes === null ? null : row.feed_max_age_minutes * 60_000;
      const fresh = maxAgeMs === null || (row.reported_at !== null && now.getTime() - row.reported_at.getTime() <= maxAgeMs);
      return [row.sku, { supplierId: row.supplier_id, quantity: row.quantity, reportedAt: row.reported_at?.toISOString() ?? null, fresh }];
    }),
  );
}

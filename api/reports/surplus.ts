import type { Knex } from 'knex';
import { averageDailyDemand, demandKey, forecastCoverUnits } from './demand';
import type { ReportFilter } from './filters';

export interface SurplusLine {
  sku: string;
  locationId: string;
  onHand: number;
  /** Units per day over the period, net of returns (two decimals). */
  averageDailyDemand: number;
  /** Units the cover period needs: the forecast's over the cover days, else average daily demand x cover days; rounded up. */
  coverUnits: number;
  /** Where coverUnits came from: the nightly forecast when there is one for the SKU and location. */
  demandSource: 'forecast' | 'average';
  surplusUnits: number;
  /** The surplus at FIFO: the newest units are the ones left over, so the newest layers' cost. */
  surplusValueCents: number;
}

interface StockRow {
  sku: string;
  location_id: string;
  on_hand: number;
  /** Remaining layers, newest first: [units, unit cost of our own units or 0 for consigned ones]. */
  layers: [number, number][];
}

/**
 * Stock beyond what the cover period needs at the period's demand, per SKU and location, largest
 * surplus value first. The demand is the stored forecast's, or the period's average where there is none.
 */
export async function surplusLines(db: Knex, filter: ReportFilter, coverDays: number): Promise<SurplusLine[]> {
  const stock = db('inventory_levels as l')
    .where('l.on_hand', '>', 0)
    .select(
      'l.sku',
      'l.location_id',
      'l.on_hand',
      db.raw(
        `(SELECT coalesce(json_agg(json_build_array(c.remaining, CASE WHEN c.owner_id IS NULL THEN c.unit_cost_cents ELSE 0 END)
                                   ORDER BY c.received_at DESC, c.id DESC), '[]')
            FROM cost_layers c WHERE c.sku = l.sku AND c.location_id = l.location_id AND c.remaining > 0) AS layers`,
      ),
    );
  if (filter.locationId) stock.where('l.location_id', filter.locationId);
  if (filter.sku) stock.where('l.sku', filter.sku);
  const [rows, demand, forecast] = await Promise.all([
    stock as Promise<StockRow[]>,
    averageDailyDemand(db, filter),
    forecastCoverUnits(db, filter, coverDays),
  ]);
  const lines: SurplusLine[] = [];
  for (const row of rows) {
    const key = demandKey(row.sku, row.location_id);
    const daily = demand.get(key) ?? 0;
    const forecastUnits = forecast.get(key);
    const coverUnits = Math.ceil((forecastUnits ?? daily * coverDays) - 1e-9);
    const surplusUnits = row.on_hand - coverUnits;
    if (surplusUnits <= 0) continue;
    lines.push({
      sku: row.sku,
      locationId: row.location_id,
      onHand: row.on_hand,
      averageDailyDemand: Math.round(daily * 100) / 100,
      coverUnits,
      demandSource: forecastUnits === undefined ? 'average' : 'forecast',
      surplusUnits,
      surplusValueCents: newestValue(row.layers, surplusUnits),
    });
  }
  return lines.sort((x, y) => y.surplusValueCents - x.surplusValueCents || (x.sku < y.sku ? -1 : x.sku > y.sku ? 1 : 0) || (x.locationId < y.locationId ? -1 : 1));
}

/** The cost of `units` taken from the newest layers. */
function newestValue(layers: [number, number][], units: number): number {
  let left = units;
  let value = 0;
  for (const [remaining, unitCost] of layers) {
    const taken = Math.min(remaining, left);
    value += taken * unitCost;
    left -= taken;
    if (left === 0) break;
  }
  return value;
}

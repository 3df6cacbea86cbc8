import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { type AbcThresholds, classifyAbc, DEFAULT_ABC_THRESHOLDS } from '../domain/abc';
import {
  addDays,
  type DemandForecast,
  type ForecastReorderPoint,
  forecastDemand,
  MAX_HORIZON_DAYS,
  MIN_HISTORY_DAYS,
  type PlannedEvent,
  reorderPointFromForecast,
} from '../domain/forecast';
import { loadConfig } from '../infra/config';

/** What the nightly run forecasts from and how far; the Schedule passes them to every run. */
export interface ForecastSettings {
  /** Days of demand history before the forecast's first day (fewer for a SKU first stocked since). */
  historyDays: number;
  /** Days forecast and stored; the API answers any horizon up to it. */
  horizonDays: number;
  /** ABC classes rank SKUs by the value shipped over this many days. */
  abcWindowDays: number;
  /** SKUs forecast per activity call, so a big catalog never loads at once. */
  batchSkus: number;
}

export const DEFAULT_FORECAST_SETTINGS: ForecastSettings = { historyDays: 365, horizonDays: MAX_HORIZON_DAYS, abcWindowDays: 90, batchSkus: 100 };

export interface ForecastPair {
  sku: string;
  locationId: string;
}

export interface ForecastBatchInput {
  /** The first forecast day (YYYY-MM-DD); the history is the days before it. */
  computedFor: string;
  /** The batch starts after this SKU; at the first SKU when null. */
  afterSku: string | null;
  /** Only this location's forecasts; every location's when absent. */
  locationId?: string;
  settings: ForecastSettings;
}

export interface ForecastBatchResult {
  /** The batch's last SKU, where the next batch starts; null once the catalog is done. */
  lastSku: string | null;
  forecasts: number;
}

export interface AbcInput {
  computedFor: string;
  windowDays: number;
}

/** One (sku, location)'s daily demand, oldest first, from `start` to the day before the forecast. */
export interface DemandHistory {
  start: string;
  units: number[];
}

export const pairKey = (sku: string, locationId: string): string => JSON.stringify([sku, locationId]);

export function forecastActivities(db: Knex, serviceLevel: number = loadConfig().replenishment.serviceLevel, thresholds: AbcThresholds = DEFAULT_ABC_THRESHOLDS) {
  return {
    /**
     * Forecasts the next batch of active stocked SKUs, at every location whose ledger has held them,
     * and upserts the rows: a retry writes the same rows again.
     */
    async forecastSkuBatch(input: ForecastBatchInput): Promise<ForecastBatchResult> {
      const page = db('products').where({ active: true, kind: 'standard' }).orderBy('sku').limit(input.settings.batchSkus).pluck('sku');
      if (input.afterSku !== null) page.where('sku', '>', input.afterSku);
      const skus: string[] = await page;
      if (skus.length === 0) return { lastSku: null, forecasts: 0 };
      const ledgerPairs = db('inventory_movements as m')
        .join('locations as l', 'l.id', 'm.location_id')
        .where({ 'l.active': true })
        .whereNot('l.kind', 'quarantine')
        .whereIn('m.sku', skus)
        .distinct('m.sku', 'm.location_id');
      if (input.locationId) ledgerPairs.where('m.location_id', input.locationId);
      const pairs = (await ledgerPairs).map((row: { sku: string; location_id: string }) => ({ sku: row.sku, locationId: row.location_id }));
      await storeForecasts(db, pairs, input.computedFor, input.settings, serviceLevel, () => Context.current().heartbeat());
      return { lastSku: skus.length < input.settings.batchSkus ? null : skus[skus.length - 1], forecasts: pairs.length };
    },

    /**
     * ABC class of every SKU by the FIFO value shipped over the window. Only SKUs that shipped are
     * ranked in memory; every other product is C, written by one statement.
     */
    async computeAbcClasses(input: AbcInput): Promise<{ A: number; B: number; C: number }> {
      const { rows } = await db.raw(
        `SELECT m.sku, SUM(c.quantity::bigint * c.unit_cost_cents) AS value
           FROM inventory_movements m JOIN cost_consumptions c ON c.movement_id = m.id
          WHERE m.kind = 'shipment'
            AND m.created_at >= (?::date - ?::int) AT TIME ZONE 'UTC' AND m.created_at < ?::date AT TIME ZONE 'UTC'
          GROUP BY m.sku HAVING SUM(c.quantity::bigint * c.unit_cost_cents) > 0`,
        [input.computedFor, input.windowDays, input.computedFor],
      );
      const values = (rows as { sku: string; value: number }[]).map((row) => ({ sku: row.sku, valueCents: Number(row.value) }));
      const classes = classifyAbc(values, thresholds);
      await db.transaction(async (trx) => {
        const ranked = values.map((row) => ({ sku: row.sku, class: classes.get(row.sku)!, value_cents: row.valueCents, computed_for: input.computedFor, computed_at: trx.fn.now() }));
        for (let at = 0; at < ranked.length; at += 1000) {
          await trx('abc_classes').insert(ranked.slice(at, at + 1000)).onConflict('sku').merge();
        }
        await trx.raw(
          `INSERT INTO abc_classes (sku, class, value_cents, computed_for, computed_at)
           SELECT sku, 'C', 0, ?::date, now() FROM products WHERE sku <> ALL(?)
           ON CONFLICT (sku) DO UPDATE SET class = 'C', value_cents = 0, computed_for = excluded.computed_for, computed_at = excluded.computed_at`,
          [input.computedFor, values.map((row) => row.sku)],
        );
      });
      const counts: { class: 'A' | 'B' | 'C'; count: number }[] = await db('abc_classes').where({ computed_for: input.computedFor }).groupBy('class').select('class', db.raw('count(*)::int AS count'));
      return { A: 0, B: 0, C: 0, ...Object.fromEntries(counts.map((row) => [row.class, row.count])) };
    },
  };
}

/**
 * Forecasts the pairs from their ledger history and the planned events covering them, and upserts
 * them into demand_forecasts with the reorder point their lead time and service level call for.
 */
export async function storeForecasts(
  db: Knex,
  pairs: readonly ForecastPair[],
  computedFor: string,
  settings: Pick<ForecastSettings, 'historyDays' | 'horizonDays'>,
  defaultServiceLevel: number,
  onEach: () => void = () => {},
): Promise<void> {
  if (pairs.length === 0) return;
  const skus = [...new Set(pairs.map((pair) => pair.sku))];
  const histories = await demandHistories(db, pairs, computedFor, settings.historyDays);
  const events = await plannedEventsFor(db, skus, computedFor);
  const terms = await replenishmentTerms(db, skus);
  const rows = pairs.map(({ sku, locationId }) => {
    const key = pairKey(sku, locationId);
    const history = histories.get(key)!;
    const { leadTimeDays, serviceLevel = defaultServiceLevel } = terms.get(key) ?? terms.get(pairKey(sku, '')) ?? {};
    const forecast = forecastDemand({
      history: history.units,
      historyStart: history.start,
      horizonDays: settings.horizonDays,
      serviceLevel,
      events: events.filter((event) => (event.sku === null || event.sku === sku) && (event.locationId === null || event.locationId === locationId)),
    });
    onEach();
    return forecastRow(sku, locationId, computedFor, history, forecast, reorderPointOf(forecast, leadTimeDays));
  });
  // In slices: a row carries a year of days, and a statement at most 65,535 bound values.
  for (let at = 0; at < rows.length; at += 500) {
    await db('demand_forecasts').insert(rows.slice(at, at + 500)).onConflict(['sku', 'location_id']).merge();
  }
}

function reorderPointOf(forecast: DemandForecast, leadTimeDays: number | undefined): ForecastReorderPoint | null {
  // Without a lead time there is nothing to plan for; one past the horizon cannot be planned from it.
  if (leadTimeDays === undefined || leadTimeDays > forecast.daily.length) return null;
  return reorderPointFromForecast({ forecast, leadTimeDays, serviceLevel: forecast.serviceLevel });
}

function forecastRow(sku: string, locationId: string, computedFor: string, history: DemandHistory, forecast: DemandForecast, reorderPoint: ForecastReorderPoint | null) {
  return {
    sku,
    location_id: locationId,
    computed_for: computedFor,
    method: forecast.method,
    pattern: forecast.pattern,
    // The model's fitted parameters, and what it was fitted on, so a reader can tell the history apart.
    parameters: JSON.stringify({ model: forecast.parameters, historyStart: history.start, historyDays: history.units.length, serviceLevel: forecast.serviceLevel }),
    daily: JSON.stringify(forecast.daily),
    accuracy: JSON.stringify(forecast.accuracy),
    error_std_dev: forecast.errorStdDev,
    total_mean: forecast.totalMean,
    reorder_point: reorderPoint === null ? null : JSON.stringify(reorderPoint),
    computed_at: new Date(),
  };
}

/**
 * Daily demand per pair over the `historyDays` days before `computedFor` (UTC days): units shipped
 * from the location net of units returned and restocked there, a day's net floored at 0. A pair
 * first stocked within the window starts on that day, so days before it existed do not read as no
 * demand (and every history has at least MIN_HISTORY_DAYS days).
 */
export async function demandHistories(db: Knex, pairs: readonly ForecastPair[], computedFor: string, historyDays: number): Promise<Map<string, DemandHistory>> {
  const skus = [...new Set(pairs.map((pair) => pair.sku))];
  const locations = [...new Set(pairs.map((pair) => pair.locationId))];
  const windowStart = addDays(computedFor, -historyDays);
  const firsts: { sku: string; location_id: string; first_day: string }[] = await db('inventory_movements')
    .whereIn('sku', skus)
    .whereIn('location_id', locations)
    .groupBy('sku', 'location_id')
    .select('sku', 'location_id', db.raw(`(min(created_at) AT TIME ZONE 'UTC')::date::text AS first_day`));
  const { rows } = await db.raw(
    `SELECT sku, location_id, (created_at AT TIME ZONE 'UTC')::date::text AS day, -SUM(quantity)::int AS units
       FROM inventory_movements
      WHERE sku = ANY(?) AND location_id = ANY(?)
        AND (kind = 'shipment' OR (kind = 'return' AND reason_code = 'restock'))
        AND created_at >= ?::date AT TIME ZONE 'UTC' AND created_at < ?::date AT TIME ZONE 'UTC'
      GROUP BY 1, 2, 3`,
    [skus, locations, windowStart, computedFor],
  );
  const firstOf = new Map(firsts.map((row) => [pairKey(row.sku, row.location_id), row.first_day]));
  const histories = new Map<string, DemandHistory>();
  for (const { sku, locationId } of pairs) {
    const first = firstOf.get(pairKey(sku, locationId)) ?? windowStart;
    const latestStart = addDays(computedFor, -MIN_HISTORY_DAYS);
    const start = first > latestStart ? latestStart : first > windowStart ? first : windowStart;
    histories.set(pairKey(sku, locationId), { start, units: new Array(daysBetween(start, computedFor)).fill(0) });
  }
  for (const row of rows as { sku: string; location_id: string; day: string; units: number }[]) {
    const history = histories.get(pairKey(row.sku, row.location_id));
    const index = history ? daysBetween(history.start, row.day) : -1;
    if (history && index >= 0 && index < history.units.length) history.units[index] = Math.max(0, row.units);
  }
  return histories;
}

const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** Planned events still to come (or under way) for these SKUs, and those for every SKU. */
async function plannedEventsFor(db: Knex, skus: readonly string[], computedFor: string): Promise<(PlannedEvent & { sku: string | null; locationId: string | null })[]> {
  const rows = await db('planned_events')
    .where('end_date', '>=', computedFor)
    .andWhere((where) => where.whereNull('sku').orWhereIn('sku', skus))
    .select('sku', 'location_id', db.raw('start_date::text AS start_date'), db.raw('end_date::text AS end_date'), 'lift_percent');
  return rows.map((row) => ({ sku: row.sku, locationId: row.location_id, startDate: row.start_date, endDate: row.end_date, liftPercent: Number(row.lift_percent) }));
}

/**
 * Lead time and service level per pair, as replenishment plans them: the pair's own settings, else
 * (under the key with an empty location) the preferred supplier's lead time and the default level.
 */
async function replenishmentTerms(db: Knex, skus: readonly string[]): Promise<Map<string, { leadTimeDays?: number; serviceLevel?: number }>> {
  const supplied: { sku: string; lead_time_days: number }[] = await db('supplier_products as sp')
    .join('suppliers as s', 's.id', 'sp.supplier_id')
    .where({ 'sp.preferred': true, 's.active': true })
    .whereIn('sp.sku', skus)
    .select('sp.sku', 's.lead_time_days');
  const terms = new Map<string, { leadTimeDays?: number; serviceLevel?: number }>(supplied.map((row) => [pairKey(row.sku, ''), { leadTimeDays: row.lead_time_days }]));
  const settings: { sku: string; location_id: string; lead_time_days: number | null; service_level: number | null }[] = await db('replenishment_settings')
    .whereIn('sku', skus)
    .select('sku', 'location_id', 'lead_time_days', 'service_level');
  for (const row of settings) {
    const supplier = terms.get(pairKey(row.sku, ''));
    terms.set(pairKey(row.sku, row.location_id), {
      leadTimeDays: row.lead_time_days ?? supplier?.leadTimeDays,
      serviceLevel: row.service_level === null ? undefined : Number(row.service_level),
    });
  }
  return terms;
}

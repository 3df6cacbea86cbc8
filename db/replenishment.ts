import type { Knex } from 'knex';
import type { CarryingCosts, PriceBreak } from '../domain/eoq';
import {
  type DemandForecastInput,
  type DraftPlan,
  groupIntoDrafts,
  type LocationPolicy,
  planSku,
  type SkuPlan,
  type SkuSettings,
  type SupplyTerms,
} from '../domain/replenishment';
import { OPEN_PURCHASE_ORDER_STATUSES } from '../workflows/purchase-order-definitions';

/** The engine's defaults for SKUs without their own settings (infra/config.ts `replenishment`). */
export interface ReplenishmentDefaults {
  serviceLevel: number;
  reviewDays: number;
  demandWindowDays: number;
}

export interface ReplenishmentScope {
  locationId?: string;
  skus?: readonly string[];
}

/** Every SKU's plan in scope, and the drafts they group into. */
export interface ReplenishmentPlan {
  plans: SkuPlan[];
  drafts: DraftPlan[];
}

const SUGGEST_ONLY: LocationPolicy = { mode: 'suggest', autoLimitCents: 0 };

/**
 * Reads every input of the plan for the (sku, location) pairs in scope and computes it: pairs with
 * settings or a stock level at an active, non-quarantine location, of active stocked products that
 * have an active preferred supplier, plus each SKU's backorders at its home location (the location
 * of highest priority among those holding it). Read-only; run under the location's lock to act on it.
 */
export async function planReplenishment(db: Knex, defaults: ReplenishmentDefaults, scope: ReplenishmentScope = {}): Promise<ReplenishmentPlan> {
  const supply = await preferredSupply(db, scope.skus);
  const skus = [...supply.keys()];
  if (skus.length === 0) return { plans: [], drafts: [] };
  const locations: { id: string; priority: number }[] = await db('locations')
    .where({ active: true })
    .whereNot('kind', 'quarantine')
    .orderBy(['priority', 'id'])
    .select('id', 'priority');
  const inScope = new Set(locations.map((loc) => loc.id).filter((id) => !scope.locationId || id === scope.locationId));
  const levels = await db('inventory_levels').whereIn('sku', skus).select('sku', 'location_id', 'on_hand', 'reserved');
  const settingsRows = await db('replenishment_settings').whereIn('sku', skus).select('*');
  const held = new Set([...levels, ...settingsRows].map((row) => pairKey(row.sku, row.location_id)));
  const backorders = await backorderedUnits(db, skus);
  const pairs = new Map<string, { sku: string; locationId: string }>();
  for (const { sku, location_id: locationId } of [...levels, ...settingsRows]) {
    if (inScope.has(locationId)) pairs.set(pairKey(sku, locationId), { sku, locationId });
  }
  const homeOf = (sku: string) => (locations.find((loc) => held.has(pairKey(sku, loc.id))) ?? locations[0])?.id;
  for (const sku of backorders.keys()) {
    const home = homeOf(sku);
    if (home && inScope.has(home)) pairs.set(pairKey(sku, home), { sku, locationId: home });
  }
  const pairList = [...pairs.values()];
  if (pairList.length === 0) return { plans: [], drafts: [] };
  const levelOf = new Map(levels.map((row) => [pairKey(row.sku, row.location_id), row]));
  const settingsOf = new Map(settingsRows.map((row) => [pairKey(row.sku, row.location_id), row]));
  const { incoming, drafted } = await onOrder(db, pairList);
  const demand = await dailyDemand(db, pairList, defaults.demandWindowDays);
  const forecasts = await storedForecasts(db, pairList);
  const plans = pairList.map(({ sku, locationId }) => {
    const key = pairKey(sku, locationId);
    const level = levelOf.get(key);
    const terms = supply.get(sku)!;
    return planSku({
      sku,
      locationId,
      settings: settingsFrom(settingsOf.get(key), terms.jit, defaults),
      dailyDemand: demand.get(key) ?? new Array(defaults.demandWindowDays).fill(0),
      forecast: forecasts.get(key),
      stock: {
        onHand: level?.on_hand ?? 0,
        reserved: level?.reserved ?? 0,
        incoming: incoming.get(key) ?? 0,
        drafted: drafted.get(key) ?? 0,
        backordered: homeOf(sku) === locationId ? (backorders.get(sku) ?? 0) : 0,
      },
      supply: terms,
      carryingCosts: terms.carryingCosts,
    });
  });
  plans.sort((x, y) => compare(x.locationId, y.locationId) || compare(x.sku, y.sku));
  const policies = await db('replenishment_policies').whereIn('location_id', [...inScope]).select('*');
  const policyOf = (locationId: string): LocationPolicy => {
    const row = policies.find((policy) => policy.location_id === locationId);
    return row ? { mode: row.mode, autoLimitCents: row.auto_limit_cents } : SUGGEST_ONLY;
  };
  const minimumOrderCents = new Map([...supply.values()].map((terms) => [terms.supplierId, terms.minimumOrderCents]));
  return { plans, drafts: groupIntoDrafts(plans, policyOf, (supplierId) => minimumOrderCents.get(supplierId) ?? 0) };
}

const pairKey = (sku: string, locationId: string) => JSON.stringify([sku, locationId]);

function compare(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

function settingsFrom(row: Record<string, any> | undefined, jit: boolean, defaults: ReplenishmentDefaults): SkuSettings {
  return {
    method: row?.method ?? 'service_level',
    serviceLevel: row?.service_level != null ? Number(row.service_level) : defaults.serviceLevel,
    reviewDays: row?.review_days ?? defaults.reviewDays,
    leadTimeDays: row?.lead_time_days ?? null,
    parLevel: row?.par_level ?? null,
    minLevel: row?.min_level ?? null,
    maxLevel: row?.max_level ?? null,
    jit,
  };
}

/**
 * Active stocked products in scope with an active preferred supplier, that supplier's terms and
 * price breaks, and the product's carrying costs when both are set.
 */
async function preferredSupply(
  db: Knex,
  skus?: readonly string[],
): Promise<Map<string, SupplyTerms & { jit: boolean; minimumOrderCents: number; carryingCosts: CarryingCosts | null }>> {
  const query = db('supplier_products as sp')
    .join('suppliers as s', 's.id', 'sp.supplier_id')
    .join('products as p', 'p.sku', 'sp.sku')
    .where({ 'sp.preferred': true, 's.active': true, 'p.active': true, 'p.kind': 'standard' })
    .select(
      'sp.sku',
      'sp.supplier_id',
      's.lead_time_days',
      's.minimum_order_cents',
      'sp.pack_size',
      'sp.minimum_order_quantity',
      'sp.unit_cost_cents',
      'p.jit',
      'p.holding_cost_percent',
      'p.ordering_cost_cents',
    );
  if (skus) query.whereIn('sp.sku', skus);
  const rows = await query;
  // Per SKU: only its preferred supplier's breaks are read.
  const breaks = new Map<string, PriceBreak[]>();
  if (rows.length > 0) {
    const tiers = await db('supplier_price_breaks')
      .whereIn(['supplier_id', 'sku'], rows.map((row) => [row.supplier_id, row.sku]))
      .orderBy(['sku', 'min_quantity']);
    for (const tier of tiers) breaks.set(tier.sku, [...(breaks.get(tier.sku) ?? []), { minQuantity: tier.min_quantity, unitCostCents: tier.unit_cost_cents }]);
  }
  return new Map(
    rows.map((row) => [
      row.sku,
      {
        supplierId: row.supplier_id,
        leadTimeDays: row.lead_time_days,
        packSize: row.pack_size,
        moq: row.minimum_order_quantity,
        unitCostCents: row.unit_cost_cents,
        priceBreaks: breaks.get(row.sku) ?? [],
        jit: row.jit,
        minimumOrderCents: row.minimum_order_cents,
        carryingCosts:
          row.holding_cost_percent !== null && row.ordering_cost_cents !== null
            ? { holdingCostPercent: Number(row.holding_cost_percent), orderingCostCents: row.ordering_cost_cents }
            : null,
      },
    ]),
  );
}

/**
 * Units backordered orders still wait for, per SKU (a kit line's per component): what is neither
 * shipped, cancelled nor reserved.
 */
export async function backorderedUnits(db: Knex, skus: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await db.raw(
    `SELECT sku, SUM(units)::int AS units FROM (
       SELECT COALESCE(kc.component_sku, ol.sku) AS sku,
              (ol.quantity - ol.qty_shipped - ol.qty_cancelled) * COALESCE(kc.quantity, 1)
                - COALESCE((SELECT SUM(r.quantity) FROM reservations r
                            WHERE r.order_id = ol.order_id AND r.line_no = ol.line_no
                              AND r.sku = COALESCE(kc.component_sku, ol.sku) AND r.status = 'active'), 0) AS units
       FROM orders o
       JOIN order_lines ol ON ol.order_id = o.id
       LEFT JOIN kit_components kc ON kc.kit_sku = ol.sku
       WHERE o.status = 'BACKORDERED') waiting
     WHERE sku = ANY(?) GROUP BY sku HAVING SUM(units) > 0`,
    [[...skus]],
  );
  return new Map(rows.map((row: { sku: string; units: number }) => [row.sku, row.units]));
}

/** Units still expected on open POs (confirmed quantity where confirmed), and units on drafts. */
async function onOrder(db: Knex, pairs: { sku: string; locationId: string }[]) {
  const rows = await db('purchase_order_lines as l')
    .join('purchase_orders as po', 'po.id', 'l.purchase_order_id')
    .whereIn('po.status', ['DRAFT', ...OPEN_PURCHASE_ORDER_STATUSES])
    .whereIn('l.sku', [...new Set(pairs.map((pair) => pair.sku))])
    .groupBy('l.sku', 'po.location_id')
    .select(
      'l.sku',
      'po.location_id',
      db.raw(`COALESCE(SUM(GREATEST(COALESCE(l.confirmed_quantity, l.quantity) - l.received, 0)) FILTER (WHERE po.status <> 'DRAFT'), 0)::int AS incoming`),
      db.raw(`COALESCE(SUM(l.quantity) FILTER (WHERE po.status = 'DRAFT'), 0)::int AS drafted`),
    );
  return {
    incoming: new Map<string, number>(rows.map((row) => [pairKey(row.sku, row.location_id), row.incoming])),
    drafted: new Map<string, number>(rows.map((row) => [pairKey(row.sku, row.location_id), row.drafted])),
  };
}

/** Days of a stored forecast read from today on: a lead time and review period longer than this plan from the average. */
const FORECAST_DAYS_READ = 180;

/** The nightly forecasts of the pairs, from today on (a forecast computed days ago loses its past days). */
async function storedForecasts(db: Knex, pairs: { sku: string; locationId: string }[]): Promise<Map<string, DemandForecastInput>> {
  const { rows } = await db.raw(
    `SELECT sku, location_id, method, error_std_dev,
            jsonb_path_query_array(daily, ('$[' || offset_days || ' to ' || (offset_days + ?::int - 1) || '].mean')::jsonpath) AS means
       FROM (SELECT *, (now() AT TIME ZONE 'UTC')::date - computed_for AS offset_days FROM demand_forecasts
              WHERE sku = ANY(?) AND location_id = ANY(?)) f
      WHERE offset_days >= 0`,
    [FORECAST_DAYS_READ, [...new Set(pairs.map((pair) => pair.sku))], [...new Set(pairs.map((pair) => pair.locationId))]],
  );
  return new Map(
    (rows as { sku: string; location_id: string; method: string; error_std_dev: number; means: number[] }[]).map((row) => [
      pairKey(row.sku, row.location_id),
      { method: row.method, dailyMeans: row.means, errorStdDev: row.error_std_dev },
    ]),
  );
}

/** Units shipped per UTC day over the window ending today, oldest first, one entry per day. */
async function dailyDemand(db: Knex, pairs: { sku: string; locationId: string }[], windowDays: number): Promise<Map<string, number[]>> {
  const { rows } = await db.raw(
    `SELECT sku, location_id, ((now() AT TIME ZONE 'UTC')::date - (created_at AT TIME ZONE 'UTC')::date) AS days_ago, -SUM(quantity)::int AS units
     FROM inventory_movements
     WHERE kind = 'shipment' AND sku = ANY(?) AND location_id = ANY(?)
       AND created_at >= ((now() AT TIME ZONE 'UTC')::date - ?::int + 1) AT TIME ZONE 'UTC'
     GROUP BY 1, 2, 3`,
    [[...new Set(pairs.map((pair) => pair.sku))], [...new Set(pairs.map((pair) => pair.locationId))], windowDays],
  );
  const demand = new Map<string, number[]>();
  for (const row of rows as { sku: string; location_id: string; days_ago: number; units: number }[]) {
    const key = pairKey(row.sku, row.location_id);
    const days = demand.get(key) ?? new Array(windowDays).fill(0);
    if (row.days_ago >= 0 && row.days_ago < windowDays) days[windowDays - 1 - row.days_ago] += row.units;
    demand.set(key, days);
  }
  return demand;
}

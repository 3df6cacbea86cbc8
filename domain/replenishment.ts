import { annualDemand, type CarryingCosts, chooseOrderQuantity, type EoqChoice, type PriceBreak, unitCostAt } from './eoq';

/**
 * Replenishment arithmetic: demand statistics, safety stock by service level, reorder points, par
 * and min–max levels, rounding to pack size and MOQ, and grouping into one draft PO per supplier and
 * location. Pure, so the scheduled run, the shipment trigger and the suggestions API share one rule,
 * and every number a suggestion rests on is returned with it (its "why").
 */

export type ReplenishmentMethod = 'service_level' | 'par' | 'min_max';
export const REPLENISHMENT_METHODS: readonly ReplenishmentMethod[] = ['service_level', 'par', 'min_max'];

export type LocationPolicyMode = 'suggest' | 'auto';

export interface DemandStats {
  /** Days in the window, days without shipments counted as 0. */
  days: number;
  totalUnits: number;
  averageDaily: number;
  /** Sample standard deviation of the daily units (n − 1); 0 with fewer than two days. */
  stdDevDaily: number;
}

/** Statistics of units shipped per day, one entry per day of the window. */
export function demandStats(dailyUnits: readonly number[]): DemandStats {
  const days = dailyUnits.length;
  const totalUnits = dailyUnits.reduce((sum, units) => sum + units, 0);
  const averageDaily = days === 0 ? 0 : totalUnits / days;
  const squares = dailyUnits.reduce((sum, units) => sum + (units - averageDaily) ** 2, 0);
  const stdDevDaily = days < 2 ? 0 : Math.sqrt(squares / (days - 1));
  return { days, totalUnits, averageDaily, stdDevDaily };
}

/**
 * The z-score of a service level (the probability of not running out during a lead time): the
 * inverse of the standard normal distribution, by Acklam's rational approximation (relative error
 * below 1.2e-9), e.g. 0.95 → 1.645, 0.975 → 1.960, 0.99 → 2.326.
 */
export function zScore(serviceLevel: number): number {
  if (!(serviceLevel > 0 && serviceLevel < 1)) throw new RangeError(`service level must be between 0 and 1 exclusive, got ${serviceLevel}`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const tail = (q: number) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (serviceLevel < low) return tail(Math.sqrt(-2 * Math.log(serviceLevel)));
  if (serviceLevel > 1 - low) return -tail(Math.sqrt(-2 * Math.log(1 - serviceLevel)));
  const q = serviceLevel - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Safety stock in units (not rounded): z(service level) × σ(daily demand) × √lead time. */
export function safetyStock(serviceLevel: number, stdDevDaily: number, leadTimeDays: number): number {
  return zScore(serviceLevel) * stdDevDaily * Math.sqrt(leadTimeDays);
}

/** Reorder point in units (not rounded): average daily demand × lead time + safety stock. */
export function reorderPoint(averageDaily: number, leadTimeDays: number, safety: number): number {
  return averageDaily * leadTimeDays + safety;
}

/** The smallest quantity ≥ the need that is a multiple of the pack size and at least the MOQ; 0 for no need. */
export function roundToPackAndMoq(need: number, packSize: number, moq: number): number {
  if (need <= 0) return 0;
  const atLeast = Math.max(need, moq);
  return Math.ceil(atLeast / packSize) * packSize;
}

export interface SkuSettings {
  method: ReplenishmentMethod;
  /** service_level: the probability of not running out during a lead time, e.g. 0.95. */
  serviceLevel: number;
  /** service_level: days of average demand ordered beyond the reorder point. */
  reviewDays: number;
  /** Overrides the supplier's lead time when set. */
  leadTimeDays: number | null;
  parLevel: number | null;
  minLevel: number | null;
  maxLevel: number | null;
  /** Just in time: no safety stock, no stock kept; only backorders are bought. */
  jit: boolean;
}

export interface StockPosition {
  onHand: number;
  reserved: number;
  /** On submitted or confirmed purchase orders and not yet received. */
  incoming: number;
  /** On draft purchase orders (awaiting approval or their start): counted, so a run never drafts twice. */
  drafted: number;
  /** Units of backordered order lines this location is to supply. */
  backordered: number;
}

export interface SupplyTerms {
  supplierId: string;
  leadTimeDays: number;
  packSize: number;
  moq: number;
  unitCostCents: number;
  /** The supplier's cheaper prices for larger orders, by increasing min quantity. */
  priceBreaks?: readonly PriceBreak[];
}

export interface SkuPlanInput {
  sku: string;
  locationId: string;
  settings: SkuSettings;
  /** Units shipped per day over the demand window, oldest first. */
  dailyDemand: readonly number[];
  /** The stored demand forecast from today on, when there is one: it replaces the window's average and variance. */
  forecast?: DemandForecastInput;
  stock: StockPosition;
  supply: SupplyTerms;
  /** Set on the product (both costs): the order quantity is the one of least annual cost, price breaks weighed. */
  carryingCosts?: CarryingCosts | null;
}

/** A demand forecast as replenishment reads it: each day's expected units from today on, and its one-day error. */
export interface DemandForecastInput {
  method: string;
  dailyMeans: readonly number[];
  errorStdDev: number;
}

/** Every input and intermediate number of one SKU's plan. */
export interface SkuPlanWhy {
  method: ReplenishmentMethod;
  jit: boolean;
  demand: DemandStats;
  /** Where the service-level numbers came from: the stored forecast, or the demand window's average and variance. */
  demandSource: 'forecast' | 'average';
  /** With demandSource forecast: its method, the units it expects over the lead time and the review days, and its error. */
  forecast: { method: string; leadTimeDemand: number; reviewDemand: number; errorStdDev: number } | null;
  leadTimeDays: number;
  leadTimeFrom: 'settings' | 'supplier';
  serviceLevel: number | null;
  zScore: number | null;
  /** Unrounded, then rounded up to whole units. */
  safetyStockUnits: number;
  safetyStock: number;
  reorderPointUnits: number;
  reorderPoint: number;
  reviewDays: number | null;
  orderUpTo: number;
  onHand: number;
  reserved: number;
  incoming: number;
  drafted: number;
  backordered: number;
  /** onHand − reserved + incoming + drafted − backordered. */
  position: number;
  /** The rule that decides whether to order, and whether it held. */
  trigger: string;
  triggered: boolean;
  /** orderUpTo − position when triggered, else 0. */
  need: number;
  packSize: number;
  moq: number;
  quantity: number;
  unitCostCents: number;
  lineValueCents: number;
  /** With carrying costs, when ordering: the annual cost of each price tier's best quantity, and the one chosen. */
  eoq: EoqWhy | null;
}

export interface EoqWhy extends CarryingCosts, EoqChoice {
  annualDemand: number;
  /** The stored forecast's mean day (when there is one), else the demand window's average, times 365. */
  demandSource: 'forecast' | 'average';
}

export interface SkuPlan {
  sku: string;
  locationId: string;
  supplierId: string;
  quantity: number;
  unitCostCents: number;
  why: SkuPlanWhy;
}

/**
 * One SKU at one location: where its inventory position stands against its reorder point, and
 * what to order to bring it back up to its order-up-to level.
 * - service_level: reorder point = d̄ × L + z × σ × √L; order up to the reorder point + d̄ × review days.
 *   With a stored forecast, d̄ × L is the forecast's units over the lead time, σ its one-day error,
 *   and d̄ × review days its units over the review days after the lead time.
 * - par: order up to the par level whenever the position is below it.
 * - min_max: order up to max when the position is at or below min.
 * - jit (any method): no safety stock and no stock kept; order exactly what backorders lack.
 * - with carrying costs (any method but jit): order the lot of least annual cost across the
 *   supplier's price breaks, at least the need (domain/eoq.ts). Every line pays its tier's price.
 */
export function planSku(input: SkuPlanInput): SkuPlan {
  const { settings, stock, supply } = input;
  const demand = demandStats(input.dailyDemand);
  const leadTimeDays = settings.leadTimeDays ?? supply.leadTimeDays;
  const position = stock.onHand - stock.reserved + stock.incoming + stock.drafted - stock.backordered;
  const statistical = settings.method === 'service_level' && !settings.jit;
  const z = statistical ? zScore(settings.serviceLevel) : null;
  const forecast = statistical ? forecastOver(input.forecast, leadTimeDays, settings.reviewDays) : null;
  const safetyStockUnits = !statistical
    ? 0
    : forecast
      ? safetyStock(settings.serviceLevel, forecast.errorStdDev, leadTimeDays)
      : safetyStock(settings.serviceLevel, demand.stdDevDaily, leadTimeDays);
  const safety = Math.ceil(safetyStockUnits);
  let reorderPointUnits: number;
  let orderUpTo: number;
  let trigger: string;
  let triggered: boolean;
  if (settings.jit) {
    reorderPointUnits = -1;
    orderUpTo = 0;
    trigger = 'jit: position < 0 (backorders not covered)';
    triggered = position < 0;
  } else if (settings.method === 'par') {
    const par = required(settings.parLevel, 'parLevel');
    reorderPointUnits = par - 1;
    orderUpTo = par;
    trigger = 'par: position < parLevel';
    triggered = position < par;
  } else if (settings.method === 'min_max') {
    reorderPointUnits = required(settings.minLevel, 'minLevel');
    orderUpTo = required(settings.maxLevel, 'maxLevel');
    trigger = 'min_max: position <= minLevel';
    triggered = position <= reorderPointUnits;
  } else {
    reorderPointUnits = forecast ? forecast.leadTimeDemand + safetyStockUnits : reorderPoint(demand.averageDaily, leadTimeDays, safetyStockUnits);
    orderUpTo = Math.ceil(reorderPointUnits + (forecast ? forecast.reviewDemand : demand.averageDaily * settings.reviewDays));
    trigger = 'service_level: position <= reorderPoint';
    triggered = position <= Math.ceil(reorderPointUnits);
  }
  const reorder = Math.ceil(reorderPointUnits);
  const need = triggered ? Math.max(0, orderUpTo - position) : 0;
  const eoq = input.carryingCosts && need > 0 && !settings.jit ? economicQuantity(input, input.carryingCosts, demand, need) : null;
  const quantity = eoq ? eoq.quantity : roundToPackAndMoq(need, supply.packSize, supply.moq);
  const unitCostCents = unitCostAt(quantity, supply.unitCostCents, supply.priceBreaks ?? []);
  return {
    sku: input.sku,
    locationId: input.locationId,
    supplierId: supply.supplierId,
    quantity,
    unitCostCents,
    why: {
      method: settings.method,
      jit: settings.jit,
      demand,
      demandSource: forecast ? 'forecast' : 'average',
      forecast,
      leadTimeDays,
      leadTimeFrom: settings.leadTimeDays === null ? 'supplier' : 'settings',
      serviceLevel: statistical ? settings.serviceLevel : null,
      zScore: z,
      safetyStockUnits,
      safetyStock: safety,
      reorderPointUnits,
      reorderPoint: reorder,
      reviewDays: statistical ? settings.reviewDays : null,
      orderUpTo,
      ...stock,
      position,
      trigger,
      triggered,
      need,
      packSize: supply.packSize,
      moq: supply.moq,
      quantity,
      unitCostCents,
      lineValueCents: quantity * unitCostCents,
      eoq,
    },
  };
}

/**
 * The lot of least annual cost across the supplier's price tiers, no smaller than the need and
 * rounded to pack size and MOQ. Annual demand comes from the stored forecast when there is one,
 * else from the demand window's average.
 */
function economicQuantity(input: SkuPlanInput, costs: CarryingCosts, demand: DemandStats, need: number): EoqWhy {
  const { supply } = input;
  const means = input.forecast?.dailyMeans ?? [];
  const daily = means.length > 0 ? means.reduce((sum, mean) => sum + mean, 0) / means.length : demand.averageDaily;
  const annual = annualDemand(daily);
  const choice = chooseOrderQuantity({
    ...costs,
    annualDemand: annual,
    baseUnitCostCents: supply.unitCostCents,
    priceBreaks: supply.priceBreaks ?? [],
    atLeast: need,
    orderable: (units) => roundToPackAndMoq(units, supply.packSize, supply.moq),
  });
  return { ...costs, annualDemand: annual, demandSource: means.length > 0 ? 'forecast' : 'average', ...choice };
}

/**
 * The forecast's expected units over the lead time and over the review days after it (trend, season
 * and planned events included), or null when it does not reach that far: then the average plans.
 */
function forecastOver(forecast: DemandForecastInput | undefined, leadTimeDays: number, reviewDays: number): SkuPlanWhy['forecast'] {
  if (!forecast || leadTimeDays + reviewDays > forecast.dailyMeans.length) return null;
  const sum = (from: number, to: number) => forecast.dailyMeans.slice(from, to).reduce((total, mean) => total + mean, 0);
  return { method: forecast.method, leadTimeDemand: sum(0, leadTimeDays), reviewDemand: sum(leadTimeDays, leadTimeDays + reviewDays), errorStdDev: forecast.errorStdDev };
}

function required(value: number | null, name: string): number {
  if (value === null) throw new RangeError(`${name} is required by this method`);
  return value;
}

export interface LocationPolicy {
  mode: LocationPolicyMode;
  /** auto: a draft worth at most this is submitted by itself. */
  autoLimitCents: number;
}

export interface DraftPlan {
  supplierId: string;
  locationId: string;
  lines: SkuPlan[];
  totalCents: number;
  /**
   * auto when the location's policy is auto, the total is within its limit and reaches the supplier's
   * minimum order value; else ops approve.
   */
  submit: 'auto' | 'approval';
  why: {
    policy: LocationPolicyMode;
    autoLimitCents: number;
    minimumOrderCents: number;
    totalCents: number;
    rule: string;
    /** below_minimum_order_value when the policy alone would have submitted it: ops add lines, lower the minimum or cancel. */
    held: 'below_minimum_order_value' | null;
  };
}

/**
 * One draft per supplier and location, for the SKUs with something to order, in a stable order
 * (supplier, location, then SKU), each with the location policy's decision on submitting it. A draft
 * under its supplier's minimum order value is never submitted by itself, as a person submitting it
 * would be refused.
 */
export function groupIntoDrafts(
  plans: readonly SkuPlan[],
  policyOf: (locationId: string) => LocationPolicy,
  minimumOrderCentsOf: (supplierId: string) => number,
): DraftPlan[] {
  const groups = new Map<string, SkuPlan[]>();
  const ordered = plans.filter((plan) => plan.quantity > 0).sort((x, y) => compare(x.supplierId, y.supplierId) || compare(x.locationId, y.locationId) || compare(x.sku, y.sku));
  for (const plan of ordered) {
    const key = JSON.stringify([plan.supplierId, plan.locationId]);
    groups.set(key, [...(groups.get(key) ?? []), plan]);
  }
  return [...groups.values()].map((lines) => {
    const { supplierId, locationId } = lines[0];
    const totalCents = lines.reduce((sum, line) => sum + line.why.lineValueCents, 0);
    const policy = policyOf(locationId);
    const minimumOrderCents = minimumOrderCentsOf(supplierId);
    const policyAllows = policy.mode === 'auto' && totalCents <= policy.autoLimitCents;
    const belowMinimum = totalCents < minimumOrderCents;
    return {
      supplierId,
      locationId,
      lines,
      totalCents,
      submit: policyAllows && !belowMinimum ? 'auto' : 'approval',
      why: {
        policy: policy.mode,
        autoLimitCents: policy.autoLimitCents,
        minimumOrderCents,
        totalCents,
        rule: 'auto when policy is auto and minimumOrderCents <= totalCents <= autoLimitCents',
        held: policyAllows && belowMinimum ? 'below_minimum_order_value' : null,
      },
    };
  });
}

function compare(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

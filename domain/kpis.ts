/**
 * Formulas of the analytics reports over numbers already aggregated in SQL: pure, so the reports,
 * the dashboard and their tests share one definition. Ratios are null where the denominator is 0
 * (no sales, no stock): "no answer" is not the same as 0 %.
 */

/** A ratio in percent, two decimals; null when there is nothing to divide by. */
export function percentOf(part: number, whole: number): number | null {
  if (whole === 0) return null;
  return Math.round((part * 10_000) / whole) / 100;
}

export interface GrossMargin {
  marginCents: number;
  /** Margin / revenue, in percent; null without revenue. */
  marginPercent: number | null;
}

/** Gross margin = revenue - COGS; margin % = margin / revenue x 100. */
export function grossMargin(revenueCents: number, cogsCents: number): GrossMargin {
  const marginCents = revenueCents - cogsCents;
  return { marginCents, marginPercent: percentOf(marginCents, revenueCents) };
}

const twoDecimals = (value: number) => Math.round(value * 100) / 100;
const ratio = (numerator: number, denominator: number) => (denominator === 0 ? null : twoDecimals(numerator / denominator));

/**
 * Inventory turnover over a period = COGS of the period / average inventory value (our own stock at
 * FIFO cost, the mean of the closing values of its days). Not annualised: a 7-day bucket turns less
 * than a 30-day one.
 */
export const inventoryTurnover = (cogsCents: number, averageInventoryCents: number) => ratio(cogsCents, averageInventoryCents);

/** Days of inventory on hand = average inventory value / COGS x days of the period: how long the stock lasts at that pace. */
export const daysOnHand = (averageInventoryCents: number, cogsCents: number, days: number) =>
  cogsCents === 0 ? null : Math.round(((averageInventoryCents * days) / cogsCents) * 10) / 10;

/** Sell-through % = units sold / (units on hand at the start + units received during the period) x 100. */
export const sellThrough = (unitsSold: number, openingUnits: number, unitsReceived: number) =>
  percentOf(unitsSold, Math.max(0, openingUnits) + unitsReceived);

/** GMROI = gross margin of the period / average inventory value at cost: margin earned per unit of money held in stock. */
export const gmroi = (grossMarginCents: number, averageInventoryCents: number) => ratio(grossMarginCents, averageInventoryCents);


/** Unit accuracy % of cycle counts = (1 - sum of |variance| / sum of expected units) x 100, not below 0; null when nothing was expected. */
export const unitAccuracy = (expectedUnits: number, varianceUnits: number) =>
  expectedUnits === 0 ? null : Math.max(0, percentOf(expectedUnits - varianceUnits, expectedUnits) as number);

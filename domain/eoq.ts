/**
 * Economic order quantity with all-units price breaks: the order quantity that minimises the total
 * annual cost of buying a SKU,
 *   purchase D × c(Q) + ordering D / Q × S + holding Q / 2 × c(Q) × h,
 * where D is the annual demand, S the cost of placing an order, h the annual holding rate and c(Q)
 * the unit price every unit of an order of Q gets (the supplier's price tier Q falls in). Pure, so
 * replenishment and its tests share one rule, and the comparison behind the answer comes with it.
 */

export interface PriceBreak {
  /** Every unit of an order of at least this many costs unitCostCents. */
  minQuantity: number;
  unitCostCents: number;
}

/** Carrying costs a product may carry; replenishment weighs price breaks only when both are set. */
export interface CarryingCosts {
  /** Holding a unit for a year costs this percentage of its unit cost. */
  holdingCostPercent: number;
  /** Placing and receiving one order. */
  orderingCostCents: number;
}

const DAYS_PER_YEAR = 365;

/** Annual demand from a daily rate. */
export const annualDemand = (dailyUnits: number): number => dailyUnits * DAYS_PER_YEAR;

/**
 * Why a price list is refused, or null when it is sound. The base price is its first tier (from one
 * unit): each break must start at a larger quantity than the tier before it and be cheaper.
 */
export function priceBreaksProblem(baseUnitCostCents: number, breaks: readonly PriceBreak[]): string | null {
  let previous: PriceBreak = { minQuantity: 1, unitCostCents: baseUnitCostCents };
  for (const next of breaks) {
    if (next.minQuantity <= previous.minQuantity) {
      return `a break at ${next.minQuantity} units overlaps the tier from ${previous.minQuantity}: min quantities must increase, from above 1`;
    }
    if (next.unitCostCents >= previous.unitCostCents) {
      return `${next.unitCostCents} cents from ${next.minQuantity} units is not below ${previous.unitCostCents} cents from ${previous.minQuantity}: unit costs must decrease`;
    }
    previous = next;
  }
  return null;
}

/** The unit price an order of this many units gets: its highest tier reached. */
export function unitCostAt(quantity: number, baseUnitCostCents: number, breaks: readonly PriceBreak[]): number {
  return breaks.reduce((cost, tier) => (quantity >= tier.minQuantity ? tier.unitCostCents : cost), baseUnitCostCents);
}

/** Wilson's EOQ, √(2DS/H): D units a year, S cents an order, H cents to hold one unit a year. */
export function economicOrderQuantity(annualUnits: number, orderingCostCents: number, holdingCentsPerUnit: number): number {
  if (annualUnits <= 0 || orderingCostCents <= 0) return 0;
  return Math.sqrt((2 * annualUnits * orderingCostCents) / holdingCentsPerUnit);
}

export interface EoqInput extends CarryingCosts {
  annualDemand: number;
  baseUnitCostCents: number;
  /** By increasing min quantity (priceBreaksProblem holds). */
  priceBreaks: readonly PriceBreak[];
  /** The least the order may be (what the plan needs); 0 for the textbook answer. */
  atLeast: number;
  /** The quantity actually bought for a wanted one (pack size and MOQ). */
  orderable: (units: number) => number;
}

/** One price tier's row of the comparison. */
export interface EoqOption {
  minQuantity: number;
  /** The tier's last quantity; null for the last tier. */
  maxQuantity: number | null;
  tierUnitCostCents: number;
  /** At the tier's price, unrounded; null for a free tier (nothing to hold, no finite EOQ). */
  eoq: number | null;
  /** Whether that EOQ lies inside the tier; if not, the tier's nearest quantity is costed instead. */
  feasible: boolean;
  /** The tier's best quantity, at least atLeast, then made orderable. */
  quantity: number;
  /** What that quantity pays a unit (rounding up may reach a cheaper tier). */
  unitCostCents: number;
  /** Annual costs at that quantity, to the cent. */
  purchaseCents: number;
  orderingCents: number;
  holdingCents: number;
  totalCents: number;
}

export interface EoqChoice {
  quantity: number;
  unitCostCents: number;
  totalCents: number;
  /** One row per price tier, base price first. */
  options: EoqOption[];
}

/**
 * The classic all-units discount algorithm: for each tier, the EOQ at its price, to the nearest
 * unit and clamped into the tier's range (below it: the break quantity; above it: the tier's last
 * quantity), is the tier's cheapest quantity, since the annual cost within a tier is convex in Q.
 * Each is raised to atLeast, made orderable and costed at the price it then reaches; the cheapest
 * wins, on a tie the smaller. A free tier has no holding cost and so no finite EOQ: its first
 * quantity is costed.
 */
export function chooseOrderQuantity(input: EoqInput): EoqChoice {
  const tiers: PriceBreak[] = [{ minQuantity: 1, unitCostCents: input.baseUnitCostCents }, ...input.priceBreaks];
  const options = tiers.map((tier, index): EoqOption & { exactTotal: number } => {
    const maxQuantity = index + 1 < tiers.length ? tiers[index + 1].minQuantity - 1 : null;
    const holding = (tier.unitCostCents * input.holdingCostPercent) / 100;
    const eoq = holding > 0 ? economicOrderQuantity(input.annualDemand, input.orderingCostCents, holding) : null;
    const feasible = eoq !== null && eoq >= tier.minQuantity && (maxQuantity === null || eoq <= maxQuantity);
    const clamped = eoq === null ? tier.minQuantity : Math.min(Math.max(Math.round(eoq), tier.minQuantity), maxQuantity ?? Number.POSITIVE_INFINITY);
    const quantity = input.orderable(Math.max(clamped, input.atLeast, 1));
    const unitCostCents = unitCostAt(quantity, input.baseUnitCostCents, input.priceBreaks);
    const purchase = input.annualDemand * unitCostCents;
    const ordering = (input.annualDemand / quantity) * input.orderingCostCents;
    const holdingTotal = (quantity / 2) * ((unitCostCents * input.holdingCostPercent) / 100);
    return {
      minQuantity: tier.minQuantity,
      maxQuantity,
      tierUnitCostCents: tier.unitCostCents,
      eoq,
      feasible,
      quantity,
      unitCostCents,
      purchaseCents: Math.round(purchase),
      orderingCents: Math.round(ordering),
      holdingCents: Math.round(holdingTotal),
      totalCents: Math.round(purchase + ordering + holdingTotal),
      exactTotal: purchase + ordering + holdingTotal,
    };
  });
  const best = options.reduce((chosen, option) =>
    option.exactTotal < chosen.exactTotal || (option.exactTotal === chosen.exactTotal && option.quantity < chosen.quantity) ? option : chosen,
  );
  return {
    quantity: best.quantity,
    unitCostCents: best.unitCostCents,
    totalCents: best.totalCents,
    options: options.map(({ exactTotal: _exact, ...option }) => option),
  };
}

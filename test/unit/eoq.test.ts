import { chooseOrderQuantity, economicOrderQuantity, type EoqInput, priceBreaksProblem, unitCostAt } from '../../domain/eoq';
import { planSku, roundToPackAndMoq, type SkuPlanInput } from '../../domain/replenishment';

const unitsOnly = (units: number) => units;

/**
 * Heizer & Render, Operations Management, the Chris Beehner Company quantity-discount example:
 * D = 5,000 units a year, S = $49 an order, holding I = 20 % of the price a year; $5.00 a unit from
 * 1 to 999, $4.80 from 1,000 to 1,999, $4.75 from 2,000 on.
 */
const beehner: EoqInput = {
  annualDemand: 5000,
  orderingCostCents: 4900,
  holdingCostPercent: 20,
  baseUnitCostCents: 500,
  priceBreaks: [
    { minQuantity: 1000, unitCostCents: 480 },
    { minQuantity: 2000, unitCostCents: 475 },
  ],
  atLeast: 0,
  orderable: unitsOnly,
};

/**
 * Stevenson, Operations Management, the Surge Electric toggle-switch example: D = 4,000 a year,
 * S = $30 an order, carrying cost 40 % of the price a year; 90 ¢ from 1 to 499, 85 ¢ from 500 to
 * 999, 80 ¢ from 1,000 on.
 */
const surge: EoqInput = {
  annualDemand: 4000,
  orderingCostCents: 3000,
  holdingCostPercent: 40,
  baseUnitCostCents: 90,
  priceBreaks: [
    { minQuantity: 500, unitCostCents: 85 },
    { minQuantity: 1000, unitCostCents: 80 },
  ],
  atLeast: 0,
  orderable: unitsOnly,
};

describe('economicOrderQuantity', () => {
  it('is √(2DS/H): D = 1,000 a year, S = $10, H = $0.50 a unit a year gives 200', () => {
    expect(economicOrderQuantity(1000, 1000, 50)).toBe(200);
  });

  it('is 0 without demand or without an ordering cost', () => {
    expect(economicOrderQuantity(0, 1000, 50)).toBe(0);
    expect(economicOrderQuantity(1000, 0, 50)).toBe(0);
  });
});

describe('chooseOrderQuantity', () => {
  it('without breaks picks the EOQ, where ordering and holding cost the same', () => {
    // D = 1,000, S = $10, a $2.50 unit held at 20 % = $0.50: Q* = 200; 1,000 × $2.50 + 5 orders × $10 + 100 × $0.50 = $2,600.
    const choice = chooseOrderQuantity({ ...beehner, annualDemand: 1000, orderingCostCents: 1000, baseUnitCostCents: 250, priceBreaks: [] });
    expect(choice).toMatchObject({ quantity: 200, unitCostCents: 250, totalCents: 260_000 });
    expect(choice.options).toEqual([
      expect.objectContaining({ minQuantity: 1, maxQuantity: null, eoq: 200, feasible: true, purchaseCents: 250_000, orderingCents: 5_000, holdingCents: 5_000 }),
    ]);
  });

  it("Heizer & Render's Chris Beehner Company: 1,000 at $4.80 for $24,725 a year", () => {
    const choice = chooseOrderQuantity(beehner);
    // EOQs: √(490,000 / 1.00) = 700 (feasible), √(490,000 / 0.96) = 714.4 → 1,000, √(490,000 / 0.95) = 718.2 → 2,000.
    // TC(700) = 25,000 + 350 + 350 = $25,700; TC(1,000) = 24,000 + 245 + 480 = $24,725; TC(2,000) = 23,750 + 122.50 + 950 = $24,822.50.
    expect(choice.options.map((option) => [option.minQuantity, option.maxQuantity, option.feasible, option.quantity, option.unitCostCents])).toEqual([
      [1, 999, true, 700, 500],
      [1000, 1999, false, 1000, 480],
      [2000, null, false, 2000, 475],
    ]);
    expect(choice.options.map((option) => option.eoq)).toEqual([700, expect.closeTo(714.43, 2), expect.closeTo(718.18, 2)]);
    expect(choice.options.map((option) => [option.purchaseCents, option.orderingCents, option.holdingCents, option.totalCents])).toEqual([
      [2_500_000, 35_000, 35_000, 2_570_000],
      [2_400_000, 24_500, 48_000, 2_472_500],
      [2_375_000, 12_250, 95_000, 2_482_250],
    ]);
    expect(choice).toMatchObject({ quantity: 1000, unitCostCents: 480, totalCents: 2_472_500 });
  });

  it("Stevenson's Surge Electric: 1,000 at 80 ¢ for $3,480 a year, over the feasible EOQ of 840 at 85 ¢", () => {
    const choice = chooseOrderQuantity(surge);
    // EOQs: √(240,000 / 0.36) = 816.5, above 499 → 499 (infeasible); √(240,000 / 0.34) = 840.2 → 840 (feasible);
    // √(240,000 / 0.32) = 866 → 1,000. TC(499) = 3,600 + 240.48 + 89.82 = $3,930.30;
    // TC(840) = 3,400 + 142.86 + 142.80 = $3,685.66; TC(1,000) = 3,200 + 120 + 160 = $3,480.
    expect(choice.options.map((option) => [option.feasible, option.quantity, option.totalCents])).toEqual([
      [false, 499, 393_030],
      [true, 840, 368_566],
      [false, 1000, 348_000],
    ]);
    expect(choice).toMatchObject({ quantity: 1000, unitCostCents: 80, totalCents: 348_000 });
  });

  it('takes the cheapest tier at its own EOQ when that is feasible', () => {
    // Beehner's prices with D = 50,000: √(2 × 50,000 × 49 / 0.95) = 2,271.1 lies in the $4.75 tier.
    // TC(2,271) = 237,500 + 1,078.82 + 1,078.73 = $239,657.54.
    const choice = chooseOrderQuantity({ ...beehner, annualDemand: 50_000 });
    expect(choice.options.map((option) => [option.feasible, option.quantity])).toEqual([
      [false, 999],
      [false, 1999],
      [true, 2271],
    ]);
    expect(choice).toMatchObject({ quantity: 2271, unitCostCents: 475, totalCents: 23_965_754 });
  });

  it('keeps the base price when the discount does not pay for holding more', () => {
    // Beehner's prices with D = 1,000: √(98,000) = 313.05 at $5.00. TC(313) = 5,000 + 156.55 + 156.50 = $5,313.05;
    // TC(1,000) = 4,800 + 49 + 480 = $5,329; TC(2,000) = 4,750 + 24.50 + 950 = $5,724.50.
    const choice = chooseOrderQuantity({ ...beehner, annualDemand: 1000 });
    expect(choice.options.map((option) => option.totalCents)).toEqual([531_305, 532_900, 572_450]);
    expect(choice).toMatchObject({ quantity: 313, unitCostCents: 500 });
  });

  it('rounds every candidate up to whole packs, pricing it at the tier it reaches', () => {
    // Surge Electric in packs of 48: 499 → 528 (now 85 ¢), 840 → 864, 1,000 → 1,008.
    // TC(1,008) = 3,200 + 119.05 + 161.28 = $3,480.33.
    const choice = chooseOrderQuantity({ ...surge, orderable: (units) => roundToPackAndMoq(units, 48, 1) });
    expect(choice.options.map((option) => [option.tierUnitCostCents, option.quantity, option.unitCostCents])).toEqual([
      [90, 528, 85],
      [85, 864, 85],
      [80, 1008, 80],
    ]);
    expect(choice).toMatchObject({ quantity: 1008, unitCostCents: 80, totalCents: 348_033 });
  });

  it('lets an MOQ tip the choice to a break', () => {
    // Beehner's prices with D = 1,000 (313 at $5.00 wins unconstrained). MOQ 400: TC(400) = 5,000 + 122.50 + 200 = $5,322.50,
    // still under TC(1,000) = $5,329. MOQ 600: TC(600) = 5,000 + 81.67 + 300 = $5,381.67, so 1,000 at $4.80 wins.
    const withMoq = (moq: number) => chooseOrderQuantity({ ...beehner, annualDemand: 1000, orderable: (units) => roundToPackAndMoq(units, 1, moq) });
    expect(withMoq(400)).toMatchObject({ quantity: 400, unitCostCents: 500, totalCents: 532_250 });
    expect(withMoq(600)).toMatchObject({ quantity: 1000, unitCostCents: 480, totalCents: 532_900 });
  });

  it('orders at least what is needed', () => {
    // Beehner with 1,200 needed: 700 and 1,000 become 1,200 at $4.80: 24,000 + 204.17 + 576 = $24,780.17, under TC(2,000).
    const choice = chooseOrderQuantity({ ...beehner, atLeast: 1200 });
    expect(choice.options.map((option) => option.quantity)).toEqual([1200, 1200, 2000]);
    expect(choice).toMatchObject({ quantity: 1200, unitCostCents: 480, totalCents: 2_478_017 });
  });

  it('without demand buys the least it may: holding is the only cost', () => {
    // D = 0: every EOQ is 0, so each tier costs its first quantity; one unit held half a year at $1.00 a year = 50 ¢.
    const choice = chooseOrderQuantity({ ...beehner, annualDemand: 0 });
    expect(choice.options.map((option) => [option.eoq, option.quantity, option.totalCents])).toEqual([
      [0, 1, 50],
      [0, 1000, 48_000],
      [0, 2000, 95_000],
    ]);
    expect(choice).toMatchObject({ quantity: 1, unitCostCents: 500, totalCents: 50 });
    expect(chooseOrderQuantity({ ...beehner, annualDemand: 0, atLeast: 7 }).quantity).toBe(7);
  });

  it('costs a free tier at its first quantity (nothing to hold, no finite EOQ)', () => {
    const choice = chooseOrderQuantity({ ...beehner, priceBreaks: [{ minQuantity: 5000, unitCostCents: 0 }] });
    expect(choice.options[1]).toMatchObject({ eoq: null, feasible: false, quantity: 5000, unitCostCents: 0 });
    // 5,000 a year free in one order a year: $49 against TC(700) = $25,700.
    expect(choice).toMatchObject({ quantity: 5000, totalCents: 4_900 });
  });
});

describe('priceBreaksProblem', () => {
  it('accepts breaks that start above one unit, increase in quantity and decrease in cost', () => {
    expect(priceBreaksProblem(500, beehner.priceBreaks)).toBeNull();
    expect(priceBreaksProblem(500, [])).toBeNull();
  });

  it.each([
    ['a break at one unit, overlapping the base price', [{ minQuantity: 1, unitCostCents: 400 }]],
    ['duplicate min quantities', [{ minQuantity: 100, unitCostCents: 450 }, { minQuantity: 100, unitCostCents: 400 }]],
    ['decreasing min quantities', [{ minQuantity: 200, unitCostCents: 450 }, { minQuantity: 100, unitCostCents: 400 }]],
    ['a break no cheaper than the base price', [{ minQuantity: 100, unitCostCents: 500 }]],
    ['a larger break that costs more', [{ minQuantity: 100, unitCostCents: 450 }, { minQuantity: 200, unitCostCents: 460 }]],
  ])('refuses %s', (_case, breaks) => {
    expect(priceBreaksProblem(500, breaks)).toEqual(expect.any(String));
  });
});

describe('unitCostAt', () => {
  it('is the price of the highest tier the quantity reaches', () => {
    expect([1, 999, 1000, 1999, 2000, 10_000].map((quantity) => unitCostAt(quantity, 500, beehner.priceBreaks))).toEqual([500, 500, 480, 480, 475, 475]);
  });
});

describe('planSku with carrying costs', () => {
  // Min–max 12/30 with 10 on hand: 20 needed. Beehner's price list with its carrying costs.
  const plan: SkuPlanInput = {
    sku: 'SKU-1',
    locationId: 'WH-A',
    settings: { method: 'min_max', serviceLevel: 0.95, reviewDays: 7, leadTimeDays: null, parLevel: null, minLevel: 12, maxLevel: 30, jit: false },
    dailyDemand: new Array(28).fill(0),
    stock: { onHand: 10, reserved: 0, incoming: 0, drafted: 0, backordered: 0 },
    supply: { supplierId: 'SUP-1', leadTimeDays: 5, packSize: 1, moq: 1, unitCostCents: 500, priceBreaks: beehner.priceBreaks },
    carryingCosts: { holdingCostPercent: 20, orderingCostCents: 4900 },
  };

  it("takes the annual demand from the forecast's mean day and orders the lot of least cost, at its break's price", () => {
    const forecast = { method: 'sba', dailyMeans: new Array(180).fill(5000 / 365), errorStdDev: 1 };
    const { quantity, unitCostCents, why } = planSku({ ...plan, forecast });
    expect(why.eoq).toMatchObject({ demandSource: 'forecast', holdingCostPercent: 20, orderingCostCents: 4900, quantity: 1000, unitCostCents: 480, totalCents: 2_472_500 });
    expect(why.eoq!.annualDemand).toBeCloseTo(5000, 6);
    expect(why.eoq!.options).toHaveLength(3);
    expect([quantity, unitCostCents, why.quantity, why.unitCostCents, why.lineValueCents]).toEqual([1000, 480, 1000, 480, 480_000]);
    expect(why.need).toBe(20);
  });

  it("without a forecast takes the demand window's average", () => {
    // 28 days of 20 = 7,300 a year: √(2 × 7,300 × 49 / 0.95) = 867.8 at $4.75 is infeasible, and the
    // $5.00 tier's √(7,154,000 / 100) = 845.8 is feasible: TC(846) = 36,500 + 422.81 + 423 = $37,345.81;
    // TC(1,000) = 35,040 + 357.70 + 480 = $35,877.70; TC(2,000) = 34,675 + 178.85 + 950 = $35,803.85.
    const { quantity, why } = planSku({ ...plan, dailyDemand: new Array(28).fill(20) });
    expect(why.eoq).toMatchObject({ demandSource: 'average', annualDemand: 7300 });
    expect(why.eoq!.options.map((option) => [option.quantity, option.totalCents])).toEqual([
      [846, 3_734_581],
      [1000, 3_587_770],
      [2000, 3_580_385],
    ]);
    expect(quantity).toBe(2000);
  });

  it('without demand buys only the need, in whole packs', () => {
    const { quantity, unitCostCents, why } = planSku({ ...plan, supply: { ...plan.supply, packSize: 6 } });
    expect(why.eoq).toMatchObject({ annualDemand: 0, quantity: 24 });
    expect([quantity, unitCostCents]).toEqual([24, 500]);
  });

  it('leaves the quantity to the method without both carrying costs, but prices it at its tier', () => {
    const bare = planSku({ ...plan, carryingCosts: null, dailyDemand: new Array(28).fill(20) });
    expect([bare.quantity, bare.unitCostCents, bare.why.eoq]).toEqual([20, 500, null]);
    const large = planSku({ ...plan, carryingCosts: null, settings: { ...plan.settings, maxLevel: 1500 } });
    expect([large.quantity, large.unitCostCents, large.why.lineValueCents]).toEqual([1490, 480, 715_200]);
  });

  it('weighs nothing when there is nothing to order, or for a just-in-time product', () => {
    expect(planSku({ ...plan, stock: { ...plan.stock, onHand: 40 } }).why.eoq).toBeNull();
    const jit = planSku({ ...plan, settings: { ...plan.settings, jit: true }, stock: { ...plan.stock, backordered: 13 } });
    expect([jit.quantity, jit.why.eoq]).toEqual([3, null]);
  });
});

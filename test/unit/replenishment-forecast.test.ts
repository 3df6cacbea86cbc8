import { planSku, type SkuPlanInput } from '../../domain/replenishment';

/** planSku with and without a stored forecast: the forecast replaces the window's average and variance. */
const input: SkuPlanInput = {
  sku: 'SKU-1',
  locationId: 'WH-A',
  settings: { method: 'service_level', serviceLevel: 0.95, reviewDays: 7, leadTimeDays: null, parLevel: null, minLevel: null, maxLevel: null, jit: false },
  // 28 days alternating 0 and 10: average 5, standard deviation about 5.09.
  dailyDemand: Array.from({ length: 28 }, (_, day) => (day % 2 === 0 ? 0 : 10)),
  stock: { onHand: 40, reserved: 0, incoming: 0, drafted: 0, backordered: 0 },
  supply: { supplierId: 'SUP-1', leadTimeDays: 4, packSize: 1, moq: 1, unitCostCents: 100 },
};

describe('replenishment from a forecast', () => {
  it('without a forecast plans from the average and variance of the window', () => {
    const { why } = planSku(input);
    expect(why).toMatchObject({ demandSource: 'average', forecast: null });
    expect(why.reorderPointUnits).toBeCloseTo(5 * 4 + 1.6449 * why.demand.stdDevDaily * 2, 3);
  });

  it('with a forecast: its units over the lead time plus z × its one-day error × √L, and its units over the review days on top', () => {
    const dailyMeans = [8, 8, 9, 9, 2, 2, 2, 2, 2, 2, 2, 2, 30, 30];
    const { why, quantity } = planSku({ ...input, stock: { ...input.stock, onHand: 30 }, forecast: { method: 'holt_winters', dailyMeans, errorStdDev: 1.5 } });
    expect(why).toMatchObject({ demandSource: 'forecast', forecast: { method: 'holt_winters', leadTimeDemand: 34, reviewDemand: 14, errorStdDev: 1.5 } });
    expect(why.safetyStockUnits).toBeCloseTo(1.6449 * 1.5 * 2, 3);
    expect(why.reorderPoint).toBe(Math.ceil(34 + 1.6449 * 3));
    expect(why.orderUpTo).toBe(Math.ceil(34 + 1.6449 * 3 + 14));
    expect(why.triggered).toBe(true);
    expect(quantity).toBe(why.orderUpTo - 30);
  });

  it('falls back to the average when the forecast does not reach past the lead time and review days', () => {
    const { why } = planSku({ ...input, forecast: { method: 'sba', dailyMeans: [1, 1, 1], errorStdDev: 0.2 } });
    expect(why.demandSource).toBe('average');
  });

  it('par and min–max ignore the forecast', () => {
    const { why } = planSku({ ...input, settings: { ...input.settings, method: 'par', parLevel: 50 }, forecast: { method: 'sba', dailyMeans: new Array(30).fill(1), errorStdDev: 0.2 } });
    expect(why).toMatchObject({ demandSource: 'average', forecast: null, reorderPoint: 49 });
  });
});

import {
  demandStats,
  groupIntoDrafts,
  planSku,
  reorderPoint,
  roundToPackAndMoq,
  safetyStock,
  type SkuPlanInput,
  type SkuSettings,
  zScore,
} from '../../domain/replenishment';

const statistical: SkuSettings = {
  method: 'service_level',
  serviceLevel: 0.95,
  reviewDays: 7,
  leadTimeDays: null,
  parLevel: null,
  minLevel: null,
  maxLevel: null,
  jit: false,
};

const input = (overrides: Partial<SkuPlanInput> = {}): SkuPlanInput => ({
  sku: 'SKU-1',
  locationId: 'wh-1',
  settings: statistical,
  dailyDemand: [4, 6, 4, 6],
  stock: { onHand: 20, reserved: 2, incoming: 0, drafted: 0, backordered: 0 },
  supply: { supplierId: 'sup-1', leadTimeDays: 4, packSize: 1, moq: 1, unitCostCents: 250 },
  ...overrides,
});

describe('zScore', () => {
  it.each([
    [0.5, 0],
    [0.8413447, 1],
    [0.9, 1.2815516],
    [0.95, 1.6448536],
    [0.975, 1.959964],
    [0.99, 2.3263479],
    [0.999, 3.0902323],
    [0.01, -2.3263479],
  ])('z(%p) = %p', (level, z) => {
    expect(zScore(level)).toBeCloseTo(z, 5);
  });

  it('refuses levels outside (0, 1)', () => {
    expect(() => zScore(1)).toThrow(RangeError);
    expect(() => zScore(0)).toThrow(RangeError);
    expect(() => zScore(Number.NaN)).toThrow(RangeError);
  });
});

describe('demand, safety stock and reorder point', () => {
  it('averages daily units and takes their sample standard deviation', () => {
    expect(demandStats([4, 6, 4, 6])).toEqual({ days: 4, totalUnits: 20, averageDaily: 5, stdDevDaily: Math.sqrt(4 / 3) });
    expect(demandStats([])).toEqual({ days: 0, totalUnits: 0, averageDaily: 0, stdDevDaily: 0 });
    expect(demandStats([7])).toEqual({ days: 1, totalUnits: 7, averageDaily: 7, stdDevDaily: 0 });
  });

  it('safety stock = z × σ × √L and reorder point = d̄ × L + safety stock', () => {
    // z(0.95) × 10 × √9 = 1.645 × 30
    expect(safetyStock(0.95, 10, 9)).toBeCloseTo(49.3456, 3);
    expect(safetyStock(0.5, 10, 9)).toBeCloseTo(0, 10);
    expect(reorderPoint(5, 4, 3.8)).toBeCloseTo(23.8, 10);
  });
});

describe('roundToPackAndMoq', () => {
  it('rounds up to whole packs and at least the MOQ', () => {
    expect(roundToPackAndMoq(0, 6, 12)).toBe(0);
    expect(roundToPackAndMoq(-3, 6, 12)).toBe(0);
    expect(roundToPackAndMoq(1, 6, 1)).toBe(6);
    expect(roundToPackAndMoq(13, 6, 1)).toBe(18);
    expect(roundToPackAndMoq(5, 6, 20)).toBe(24);
    expect(roundToPackAndMoq(25, 1, 10)).toBe(25);
  });
});

describe('planSku', () => {
  it('orders up to reorder point + review days of demand when the position falls to the reorder point', () => {
    const plan = planSku(input({ stock: { onHand: 20, reserved: 2, incoming: 4, drafted: 1, backordered: 3 } }));
    const sigma = Math.sqrt(4 / 3);
    const safety = 1.6448536 * sigma * 2; // √4 days
    expect(plan.why.demand.averageDaily).toBe(5);
    expect(plan.why.leadTimeDays).toBe(4);
    expect(plan.why.leadTimeFrom).toBe('supplier');
    expect(plan.why.zScore).toBeCloseTo(1.6448536, 6);
    expect(plan.why.safetyStockUnits).toBeCloseTo(safety, 5);
    expect(plan.why.safetyStock).toBe(4);
    expect(plan.why.reorderPointUnits).toBeCloseTo(20 + safety, 5);
    expect(plan.why.reorderPoint).toBe(24);
    expect(plan.why.orderUpTo).toBe(Math.ceil(20 + safety + 35));
    expect(plan.why.position).toBe(20); // 20 − 2 + 4 + 1 − 3
    expect(plan.why.triggered).toBe(true);
    expect(plan.quantity).toBe(plan.why.orderUpTo - 20);
    expect(plan.why.lineValueCents).toBe(plan.quantity * 250);
  });

  it('orders nothing while the position is above the reorder point', () => {
    const plan = planSku(input({ stock: { onHand: 40, reserved: 0, incoming: 0, drafted: 0, backordered: 0 } }));
    expect(plan.why.triggered).toBe(false);
    expect(plan.quantity).toBe(0);
  });

  it('takes the lead time from the settings over the supplier', () => {
    const plan = planSku(input({ settings: { ...statistical, leadTimeDays: 9 } }));
    expect(plan.why.leadTimeDays).toBe(9);
    expect(plan.why.leadTimeFrom).toBe('settings');
  });

  it('par: tops up to the par level whenever below it, in whole packs', () => {
    const settings: SkuSettings = { ...statistical, method: 'par', parLevel: 30 };
    const plan = planSku(input({ settings, supply: { supplierId: 'sup-1', leadTimeDays: 4, packSize: 6, moq: 1, unitCostCents: 100 } }));
    expect(plan.why.safetyStock).toBe(0);
    expect(plan.why.zScore).toBeNull();
    expect(plan.why.orderUpTo).toBe(30);
    expect(plan.why.need).toBe(12); // 30 − 18
    expect(plan.quantity).toBe(12);
    expect(planSku(input({ settings, stock: { onHand: 30, reserved: 0, incoming: 0, drafted: 0, backordered: 0 } })).quantity).toBe(0);
  });

  it('min–max: orders up to max at or below min, respecting the MOQ', () => {
    const settings: SkuSettings = { ...statistical, method: 'min_max', minLevel: 18, maxLevel: 25 };
    const plan = planSku(input({ settings, supply: { supplierId: 'sup-1', leadTimeDays: 4, packSize: 1, moq: 10, unitCostCents: 100 } }));
    expect(plan.why.reorderPoint).toBe(18);
    expect(plan.why.need).toBe(7);
    expect(plan.quantity).toBe(10);
    expect(planSku(input({ settings, stock: { onHand: 19, reserved: 0, incoming: 0, drafted: 0, backordered: 0 } })).quantity).toBe(0);
  });

  it('jit: keeps no safety stock and buys exactly what backorders lack', () => {
    const settings: SkuSettings = { ...statistical, jit: true };
    const idle = planSku(input({ settings, stock: { onHand: 0, reserved: 0, incoming: 0, drafted: 0, backordered: 0 } }));
    expect(idle.why.safetyStock).toBe(0);
    expect(idle.quantity).toBe(0);
    const backordered = planSku(input({ settings, stock: { onHand: 1, reserved: 1, incoming: 2, drafted: 0, backordered: 5 } }));
    expect(backordered.why.position).toBe(-3);
    expect(backordered.quantity).toBe(3);
  });
});

describe('groupIntoDrafts', () => {
  const plan = (sku: string, supplierId: string, locationId: string, backordered: number) =>
    planSku(input({
      sku,
      locationId,
      settings: { ...statistical, jit: true },
      stock: { onHand: 0, reserved: 0, incoming: 0, drafted: 0, backordered },
      supply: { supplierId, leadTimeDays: 3, packSize: 1, moq: 1, unitCostCents: 100 },
    }));

  it('makes one draft per supplier and location, skipping SKUs with nothing to order', () => {
    const drafts = groupIntoDrafts(
      [plan('B', 'sup-1', 'wh-1', 2), plan('A', 'sup-1', 'wh-1', 1), plan('C', 'sup-2', 'wh-1', 4), plan('D', 'sup-1', 'wh-2', 1), plan('E', 'sup-1', 'wh-1', 0)],
      () => ({ mode: 'suggest', autoLimitCents: 0 }),
      () => 0,
    );
    expect(drafts.map((draft) => [draft.supplierId, draft.locationId, draft.lines.map((line) => line.sku), draft.totalCents])).toEqual([
      ['sup-1', 'wh-1', ['A', 'B'], 300],
      ['sup-1', 'wh-2', ['D'], 100],
      ['sup-2', 'wh-1', ['C'], 400],
    ]);
    expect(drafts.every((draft) => draft.submit === 'approval')).toBe(true);
  });

  it('submits automatically only under an auto policy and within its value limit', () => {
    const policies = { 'wh-1': { mode: 'auto' as const, autoLimitCents: 300 }, 'wh-2': { mode: 'suggest' as const, autoLimitCents: 1_000 } };
    const drafts = groupIntoDrafts([plan('A', 'sup-1', 'wh-1', 3), plan('C', 'sup-2', 'wh-1', 4), plan('D', 'sup-1', 'wh-2', 1)], (id) => policies[id as 'wh-1'], () => 0);
    expect(drafts.map((draft) => [draft.supplierId, draft.locationId, draft.submit])).toEqual([['sup-1', 'wh-1', 'auto'], ['sup-1', 'wh-2', 'approval'], ['sup-2', 'wh-1', 'approval']]);
    expect(drafts[2].why).toEqual({ policy: 'auto', autoLimitCents: 300, minimumOrderCents: 0, totalCents: 400, rule: expect.any(String), held: null });
  });

  it("holds an auto-submittable draft below its supplier's minimum order value for approval, and says why", () => {
    const auto = () => ({ mode: 'auto' as const, autoLimitCents: 1_000 });
    const minimums: Record<string, number> = { 'sup-1': 301, 'sup-2': 400 };
    const drafts = groupIntoDrafts([plan('A', 'sup-1', 'wh-1', 3), plan('C', 'sup-2', 'wh-1', 4)], auto, (id) => minimums[id]);
    expect(drafts.map((draft) => [draft.supplierId, draft.totalCents, draft.submit, draft.why.held])).toEqual([
      ['sup-1', 300, 'approval', 'below_minimum_order_value'],
      ['sup-2', 400, 'auto', null],
    ]);
    expect(drafts[0].why).toMatchObject({ policy: 'auto', autoLimitCents: 1_000, minimumOrderCents: 301, totalCents: 300 });
    // Held only where the policy alone would have submitted: a suggest-only location's draft waits anyway.
    const suggested = groupIntoDrafts([plan('A', 'sup-1', 'wh-1', 3)], () => ({ mode: 'suggest', autoLimitCents: 1_000 }), (id) => minimums[id]);
    expect([suggested[0].submit, suggested[0].why.held]).toEqual(['approval', null]);
  });
});

import { daysOnHand, gmroi, grossMargin, inventoryTurnover, percentOf, sellThrough, unitAccuracy } from '../../domain/kpis';

describe('percentOf', () => {
  it('is part / whole in percent with two decimals, and null with nothing to divide by', () => {
    expect(percentOf(1, 3)).toBe(33.33);
    expect(percentOf(2, 3)).toBe(66.67);
    expect(percentOf(5, 5)).toBe(100);
    expect(percentOf(0, 7)).toBe(0);
    expect(percentOf(3, 0)).toBeNull();
  });
});

describe('grossMargin', () => {
  it('is revenue less COGS, and that over revenue in percent', () => {
    expect(grossMargin(10_000, 6_000)).toEqual({ marginCents: 4_000, marginPercent: 40 });
    expect(grossMargin(1_000, 1_500)).toEqual({ marginCents: -500, marginPercent: -50 });
    expect(grossMargin(0, 0)).toEqual({ marginCents: 0, marginPercent: null });
  });
});

describe('stock KPIs', () => {
  it('turnover is COGS over average inventory value, days on hand its inverse times the days', () => {
    expect(inventoryTurnover(3_000, 8_000)).toBe(0.38);
    expect(daysOnHand(8_000, 3_000, 7)).toBe(18.7);
    expect(inventoryTurnover(3_000, 0)).toBeNull();
    expect(daysOnHand(8_000, 0, 7)).toBeNull();
  });

  it('sell-through is units sold over units available (opening + received); GMROI is margin over average inventory', () => {
    expect(sellThrough(30, 100, 0)).toBe(30);
    expect(sellThrough(10, 70, 50)).toBe(8.33);
    expect(sellThrough(0, 0, 0)).toBeNull();
    expect(gmroi(12_000, 8_000)).toBe(1.5);
    expect(gmroi(12_000, 0)).toBeNull();
  });

  it('unit accuracy of counts is one less the share of units off, never below 0', () => {
    expect(unitAccuracy(224, 2)).toBe(99.11);
    expect(unitAccuracy(10, 30)).toBe(0);
    expect(unitAccuracy(0, 0)).toBeNull();
  });
});

import {
  type ConsumptionRow,
  type LayerRow,
  type OpenLayer,
  planConsumption,
  valuationAsOf,
  valuationTotal,
} from '../../domain/fifo';

const day = (n: number) => new Date(Date.UTC(2024, 0, n));
const open = (id: number, remaining: number, unitCostCents: number, receivedDay: number, ownerId: string | null = null): OpenLayer => ({
  id,
  remaining,
  unitCostCents,
  ownerId,
  receivedAt: day(receivedDay),
});

describe('planConsumption', () => {
  it('takes the oldest layer first, then the next, partially', () => {
    const layers = [open(2, 5, 700, 3), open(1, 4, 500, 1), open(3, 10, 900, 5)];
    expect(planConsumption(layers, 7, 'last')).toEqual({
      takes: [
        { layerId: 1, quantity: 4, unitCostCents: 500, ownerId: null },
        { layerId: 2, quantity: 3, unitCostCents: 700, ownerId: null },
      ],
      costCents: 4 * 500 + 3 * 700,
      shortfall: 0,
    });
  });

  it('takes a part of a single layer and leaves the rest', () => {
    expect(planConsumption([open(1, 10, 250, 1)], 3, 'last')).toEqual({
      takes: [{ layerId: 1, quantity: 3, unitCostCents: 250, ownerId: null }],
      costCents: 750,
      shortfall: 0,
    });
  });

  it('breaks a tie on the receipt time by layer id and skips empty layers', () => {
    const layers = [open(9, 2, 100, 1), open(4, 0, 999, 1), open(5, 2, 200, 1)];
    expect(planConsumption(layers, 3, 'last').takes.map((t) => [t.layerId, t.quantity])).toEqual([
      [5, 2],
      [9, 1],
    ]);
  });

  it('reports the units the layers cannot cover', () => {
    const plan = planConsumption([open(1, 2, 100, 1)], 5, 'last');
    expect(plan.shortfall).toBe(3);
    expect(plan.costCents).toBe(200);
  });

  it('sells consigned units first under the "first" rule, even when our own are older', () => {
    const layers = [open(1, 3, 500, 1), open(2, 3, 800, 2, 'acme'), open(3, 3, 600, 3, 'acme')];
    expect(planConsumption(layers, 4, 'first').takes).toEqual([
      { layerId: 2, quantity: 3, unitCostCents: 800, ownerId: 'acme' },
      { layerId: 3, quantity: 1, unitCostCents: 600, ownerId: 'acme' },
    ]);
  });

  it('sells consigned units only after our own under the "last" rule, even when they are older', () => {
    const layers = [open(1, 3, 800, 1, 'acme'), open(2, 2, 500, 2)];
    expect(planConsumption(layers, 4, 'last').takes).toEqual([
      { layerId: 2, quantity: 2, unitCostCents: 500, ownerId: null },
      { layerId: 1, quantity: 2, unitCostCents: 800, ownerId: 'acme' },
    ]);
  });

  it('refuses a negative or fractional quantity', () => {
    expect(() => planConsumption([], -1, 'last')).toThrow(RangeError);
    expect(() => planConsumption([], 1.5, 'last')).toThrow(RangeError);
  });
});

describe('valuationAsOf', () => {
  const layer = (id: number, sku: string, quantity: number, unitCostCents: number, receivedDay: number, ownerId: string | null = null): LayerRow => ({
    id,
    sku,
    locationId: 'WH1',
    quantity,
    unitCostCents,
    ownerId,
    receivedAt: day(receivedDay),
  });
  const consumed = (layerId: number, quantity: number, consumedDay: number): ConsumptionRow => ({ layerId, quantity, consumedAt: day(consumedDay) });

  const layers = [layer(1, 'MUG', 10, 500, 1), layer(2, 'MUG', 10, 700, 5), layer(3, 'MUG', 4, 900, 6, 'acme'), layer(4, 'TEA', 2, 300, 2)];
  const consumptions = [consumed(1, 6, 3), consumed(1, 4, 7), consumed(2, 2, 7), consumed(3, 1, 8), consumed(4, 2, 4)];

  it('counts only layers received and consumptions made by the date', () => {
    expect(valuationAsOf(layers, consumptions, day(3))).toEqual([
      { sku: 'MUG', locationId: 'WH1', units: 4, valueCents: 2000, consignedUnits: 0 },
      { sku: 'TEA', locationId: 'WH1', units: 2, valueCents: 600, consignedUnits: 0 },
    ]);
  });

  it('values our own units at their layer cost and consigned ones at zero', () => {
    expect(valuationAsOf(layers, consumptions, day(6))).toEqual([
      { sku: 'MUG', locationId: 'WH1', units: 14, valueCents: 4 * 500 + 10 * 700, consignedUnits: 4 },
    ]);
  });

  it('includes what happened exactly at the date', () => {
    expect(valuationAsOf(layers, consumptions, day(8))).toEqual([
      { sku: 'MUG', locationId: 'WH1', units: 8, valueCents: 8 * 700, consignedUnits: 3 },
    ]);
  });

  it('is empty before anything was received', () => {
    expect(valuationAsOf(layers, consumptions, day(0))).toEqual([]);
  });

  it('totals the lines', () => {
    expect(valuationTotal(valuationAsOf(layers, consumptions, day(5)))).toEqual({ units: 14, valueCents: 4 * 500 + 10 * 700, consignedUnits: 0 });
  });
});

import { allocate } from '../../domain/allocation';
import { findCycle, kitAvailable, KitRecipes, stockDemand, stockedComponents } from '../../domain/kits';

const recipes: KitRecipes = {
  // A desk set: a mug, two pens, and a refill pack (itself a kit of three refills).
  DESK: [
    { sku: 'MUG', quantity: 1 },
    { sku: 'PEN', quantity: 2 },
    { sku: 'REFILLS', quantity: 1 },
  ],
  REFILLS: [{ sku: 'REFILL', quantity: 3 }],
  WRITER: [
    { sku: 'PEN', quantity: 1 },
    { sku: 'REFILLS', quantity: 2 },
  ],
};

describe('stockedComponents', () => {
  it('multiplies nested kits out to stocked skus, merged and in sku order', () => {
    expect(stockedComponents('DESK', recipes)).toEqual([
      { sku: 'MUG', quantity: 1 },
      { sku: 'PEN', quantity: 2 },
      { sku: 'REFILL', quantity: 3 },
    ]);
    expect(stockedComponents('WRITER', recipes)).toEqual([
      { sku: 'PEN', quantity: 1 },
      { sku: 'REFILL', quantity: 6 },
    ]);
  });

  it('is the sku itself for a product that is not a kit', () => {
    expect(stockedComponents('MUG', recipes)).toEqual([{ sku: 'MUG', quantity: 1 }]);
  });
});

describe('stockDemand', () => {
  it('adds up a kit on two lines, two kits sharing a component, and a component ordered on its own', () => {
    const demand = stockDemand(
      [
        { sku: 'DESK', quantity: 2 },
        { sku: 'DESK', quantity: 1 },
        { sku: 'WRITER', quantity: 1 },
        { sku: 'PEN', quantity: 4 },
      ],
      recipes,
    );
    // PEN: 3 desks x 2 + 1 writer x 1 + 4 on their own; REFILL: 3 desks x 3 + 1 writer x 6.
    expect(demand).toEqual({ MUG: 3, PEN: 11, REFILL: 15 });
  });
});

describe('kitAvailable', () => {
  it('is the minimum over components of floor(available / quantity per kit)', () => {
    const desk = stockedComponents('DESK', recipes);
    expect(kitAvailable(desk, { MUG: 10, PEN: 7, REFILL: 30 })).toBe(3);
    expect(kitAvailable(desk, { MUG: 1, PEN: 7, REFILL: 30 })).toBe(1);
    expect(kitAvailable(desk, { MUG: 10, PEN: 7, REFILL: 8 })).toBe(2);
  });

  it('is 0 when a component is missing or oversold, never negative', () => {
    const desk = stockedComponents('DESK', recipes);
    expect(kitAvailable(desk, { MUG: 10, PEN: 7 })).toBe(0);
    expect(kitAvailable(desk, { MUG: 10, PEN: -2, REFILL: 30 })).toBe(0);
    expect(kitAvailable([], { MUG: 10 })).toBe(0);
  });
});

describe('findCycle', () => {
  it('refuses a kit containing itself directly', () => {
    expect(findCycle('DESK', [{ sku: 'DESK', quantity: 1 }], recipes)).toEqual(['DESK', 'DESK']);
  });

  it('refuses a kit containing itself through other kits', () => {
    // REFILLS would contain WRITER, which contains REFILLS.
    expect(findCycle('REFILLS', [{ sku: 'WRITER', quantity: 1 }], recipes)).toEqual(['REFILLS', 'WRITER', 'REFILLS']);
    const deeper: KitRecipes = { A: [{ sku: 'B', quantity: 1 }], B: [{ sku: 'C', quantity: 1 }] };
    expect(findCycle('C', [{ sku: 'A', quantity: 2 }], deeper)).toEqual(['C', 'A', 'B', 'C']);
  });

  it('accepts nesting without a cycle, and a component shared by several kits', () => {
    expect(findCycle('BOX', [{ sku: 'DESK', quantity: 1 }, { sku: 'WRITER', quantity: 1 }], recipes)).toBeNull();
    // DESK's stored recipe is replaced by the proposed one, which no longer nests anything.
    expect(findCycle('DESK', [{ sku: 'MUG', quantity: 2 }], recipes)).toBeNull();
  });
});

describe('allocate with kits', () => {
  const stock = (locationId: string, priority: number, available: Record<string, number>) => ({ locationId, priority, available });

  it('plans kit lines against their components, with a shared component counted once across lines', () => {
    // 1 desk (PEN x2) + 1 writer (PEN x1) + 1 pen = 4 pens; east has 3, west has 4.
    const lines = [
      { lineNo: 1, sku: 'DESK', quantity: 1 },
      { lineNo: 2, sku: 'WRITER', quantity: 1 },
      { lineNo: 3, sku: 'PEN', quantity: 1 },
    ];
    const plan = allocate(
      lines,
      [stock('east', 1, { MUG: 5, PEN: 3, REFILL: 20 }), stock('west', 2, { MUG: 5, PEN: 4, REFILL: 20 })],
      false,
      recipes,
    );
    expect(plan).toEqual({ allocations: [{ locationId: 'west', lines }], shortfall: [] });
  });

  it('splits in whole kits, each from one warehouse, and never promises more than the components allow', () => {
    // East makes 1 writer (6 refills), west makes 1 more; a third has no refills anywhere.
    const plan = allocate(
      [{ lineNo: 1, sku: 'WRITER', quantity: 3 }],
      [stock('east', 1, { PEN: 5, REFILL: 8 }), stock('west', 2, { PEN: 5, REFILL: 7 })],
      true,
      recipes,
    );
    expect(plan.allocations).toEqual([
      { locationId: 'east', lines: [{ lineNo: 1, sku: 'WRITER', quantity: 1 }] },
      { locationId: 'west', lines: [{ lineNo: 1, sku: 'WRITER', quantity: 1 }] },
    ]);
    expect(plan.shortfall).toEqual([{ lineNo: 1, sku: 'WRITER', quantity: 1 }]);
  });

  it('all or nothing: a component line that the kits used up leaves the order unallocated', () => {
    const plan = allocate(
      [
        { lineNo: 1, sku: 'DESK', quantity: 2 },
        { lineNo: 2, sku: 'PEN', quantity: 1 },
      ],
      [stock('east', 1, { MUG: 2, PEN: 4, REFILL: 6 })],
      false,
      recipes,
    );
    expect(plan.allocations).toEqual([]);
  });
});

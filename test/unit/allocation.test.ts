import { allocate, StockAtLocation } from '../../domain/allocation';
import type { LineQuantity } from '../../domain/types';

const line = (lineNo: number, sku: string, quantity: number): LineQuantity => ({ lineNo, sku, quantity });
const warehouse = (locationId: string, priority: number, available: Record<string, number>): StockAtLocation => ({
  locationId,
  priority,
  available,
});

describe('allocate', () => {
  describe('a single warehouse that can fill every line', () => {
    it('ships everything from it even when a more preferred one could fill part', () => {
      const lines = [line(1, 'A', 2), line(2, 'B', 1)];
      const plan = allocate(lines, [warehouse('east', 1, { A: 5 }), warehouse('west', 2, { A: 2, B: 1 })], false);
      expect(plan).toEqual({ allocations: [{ locationId: 'west', lines }], shortfall: [] });
    });

    it('takes the lowest priority number among those that can', () => {
      const lines = [line(1, 'A', 3)];
      const plan = allocate(
        lines,
        [warehouse('slow', 9, { A: 10 }), warehouse('fast', 1, { A: 3 }), warehouse('mid', 5, { A: 10 })],
        false,
      );
      expect(plan.allocations).toEqual([{ locationId: 'fast', lines }]);
    });

    it('breaks a priority tie by location id', () => {
      const lines = [line(1, 'A', 1)];
      const plan = allocate(lines, [warehouse('wh-b', 1, { A: 1 }), warehouse('wh-a', 1, { A: 1 })], false);
      expect(plan.allocations.map((a) => a.locationId)).toEqual(['wh-a']);
    });

    it('returns copies of the lines, not the caller’s objects', () => {
      const lines = [line(1, 'A', 1)];
      const plan = allocate(lines, [warehouse('wh', 1, { A: 1 })], false);
      expect(plan.allocations[0].lines[0]).toEqual(lines[0]);
      expect(plan.allocations[0].lines[0]).not.toBe(lines[0]);
    });
  });

  describe('splitting when no warehouse can fill everything', () => {
    it('fills each line from warehouses in priority order', () => {
      const plan = allocate(
        [line(1, 'A', 5), line(2, 'B', 2)],
        [warehouse('third', 3, { A: 10 }), warehouse('first', 1, { A: 3, B: 1 }), warehouse('second', 2, { B: 1 })],
        false,
      );
      expect(plan).toEqual({
        allocations: [
          { locationId: 'first', lines: [line(1, 'A', 3), line(2, 'B', 1)] },
          { locationId: 'second', lines: [line(2, 'B', 1)] },
          { locationId: 'third', lines: [line(1, 'A', 2)] },
        ],
        shortfall: [],
      });
    });

    it('uses a tie-broken order when priorities are equal', () => {
      const plan = allocate(
        [line(1, 'A', 3)],
        [warehouse('wh-b', 1, { A: 2 }), warehouse('wh-a', 1, { A: 2 })],
        false,
      );
      expect(plan.allocations).toEqual([
        { locationId: 'wh-a', lines: [line(1, 'A', 2)] },
        { locationId: 'wh-b', lines: [line(1, 'A', 1)] },
      ]);
    });

    it('lets several SKUs draw on the same warehouse without overdrawing any SKU', () => {
      const plan = allocate(
        [line(1, 'A', 4), line(2, 'B', 4)],
        [warehouse('main', 1, { A: 4, B: 1 }), warehouse('spare', 2, { A: 1, B: 3 })],
        false,
      );
      expect(plan.allocations).toEqual([
        { locationId: 'main', lines: [line(1, 'A', 4), line(2, 'B', 1)] },
        { locationId: 'spare', lines: [line(2, 'B', 3)] },
      ]);
      expect(plan.shortfall).toEqual([]);
    });

    it('never allocates more of a SKU at a warehouse than it has available', () => {
      const stock = [warehouse('x', 1, { A: 2, B: 2 }), warehouse('y', 2, { A: 2, B: 1 })];
      const plan = allocate([line(1, 'A', 4), line(2, 'B', 3)], stock, false);
      for (const allocation of plan.allocations) {
        const available = stock.find((s) => s.locationId === allocation.locationId)!.available;
        for (const taken of allocation.lines) expect(taken.quantity).toBeLessThanOrEqual(available[taken.sku]);
      }
      const total = plan.allocations.flatMap((a) => a.lines).reduce((sum, l) => sum + l.quantity, 0);
      expect(total).toBe(7);
    });
  });

  describe('not enough stock', () => {
    const lines = [line(1, 'A', 5), line(2, 'B', 2)];
    const stock = [warehouse('first', 1, { A: 3, B: 2 }), warehouse('second', 2, { A: 1 })];

    it('all or nothing: allocates nothing and reports every full line as shortfall', () => {
      expect(allocate(lines, stock, false)).toEqual({ allocations: [], shortfall: lines });
    });

    it('partial: allocates what is there and reports only the missing units', () => {
      expect(allocate(lines, stock, true)).toEqual({
        allocations: [
          { locationId: 'first', lines: [line(1, 'A', 3), line(2, 'B', 2)] },
          { locationId: 'second', lines: [line(1, 'A', 1)] },
        ],
        shortfall: [line(1, 'A', 1)],
      });
    });

    it('treats a SKU absent from a warehouse and a zero count alike', () => {
      const plan = allocate([line(1, 'A', 1), line(2, 'B', 1)], [warehouse('wh', 1, { A: 0 })], true);
      expect(plan).toEqual({ allocations: [], shortfall: [line(1, 'A', 1), line(2, 'B', 1)] });
    });

    it('with no warehouses at all everything is shortfall', () => {
      expect(allocate([line(1, 'A', 2)], [], true)).toEqual({ allocations: [], shortfall: [line(1, 'A', 2)] });
    });

    it('partial with a fully covered line and an uncovered one allocates the covered line only', () => {
      const plan = allocate([line(1, 'A', 2), line(2, 'B', 3)], [warehouse('wh', 1, { A: 2 })], true);
      expect(plan).toEqual({
        allocations: [{ locationId: 'wh', lines: [line(1, 'A', 2)] }],
        shortfall: [line(2, 'B', 3)],
      });
    });
  });

  it('does not mutate its input', () => {
    const lines = [line(1, 'A', 5), line(2, 'B', 2)];
    const stock = [warehouse('second', 2, { A: 4 }), warehouse('first', 1, { A: 3, B: 2 })];
    const before = JSON.parse(JSON.stringify({ lines, stock }));
    allocate(lines, stock, true);
    allocate(lines, stock, false);
    allocate(lines.slice(1), stock, false);
    expect({ lines, stock }).toEqual(before);
  });
});

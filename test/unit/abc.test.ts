import { classifyAbc } from '../../domain/abc';
import { dueForCount, isDue } from '../../domain/count-schedule';

describe('classifyAbc', () => {
  it('puts the SKUs making 80% of the value in A, the next 15% in B and the rest in C', () => {
    const classes = classifyAbc([
      { sku: 'small-1', valueCents: 300 },
      { sku: 'big', valueCents: 7_000 },
      { sku: 'mid', valueCents: 1_500 },
      { sku: 'second', valueCents: 1_000 },
      { sku: 'small-2', valueCents: 200 },
    ]);
    // Shares before each: big 0% A, mid 70% A (it crosses 80%), second 85% B, small-1 95% C, small-2 98% C.
    expect(Object.fromEntries(classes)).toEqual({ big: 'A', mid: 'A', second: 'B', 'small-1': 'C', 'small-2': 'C' });
  });

  it('makes SKUs that shipped nothing C, and everything C when nothing shipped', () => {
    expect(Object.fromEntries(classifyAbc([{ sku: 'x', valueCents: 10 }, { sku: 'idle', valueCents: 0 }]))).toEqual({ x: 'A', idle: 'C' });
    expect(Object.fromEntries(classifyAbc([{ sku: 'a', valueCents: 0 }, { sku: 'b', valueCents: 0 }]))).toEqual({ a: 'C', b: 'C' });
  });

  it('breaks ties by SKU, so the same data always gives the same classes', () => {
    const values = [
      { sku: 'b', valueCents: 50 },
      { sku: 'a', valueCents: 50 },
    ];
    expect(Object.fromEntries(classifyAbc(values, { a: 50, b: 30, c: 20 }))).toEqual({ a: 'A', b: 'B' });
    expect(Object.fromEntries(classifyAbc([...values].reverse(), { a: 50, b: 30, c: 20 }))).toEqual({ a: 'A', b: 'B' });
  });

  it('takes other thresholds and refuses ones that do not add up to 100', () => {
    const values = [
      { sku: 'a', valueCents: 60 },
      { sku: 'b', valueCents: 30 },
      { sku: 'c', valueCents: 10 },
    ];
    expect(Object.fromEntries(classifyAbc(values, { a: 50, b: 45, c: 5 }))).toEqual({ a: 'A', b: 'B', c: 'B' });
    expect(() => classifyAbc(values, { a: 80, b: 15, c: 10 })).toThrow(/adding up to 100/);
  });
});

describe('count scheduling', () => {
  const now = new Date('2024-06-30T00:00:00Z');
  const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

  it('counts A monthly, B quarterly and C yearly', () => {
    expect(isDue({ sku: 'a', abc: 'A', lastCountAt: daysAgo(29), openTask: false }, now)).toBe(false);
    expect(isDue({ sku: 'a', abc: 'A', lastCountAt: daysAgo(30), openTask: false }, now)).toBe(true);
    expect(isDue({ sku: 'b', abc: 'B', lastCountAt: daysAgo(60), openTask: false }, now)).toBe(false);
    expect(isDue({ sku: 'b', abc: 'B', lastCountAt: daysAgo(91), openTask: false }, now)).toBe(true);
    expect(isDue({ sku: 'c', abc: 'C', lastCountAt: daysAgo(200), openTask: false }, now)).toBe(false);
    expect(isDue({ sku: 'c', abc: 'C', lastCountAt: daysAgo(365), openTask: false }, now)).toBe(true);
  });

  it('counts a SKU never counted at once, and never plans one with an open task again', () => {
    const due = dueForCount(
      [
        { sku: 'new', abc: 'C', lastCountAt: null, openTask: false },
        { sku: 'open', abc: 'A', lastCountAt: daysAgo(400), openTask: true },
        { sku: 'recent', abc: 'A', lastCountAt: daysAgo(1), openTask: false },
      ],
      now,
    );
    expect(due.map((candidate) => candidate.sku)).toEqual(['new']);
  });

  it('follows configured intervals', () => {
    expect(isDue({ sku: 'a', abc: 'A', lastCountAt: daysAgo(7), openTask: false }, now, { A: 7, B: 30, C: 90 })).toBe(true);
  });
});

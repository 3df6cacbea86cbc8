import { FigureCheck, ratioLine } from '../../bench/report';
import { summarize } from '../../bench/stats';

describe('bench impossible figures', () => {
  it('a delivery counter that counted orders twice: negative lost orders and more delivered than created', () => {
    const created = 1000;
    const delivered = 1007;
    const check = new FigureCheck().atMost('DELIVERED orders', delivered, 'orders created', created).mustBeZero('lost orders', created - delivered);
    expect(check.ok).toBe(false);
    expect(check.impossible).toEqual([
      'DELIVERED orders (1007) is more than orders created (1000)',
      'lost orders is -7: a count is a whole number >= 0',
    ]);
    // Impossible, not a failure of the engine: the measurement is what is broken.
    expect(check.failures).toEqual([]);
  });

  it('lost orders and oversold units are failures, not impossibilities', () => {
    const check = new FigureCheck().mustBeZero('lost orders', 3).mustBeZero('oversold units', 0);
    expect(check.impossible).toEqual([]);
    expect(check.failures).toEqual(['lost orders: 3 (must be 0)']);
    expect(check.ok).toBe(false);
  });

  it('counts are whole, finite and not negative', () => {
    expect(new FigureCheck().count('a', 0).count('b', 12).ok).toBe(true);
    for (const value of [-1, 1.5, NaN, Infinity]) expect(new FigureCheck().count('x', value).impossible).toHaveLength(1);
  });

  it('rates and sizes are finite and above zero', () => {
    expect(new FigureCheck().positive('rate', 12.5).ok).toBe(true);
    for (const value of [0, -3, NaN, Infinity]) expect(new FigureCheck().positive('rate', value).impossible).toHaveLength(1);
  });

  it('two ways of counting the same thing must agree', () => {
    expect(new FigureCheck().same('rows', 5, 'answers', 5).ok).toBe(true);
    expect(new FigureCheck().same('rows', 5, 'answers', 6).impossible).toEqual(['rows (5) differs from answers (6)']);
  });

  it('ratios must be finite, above zero and within what the work allows', () => {
    expect(new FigureCheck().ratio('r', 0.7, { max: 1.5 }).ok).toBe(true);
    expect(new FigureCheck().ratio('r', 1.6, { max: 1.5 }).impossible[0]).toMatch(/outside the plausible range \[0, 1.5\]/);
    expect(new FigureCheck().ratio('r', 0.3, { min: 0.5 }).impossible).toHaveLength(1);
    for (const value of [0, -1, NaN, Infinity]) expect(new FigureCheck().ratio('r', value, {}).impossible).toHaveLength(1);
  });

  it('latencies: the sample count, order of percentiles, and no sample longer than the run', () => {
    const good = summarize([10, 20, 30]);
    expect(new FigureCheck().latencies('l', good, 3, 1000).ok).toBe(true);
    expect(new FigureCheck().latencies('l', good, 4).impossible[0]).toMatch(/3 samples where 4 were taken/);
    expect(new FigureCheck().latencies('l', summarize([-5, 10]), 2).impossible[0]).toMatch(/not durations/);
    expect(new FigureCheck().latencies('l', { count: 2, min: 1, p50: 9, p99: 5, mean: 5, max: 9 }, 2).impossible[0]).toMatch(/out of order/);
    expect(new FigureCheck().latencies('l', summarize([10, 5000]), 2, 1000).impossible[0]).toMatch(/longer than the whole run/);
    expect(new FigureCheck().latencies('l', summarize([]), 0).ok).toBe(true);
  });
});

describe('bench ratio line', () => {
  it('is `ratio: <number>` with three significant digits and no exponent', () => {
    expect(ratioLine(0.59123)).toBe('ratio: 0.591');
    expect(ratioLine(0.0434567)).toBe('ratio: 0.0435');
    expect(ratioLine(1.5)).toBe('ratio: 1.5');
    expect(ratioLine(3.2876)).toBe('ratio: 3.29');
    expect(ratioLine(1234.5)).toBe('ratio: 1235');
    expect(ratioLine(0.0000012)).toMatch(/^ratio: 0\.0000012$/);
  });
});

import { inBatches, percentile, ratePerSecond, summarize, timedCalls } from '../../bench/stats';

describe('bench percentiles', () => {
  it('is the nearest rank: p50 of 1..100 is 50, p99 is 99, p100 is the max', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
  });

  it('of a small sample, p99 is the largest value', () => {
    expect(percentile([3, 1, 2], 99)).toBe(3);
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([7], 50)).toBe(7);
  });

  it('of nothing is NaN, never 0', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([]).p99).toBeNaN();
  });

  it('does not reorder the caller’s list', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it('summarizes count, min, p50, p99, mean and max', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ count: 4, min: 1, p50: 2, p99: 4, mean: 2.5, max: 4 });
  });

  it('summarizes large samples without spreading them into arguments', () => {
    const values = Array.from({ length: 200_000 }, (_, i) => i);
    expect(summarize(values).max).toBe(199_999);
  });
});

describe('bench rates', () => {
  it('is events per second', () => {
    expect(ratePerSecond(50, 2000)).toBe(25);
  });

  it('is NaN, not Infinity, when no time passed', () => {
    expect(ratePerSecond(50, 0)).toBeNaN();
    expect(ratePerSecond(50, -1)).toBeNaN();
  });
});

describe('bench lanes', () => {
  it('runs every item once with at most `limit` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await inBatches(Array.from({ length: 25 }, (_, i) => i), 4, async (item, index) => {
      expect(item).toBe(index);
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(index);
      inFlight -= 1;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(most).toBe(4);
  });

  it('times each call once', async () => {
    const { latencies, elapsedMs } = await timedCalls(10, 3, () => new Promise((resolve) => setTimeout(resolve, 2)));
    expect(latencies).toHaveLength(10);
    expect(Math.max(...latencies)).toBeLessThanOrEqual(elapsedMs);
  });
});

/** Nearest-rank percentile of a list of numbers (p in 0..100). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export interface Latencies {
  count: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** The figures a latency line prints; NaN throughout for an empty list. */
export function summarize(values: number[]): Latencies {
  if (values.length === 0) return { count: 0, p50: NaN, p99: NaN, mean: NaN, min: NaN, max: NaN };
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    mean: values.reduce((sum, value) => sum + value, 0) / values.length,
    min: values.reduce((min, value) => Math.min(min, value), Infinity),
    max: values.reduce((max, value) => Math.max(max, value), -Infinity),
  };
}

/** Events per second; NaN when no time passed (a figure that cannot be read, never Infinity). */
export function ratePerSecond(count: number, milliseconds: number): number {
  return milliseconds > 0 ? count / (milliseconds / 1000) : NaN;
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inBatches<T>(items: T[], limit: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index], index);
    }
  });
  await Promise.all(lanes);
}

/**
 * Calls `request` `count` times with `concurrency` in flight and returns each call's wall time in
 * milliseconds, in completion order. A call that throws stops the run.
 */
export async function timedCalls(count: number, concurrency: number, request: (index: number) => Promise<void>): Promise<{ latencies: number[]; elapsedMs: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  await inBatches(Array.from({ length: count }), concurrency, async (_, index) => {
    const start = performance.now();
    await request(index);
    latencies.push(performance.now() - start);
  });
  return { latencies, elapsedMs: performance.now() - started };
}

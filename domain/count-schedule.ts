import type { AbcClass } from './abc';

/**
 * Which SKUs a location should count now: each ABC class is counted every so many days (A monthly,
 * B quarterly, C yearly by default). Pure: the planner passes what it read and the time.
 */
export type CountIntervals = Record<AbcClass, number>;

export const DEFAULT_COUNT_INTERVALS_DAYS: CountIntervals = { A: 30, B: 91, C: 365 };

const DAY_MS = 86_400_000;

export interface CountCandidate {
  sku: string;
  abc: AbcClass;
  /** When its last count task at this location was created (planned or asked for); null: never. */
  lastCountAt: Date | null;
  /** A task for it is still open: it is not planned again. */
  openTask: boolean;
}

/** The candidates due for a count at `now`, in the order given. */
export function dueForCount(candidates: readonly CountCandidate[], now: Date, intervals: CountIntervals = DEFAULT_COUNT_INTERVALS_DAYS): CountCandidate[] {
  return candidates.filter((candidate) => isDue(candidate, now, intervals));
}

export function isDue(candidate: CountCandidate, now: Date, intervals: CountIntervals = DEFAULT_COUNT_INTERVALS_DAYS): boolean {
  if (candidate.openTask) return false;
  if (!candidate.lastCountAt) return true;
  return now.getTime() - candidate.lastCountAt.getTime() >= intervals[candidate.abc] * DAY_MS;
}

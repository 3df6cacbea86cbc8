import { ms } from '../report';
import { percentile } from '../stats';

/** The target: every report answers within this at p95. */
export const TARGET_P95_MS = 1_000;

/**
 * Shrinkage adjustments that bring the seeded ledger to `movements` rows. Every outbound movement
 * (a shipped order line or an adjustment) comes with the receipt of its units, and each stocked
 * (sku, location) ends with one receipt more (`finalReceipts`): movements = 2 x outbound +
 * finalReceipts. None when the orders' shipments alone take more.
 */
export function adjustmentsToReach(movements: number, shipments: number, finalReceipts: number): number {
  return Math.max(0, Math.floor((movements - finalReceipts) / 2) - shipments);
}

/** A report that has not answered by then is given up on: a MISS without figures. */
export const REPORT_TIMEOUT_MS = 60_000;
/** A slow report runs fewer times than asked, as many as fit in this, but at least MIN_RUNS. */
export const RUN_BUDGET_MS = 60_000;
export const MIN_RUNS = 3;

/** How many timed runs follow a warm-up that took `warmUpMs`: `runs`, unless fewer fit in the budget. */
export function runsWithin(runs: number, warmUpMs: number): number {
  return Math.min(runs, Math.max(MIN_RUNS, Math.floor(RUN_BUDGET_MS / Math.max(warmUpMs, 1))));
}

export interface ReportTiming {
  label: string;
  count: number;
  p50: number;
  p95: number;
  max: number;
  /** No answer within REPORT_TIMEOUT_MS: no figures. */
  timedOut: boolean;
  /** p95 within the target. */
  met: boolean;
}

/** The figures of one report's runs; none, and a miss, when it timed out. */
export function reportTiming(label: string, samplesMs: number[], timedOut = false, targetMs = TARGET_P95_MS): ReportTiming {
  const p95 = percentile(samplesMs, 95);
  return {
    label,
    count: samplesMs.length,
    p50: percentile(samplesMs, 50),
    p95,
    max: samplesMs.length ? samplesMs.reduce((max, value) => Math.max(max, value), -Infinity) : NaN,
    timedOut,
    met: !timedOut && p95 < targetMs,
  };
}

export function timingRow(timing: ReportTiming): [string, string] {
  if (timing.timedOut) return [timing.label, `no answer within ${REPORT_TIMEOUT_MS / 1000} s  MISS`];
  return [timing.label, `p50 ${ms(timing.p50)}, p95 ${ms(timing.p95)} (n=${timing.count}, max ${ms(timing.max)})  ${timing.met ? 'PASS' : 'MISS'}`];
}

/** The slowest report's p95 over the target; a timed-out report counts as the timeout, a lower bound. */
export function slowestRatio(timings: ReportTiming[], targetMs = TARGET_P95_MS): { ratio: number; label: string; lowerBound: boolean } {
  let slowest = { ms: -Infinity, label: '', lowerBound: false };
  for (const timing of timings) {
    const figure = timing.timedOut ? REPORT_TIMEOUT_MS : timing.p95;
    if (figure > slowest.ms) slowest = { ms: figure, label: timing.label, lowerBound: timing.timedOut };
  }
  return { ratio: slowest.ms / targetMs, label: slowest.label, lowerBound: slowest.lowerBound };
}

/** The live heap (after a full GC) once `rows` rows and `bytes` bytes of a stream have been read. */
export interface HeapCheckpoint {
  rows: number;
  bytes: number;
  heapBytes: number;
}

/** Allocator and code-cache noise between two full GCs, whatever was streamed. */
export const HEAP_SLACK_BYTES = 4 * 2 ** 20;
/** A stream that kept what it sent would keep at least every byte of it; this share is far below that. */
export const HEAP_SHARE_OF_BYTES = 0.05;

/**
 * Whether a stream's memory stayed flat: from its first checkpoint to its last, the live heap grew by
 * no more than the slack or 5 % of the bytes streamed in between, whichever is larger.
 */
export function heapVerdict(checkpoints: HeapCheckpoint[]): { growthBytes: number; allowedBytes: number; flat: boolean } {
  if (checkpoints.length < 2) return { growthBytes: NaN, allowedBytes: NaN, flat: false };
  const [first, last] = [checkpoints[0], checkpoints[checkpoints.length - 1]];
  const growthBytes = last.heapBytes - first.heapBytes;
  const allowedBytes = Math.max(HEAP_SLACK_BYTES, HEAP_SHARE_OF_BYTES * (last.bytes - first.bytes));
  return { growthBytes, allowedBytes, flat: growthBytes <= allowedBytes };
}

import { DEFAULTS, parseOptions } from '../../bench/options';
import {
  adjustmentsToReach, heapVerdict, HEAP_SLACK_BYTES, reportTiming, runsWithin, slowestRatio, timingRow,
} from '../../bench/scenarios/reports-figures';

const MiB = 2 ** 20;

describe('bench reports: options', () => {
  it("seeds the issue's 100,000 orders and 1,000,000 movements unless told otherwise", () => {
    expect(parseOptions(['--scenario', 'reports'])).toEqual({ scenario: 'reports', ...DEFAULTS.reports });
    expect(DEFAULTS.reports).toMatchObject({ orders: 100_000, movements: 1_000_000 });
  });

  it('scales down with --orders and --movements, or BENCH_MOVEMENTS', () => {
    expect(parseOptions(['--scenario=reports', '--orders', '10000', '--movements', '100000'])).toMatchObject({ orders: 10_000, movements: 100_000 });
    expect(parseOptions(['--scenario=reports'], { BENCH_MOVEMENTS: '5000' }).movements).toBe(5000);
    expect(() => parseOptions(['--scenario=reports', '--movements=-1'])).toThrow(/--movements must be a positive integer/);
  });
});

describe('bench reports: the seeded ledger', () => {
  it('tops the outbound movements up so that 2 x outbound + final receipts is the size asked for', () => {
    const shipments = 285_000;
    const finalReceipts = 7_000;
    const adjustments = adjustmentsToReach(1_000_000, shipments, finalReceipts);
    expect(adjustments).toBe(211_500);
    expect(2 * (shipments + adjustments) + finalReceipts).toBe(1_000_000);
  });

  it('adds none when the shipments alone need more rows than asked for', () => {
    expect(adjustmentsToReach(100_000, 60_000, 1_000)).toBe(0);
  });
});

describe('bench reports: timings', () => {
  it('takes p50 and p95 by nearest rank and passes only a p95 under the target', () => {
    const samples = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
    expect(reportTiming('abc', samples)).toEqual({ label: 'abc', count: 20, p50: 100, p95: 190, max: 200, timedOut: false, met: true });
    const slowTail = [...samples.slice(0, 18), 1000, 1200];
    expect(reportTiming('kpis', slowTail).p95).toBe(1000);
    expect(reportTiming('kpis', slowTail).met).toBe(false);
  });

  it('prints PASS or MISS beside the figures', () => {
    expect(timingRow(reportTiming('abc', [12, 14]))).toEqual(['abc', 'p50 12 ms, p95 14 ms (n=2, max 14 ms)  PASS']);
    expect(timingRow(reportTiming('kpis', [1500]))[1]).toMatch(/MISS$/);
  });

  it('a report that timed out is a miss without figures, and counts as the timeout in the ratio, a lower bound', () => {
    const timedOut = reportTiming('kpis, a year', [], true);
    expect(timedOut).toMatchObject({ count: 0, timedOut: true, met: false });
    expect(timingRow(timedOut)).toEqual(['kpis, a year', 'no answer within 60 s  MISS']);
    expect(slowestRatio([reportTiming('abc', [300, 400]), timedOut])).toEqual({ ratio: 60, label: 'kpis, a year', lowerBound: true });
    expect(slowestRatio([reportTiming('abc', [300, 400]), reportTiming('sales', [100, 1500])])).toEqual({ ratio: 1.5, label: 'sales', lowerBound: false });
  });

  it('runs a slow report only as often as fits in a minute, but at least three times', () => {
    expect(runsWithin(20, 150)).toBe(20);
    expect(runsWithin(20, 6_000)).toBe(10);
    expect(runsWithin(20, 40_000)).toBe(3);
    expect(runsWithin(2, 40_000)).toBe(2);
  });
});

describe('bench reports: streaming memory', () => {
  const point = (rows: number, heapMiB: number) => ({ rows, bytes: rows * 100, heapBytes: heapMiB * MiB });

  it('is flat when the live heap stays within the slack however many rows passed', () => {
    const verdict = heapVerdict([point(200_000, 40), point(1_000_000, 42), point(2_000_000, 45)]);
    expect(verdict).toMatchObject({ growthBytes: 5 * MiB, flat: true });
    // Past the slack, 5 % of the bytes in between: 1.8 million rows of 100 bytes.
    expect(verdict.allowedBytes).toBe(0.05 * 1_800_000 * 100);
  });

  it('grows when the stream keeps what it sent: the live heap rises with the bytes streamed', () => {
    // 20,000 rows of 100 bytes each kept between the checkpoints: 2 MB of CSV, held as about 6 MiB of strings and objects.
    const verdict = heapVerdict([point(10_000, 40), point(30_000, 46)]);
    expect(verdict.allowedBytes).toBe(HEAP_SLACK_BYTES);
    expect(verdict.flat).toBe(false);
    const large = heapVerdict([point(200_000, 40), point(1_000_000, 120)]);
    expect(large.flat).toBe(false);
  });

  it('cannot call a stream flat without two checkpoints', () => {
    expect(heapVerdict([point(10, 1)]).flat).toBe(false);
    expect(heapVerdict([]).growthBytes).toBeNaN();
  });
});

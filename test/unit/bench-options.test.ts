import { DEFAULTS, parseOptions } from '../../bench/options';

describe('bench options', () => {
  it('runs the lifecycle scenario by default, with its defaults', () => {
    expect(parseOptions([])).toEqual({ scenario: 'lifecycle', ...DEFAULTS.lifecycle });
  });

  it('takes the scenario and numbers from the command line', () => {
    expect(parseOptions(['--scenario', 'open', '--orders', '10000', '--reads', '200'])).toMatchObject({ scenario: 'open', orders: 10000, reads: 200, concurrency: DEFAULTS.open.concurrency });
    expect(parseOptions(['--scenario=api', '--concurrency=10'])).toMatchObject({ scenario: 'api', concurrency: 10 });
  });

  it('falls back to BENCH_* variables, the command line winning', () => {
    expect(parseOptions([], { BENCH_SCENARIO: 'hot-sku', BENCH_ORDERS: '500', BENCH_TIMEOUT_SECONDS: '60' })).toMatchObject({ scenario: 'hot-sku', orders: 500, timeoutSeconds: 60 });
    expect(parseOptions(['--orders', '7'], { BENCH_ORDERS: '500' }).orders).toBe(7);
  });

  it('refuses unknown scenarios, unknown options and numbers that are not positive integers', () => {
    expect(() => parseOptions(['--scenario', 'soak'])).toThrow(/--scenario must be one of lifecycle, hot-sku, api, open/);
    expect(() => parseOptions(['--order', '5'])).toThrow();
    for (const raw of ['0', '-3', '1.5', 'many']) expect(() => parseOptions([`--orders=${raw}`])).toThrow(/--orders must be a positive integer/);
  });
});

import { parseArgs } from 'node:util';

export const SCENARIOS = ['lifecycle', 'hot-sku', 'api', 'open', 'reports'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface BenchOptions {
  scenario: ScenarioName;
  /** Orders (lifecycle, open, and seeded by reports), reservations (hot-sku) or requests per route (api). */
  orders: number;
  /** Ledger rows seeded (reports). */
  movements: number;
  /** Lanes in flight: lanes of orders (lifecycle, open), callers (hot-sku), clients (api). */
  concurrency: number;
  timeoutSeconds: number;
  /** Reads per kind at each checkpoint (open); runs of each report (reports). */
  reads: number;
}

/** What each scenario runs when not told otherwise; `open` accepts --orders 10000 (its full run). */
export const DEFAULTS: Record<ScenarioName, Omit<BenchOptions, 'scenario'>> = {
  'lifecycle': { orders: 1000, movements: 1_000_000, concurrency: 100, timeoutSeconds: 3600, reads: 500 },
  'hot-sku': { orders: 3000, movements: 1_000_000, concurrency: 50, timeoutSeconds: 300, reads: 500 },
  'api': { orders: 1000, movements: 1_000_000, concurrency: 10, timeoutSeconds: 900, reads: 500 },
  'open': { orders: 2000, movements: 1_000_000, concurrency: 20, timeoutSeconds: 7200, reads: 500 },
  'reports': { orders: 100_000, movements: 1_000_000, concurrency: 1, timeoutSeconds: 3600, reads: 20 },
};

const NUMBERS = ['orders', 'movements', 'concurrency', 'timeout-seconds', 'reads'] as const;

/**
 * `--scenario <name> --orders N --movements N --concurrency N --timeout-seconds N --reads N`; each number may
 * also come from BENCH_<NAME> (BENCH_ORDERS, BENCH_TIMEOUT_SECONDS…).
 */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = {}): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'scenario': { type: 'string' },
      'orders': { type: 'string' },
      'movements': { type: 'string' },
      'concurrency': { type: 'string' },
      'timeout-seconds': { type: 'string' },
      'reads': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const scenario = (values.scenario ?? env.BENCH_SCENARIO ?? 'lifecycle') as ScenarioName;
  if (!SCENARIOS.includes(scenario)) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')} (got "${scenario}")`);
  const defaults = DEFAULTS[scenario];
  const number = (name: (typeof NUMBERS)[number], fallback: number): number => {
    const raw = values[name] ?? env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer (got "${raw}")`);
    return value;
  };
  return {
    scenario,
    orders: number('orders', defaults.orders),
    movements: number('movements', defaults.movements),
    concurrency: number('concurrency', defaults.concurrency),
    timeoutSeconds: number('timeout-seconds', defaults.timeoutSeconds),
    reads: number('reads', defaults.reads),
  };
}

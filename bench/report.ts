import os from 'node:os';
import type { Latencies } from './stats';

/**
 * What the benchmark prints and how it refuses figures that cannot be true. A figure is
 * *impossible* when it contradicts itself or the database (a negative count, more delivered than
 * created, a p50 above its p99, a ratio past what the work allows): the measurement is broken and
 * no ratio is printed. A *failure* is a true figure the engine must never produce (a lost order, an
 * oversold unit, an invariant violation). Either makes the bench exit non-zero.
 */
export class FigureCheck {
  readonly impossible: string[] = [];
  readonly failures: string[] = [];

  /** A whole number of things: finite, integral, not negative. */
  count(name: string, value: number): this {
    if (!Number.isFinite(value) || !Number.isInteger(value) || value < 0) this.impossible.push(`${name} is ${value}: a count is a whole number >= 0`);
    return this;
  }

  /** A rate, a size or a duration that must have been measured: finite and above zero. */
  positive(name: string, value: number): this {
    if (!Number.isFinite(value) || value <= 0) this.impossible.push(`${name} is ${value}: it must be a finite number > 0`);
    return this;
  }

  /** `value <= bound`, e.g. delivered <= created. */
  atMost(name: string, value: number, boundName: string, bound: number): this {
    if (!(value <= bound)) this.impossible.push(`${name} (${value}) is more than ${boundName} (${bound})`);
    return this;
  }

  /** Two ways of counting the same thing must agree. */
  same(name: string, value: number, otherName: string, other: number): this {
    if (value !== other) this.impossible.push(`${name} (${value}) differs from ${otherName} (${other})`);
    return this;
  }

  /** min <= p50 <= p99 <= max, none negative, and (when given) none longer than the whole run. */
  latencies(name: string, figures: Latencies, expectedCount: number, wallMs?: number): this {
    const { count, min, p50, p99, max } = figures;
    if (count !== expectedCount) this.impossible.push(`${name}: ${count} samples where ${expectedCount} were taken`);
    if (count === 0) return this;
    if (![min, p50, p99, max].every(Number.isFinite) || min < 0) {
      this.impossible.push(`${name}: min ${min}, p50 ${p50}, p99 ${p99}, max ${max} are not durations`);
    } else if (!(min <= p50 && p50 <= p99 && p99 <= max)) {
      this.impossible.push(`${name}: min ${fmt(min)}, p50 ${fmt(p50)}, p99 ${fmt(p99)}, max ${fmt(max)} ms are out of order`);
    }
    if (wallMs !== undefined && max > wallMs + CLOCK_SLACK_MS) {
      this.impossible.push(`${name}: max ${fmt(max)} ms is longer than the whole run (${fmt(wallMs)} ms)`);
    }
    return this;
  }

  /** A ratio outside [min, max] means the two sides were not measured alike. */
  ratio(name: string, value: number, plausible: { min?: number; max?: number }): this {
    const { min = 0, max = Infinity } = plausible;
    if (!Number.isFinite(value) || value <= 0) this.impossible.push(`${name} is ${value}: a ratio of two measured figures is finite and > 0`);
    else if (value < min || value > max) {
      this.impossible.push(`${name} is ${fmt(value)}, outside the plausible range [${min}, ${max}]: the two sides were not measured alike`);
    }
    return this;
  }

  /** A true figure that must be zero (lost orders, oversold units). */
  mustBeZero(name: string, value: number): this {
    this.count(name, value);
    if (Number.isFinite(value) && value > 0) this.failures.push(`${name}: ${value} (must be 0)`);
    return this;
  }

  fail(message: string): this {
    this.failures.push(message);
    return this;
  }

  get ok(): boolean {
    return this.impossible.length === 0 && this.failures.length === 0;
  }
}

/** The database clock stamps rows, the bench's clock the run: allow them this much disagreement. */
const CLOCK_SLACK_MS = 1_000;

export function fmt(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

export function ms(value: number): string {
  return Number.isFinite(value) ? `${value < 10 ? value.toFixed(1) : Math.round(value)} ms` : String(value);
}

export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** The last line of every scenario: three significant digits, never an exponent. */
export function ratioLine(ratio: number): string {
  return `ratio: ${Number.isFinite(ratio) ? (ratio >= 100 ? ratio.toFixed(0) : Number(ratio.toPrecision(3)).toString()) : String(ratio)}`;
}

export function latencyRow(label: string, figures: Latencies): [string, string] {
  return [label, `p50 ${ms(figures.p50)}, p99 ${ms(figures.p99)} (n=${figures.count}, mean ${ms(figures.mean)}, max ${ms(figures.max)})`];
}

/** Rows of label and value, aligned. */
export function printFigures(title: string, rows: [string, string | number][]): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\n${title}`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
}

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  loadAverage: number[];
  node: string;
  os: string;
}

export function thisMachine(): Machine {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model.trim() || 'unknown',
    memoryBytes: os.totalmem(),
    loadAverage: os.loadavg(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

export function machineRows(machine: Machine, extra: [string, string][] = []): [string, string][] {
  return [
    ['cores', String(machine.cores)],
    ['CPU', machine.cpuModel],
    ['memory', `${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB`],
    ['load average (1, 5, 15 min)', machine.loadAverage.map((load) => load.toFixed(2)).join(', ')],
    ['Node.js', machine.node],
    ['OS', machine.os],
    ...extra,
  ];
}

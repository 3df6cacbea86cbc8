import type { Knex } from 'knex';
import { type AbcClass, type AbcThresholds, classifyAbc } from '../../domain/abc';
import { previousPeriod, type ReportFilter } from './filters';
import { shippedValues } from './shipped-value';

export interface AbcLine {
  sku: string;
  units: number;
  valueCents: number;
  /** This SKU's share of the value shipped, in percent (two decimals). */
  sharePercent: number;
  /** The share of this SKU and every SKU ranked above it. */
  cumulativeSharePercent: number;
  class: AbcClass;
  /** The class over the preceding period of equal length; C when it shipped nothing then. */
  previousClass: AbcClass;
}

export interface AbcReport {
  totalValueCents: number;
  lines: AbcLine[];
}

const percent = (part: number, total: number) => (total === 0 ? 0 : Math.round((part * 10_000) / total) / 100);

/**
 * ABC classes by FIFO value shipped in the period (the cycle-count planner's rule, domain/abc.ts),
 * ranked by value, highest first, ties by SKU. Every SKU that shipped in the period is ranked; the
 * SKU filter then picks its line out of the ranking rather than ranking it alone.
 */
export async function abcReport(db: Knex, filter: ReportFilter, thresholds: AbcThresholds): Promise<AbcReport> {
  const [current, previous] = await Promise.all([shippedValues(db, filter), shippedValues(db, previousPeriod(filter))]);
  const classes = classifyAbc(current, thresholds);
  const previousClasses = classifyAbc(previous, thresholds);
  const ranked = [...current].sort((x, y) => y.valueCents - x.valueCents || (x.sku < y.sku ? -1 : x.sku > y.sku ? 1 : 0));
  const total = ranked.reduce((sum, line) => sum + line.valueCents, 0);
  let cumulative = 0;
  const lines = ranked.map((line): AbcLine => {
    cumulative += line.valueCents;
    return {
      ...line,
      sharePercent: percent(line.valueCents, total),
      cumulativeSharePercent: percent(cumulative, total),
      class: classes.get(line.sku) ?? 'C',
      previousClass: previousClasses.get(line.sku) ?? 'C',
    };
  });
  return { totalValueCents: total, lines: filter.sku ? lines.filter((line) => line.sku === filter.sku) : lines };
}

/**
 * ABC classification: the few SKUs that make most of the value shipped are A, the next slice B,
 * the long tail C. Pure, so the cycle-count planner and its tests share one rule.
 */
export type AbcClass = 'A' | 'B' | 'C';
export const ABC_CLASSES: readonly AbcClass[] = ['A', 'B', 'C'];

/** Percent of the total value each class covers, A first; the three add up to 100. */
export interface AbcThresholds {
  a: number;
  b: number;
  c: number;
}

export const DEFAULT_ABC_THRESHOLDS: AbcThresholds = { a: 80, b: 15, c: 5 };

export interface SkuValue {
  sku: string;
  /** Value shipped over the window, in cents; 0 for a SKU that did not move. */
  valueCents: number;
}

/**
 * Ranks SKUs by value shipped (highest first, ties by SKU) and walks the cumulative share: a SKU
 * whose running total before it is below A's share is A (so the SKU that crosses the line is A
 * too), below A + B is B, else C. A SKU that shipped nothing is always C, and with nothing shipped
 * at all every SKU is C.
 */
export function classifyAbc(values: readonly SkuValue[], thresholds: AbcThresholds = DEFAULT_ABC_THRESHOLDS): Map<string, AbcClass> {
  assertThresholds(thresholds);
  const ranked = [...values].sort((x, y) => y.valueCents - x.valueCents || (x.sku < y.sku ? -1 : x.sku > y.sku ? 1 : 0));
  const total = ranked.reduce((sum, item) => sum + Math.max(0, item.valueCents), 0);
  const classes = new Map<string, AbcClass>();
  let before = 0;
  for (const item of ranked) {
    const value = Math.max(0, item.valueCents);
    const sharePercentBefore = total === 0 ? 100 : (before * 100) / total;
    const abc: AbcClass = value === 0 ? 'C' : sharePercentBefore < thresholds.a ? 'A' : sharePercentBefore < thresholds.a + thresholds.b ? 'B' : 'C';
    classes.set(item.sku, abc);
    before += value;
  }
  return classes;
}

function assertThresholds({ a, b, c }: AbcThresholds): void {
  if (![a, b, c].every((share) => Number.isFinite(share) && share >= 0) || a + b + c !== 100) {
    throw new Error(`ABC thresholds must be non-negative percentages adding up to 100, got ${a}/${b}/${c}`);
  }
}

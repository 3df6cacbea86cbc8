/**
 * Kits (bundles): a kit SKU is sold and shipped as its components and holds no stock of its own.
 * Kits may contain kits; everything here works on the stocked (leaf) components. Pure.
 */

export interface KitComponent {
  sku: string;
  /** Units of this component in one unit of the kit. */
  quantity: number;
}

/** kit sku -> its direct components (a component may itself be a kit). */
export type KitRecipes = Record<string, KitComponent[]>;

/**
 * The stocked components of one unit of `sku`, nested kits multiplied out and merged by sku, in sku
 * order; a SKU that is not a kit is its own single component. Throws on a cycle (never stored: see
 * findCycle).
 */
export function stockedComponents(sku: string, recipes: KitRecipes, path: string[] = []): KitComponent[] {
  const recipe = recipes[sku];
  if (!recipe) return [{ sku, quantity: 1 }];
  if (path.includes(sku)) throw new Error(`kit cycle: ${[...path, sku].join(' -> ')}`);
  const units = new Map<string, number>();
  for (const component of recipe) {
    for (const leaf of stockedComponents(component.sku, recipes, [...path, sku])) {
      units.set(leaf.sku, (units.get(leaf.sku) ?? 0) + leaf.quantity * component.quantity);
    }
  }
  return [...units].sort(([a], [b]) => compare(a, b)).map(([leaf, quantity]) => ({ sku: leaf, quantity }));
}

/**
 * The stock units a set of lines needs, per stocked SKU: kits expanded, and a kit on two lines, two
 * kits sharing a component, and a component also ordered on its own all add up.
 */
export function stockDemand(lines: readonly { sku: string; quantity: number }[], recipes: KitRecipes): Record<string, number> {
  const demand: Record<string, number> = {};
  for (const line of lines) {
    for (const component of stockedComponents(line.sku, recipes)) {
      demand[component.sku] = (demand[component.sku] ?? 0) + component.quantity * line.quantity;
    }
  }
  return demand;
}

/** Whole kits the available stock makes: the minimum over components of floor(available / quantity per kit). */
export function kitAvailable(components: readonly KitComponent[], available: Readonly<Record<string, number>>): number {
  if (components.length === 0) return 0;
  return Math.max(0, Math.min(...components.map((component) => Math.floor((available[component.sku] ?? 0) / component.quantity))));
}

/**
 * The cycle that giving `kitSku` these components would create (`[kit, ..., kit]`), or null. A kit
 * may not contain itself, directly or through other kits. `recipes` are the stored kits (kitSku's
 * own stored recipe is replaced by the proposed one).
 */
export function findCycle(kitSku: string, components: readonly KitComponent[], recipes: KitRecipes): string[] | null {
  const proposed: KitRecipes = { ...recipes, [kitSku]: [...components] };
  const visit = (sku: string, path: string[]): string[] | null => {
    for (const component of proposed[sku] ?? []) {
      if (component.sku === kitSku) return [...path, component.sku];
      if (path.includes(component.sku)) continue;
      const found = visit(component.sku, [...path, component.sku]);
      if (found) return found;
    }
    return null;
  };
  return visit(kitSku, [kitSku]);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

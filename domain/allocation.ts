import { type KitRecipes, stockDemand, stockedComponents } from './kits';
import type { LineQuantity } from './types';

export interface StockAtLocation {
  locationId: string;
  /** Lower is preferred. */
  priority: number;
  /** sku -> units available (on_hand - reserved). */
  available: Record<string, number>;
}

export interface LocationAllocation {
  locationId: string;
  lines: LineQuantity[];
}

export interface AllocationPlan {
  allocations: LocationAllocation[];
  /** What could not be allocated, per line. Empty when the order is fully covered. */
  shortfall: LineQuantity[];
}

/**
 * Decides which warehouse ships which units.
 * 1. The most preferred warehouse that can fill every line ships everything (one parcel).
 * 2. Otherwise each line is filled from warehouses in priority order, splitting the order.
 * With allowPartial false, a plan that leaves any shortfall allocates nothing (all or nothing).
 * A kit line (its sku in `kits`) is planned in whole kits, each from one warehouse, against the
 * stock of its components; lines sharing a component draw on the same units. `available` is per
 * stocked sku; the plan's lines keep the order's skus and quantities (kits, not components).
 */
export function allocate(lines: LineQuantity[], stock: StockAtLocation[], allowPartial: boolean, kits: KitRecipes = {}): AllocationPlan {
  const byPreference = [...stock].sort((a, b) => a.priority - b.priority || a.locationId.localeCompare(b.locationId));

  const demand = Object.entries(stockDemand(lines, kits));
  const single = byPreference.find((location) => demand.every(([sku, units]) => (location.available[sku] ?? 0) >= units));
  if (single) return { allocations: [{ locationId: single.locationId, lines: lines.map((l) => ({ ...l })) }], shortfall: [] };

  const remaining = new Map(byPreference.map((l) => [l.locationId, { ...l.available }]));
  const perLocation = new Map<string, LineQuantity[]>();
  const shortfall: LineQuantity[] = [];

  for (const line of lines) {
    const components = stockedComponents(line.sku, kits);
    let needed = line.quantity;
    for (const location of byPreference) {
      if (needed === 0) break;
      const left = remaining.get(location.locationId)!;
      const take = Math.min(needed, ...components.map((component) => Math.floor((left[component.sku] ?? 0) / component.quantity)));
      if (take <= 0) continue;
      for (const component of components) left[component.sku] -= take * component.quantity;
      needed -= take;
      const taken = perLocation.get(location.locationId) ?? [];
      taken.push({ lineNo: line.lineNo, sku: line.sku, quantity: take });
      perLocation.set(location.locationId, taken);
    }
    if (needed > 0) shortfall.push({ lineNo: line.lineNo, sku: line.sku, quantity: needed });
  }

  if (shortfall.length > 0 && !allowPartial) {
    return { allocations: [], shortfall: lines.map((l) => ({ ...l })) };
  }
  const allocations = byPreference
    .filter((location) => perLocation.has(location.locationId))
    .map((location) => ({ locationId: location.locationId, lines: perLocation.get(location.locationId)! }));
  return { allocations, shortfall };
}

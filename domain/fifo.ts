/**
 * FIFO costing, pure: which cost layers a quantity leaving stock takes (oldest first, consigned
 * units before or after our own by the location's rule), and what stock was worth at a moment,
 * from layer and consumption rows. Consigned units belong to their owner: they count as units but
 * are worth nothing in our books.
 */

/** Whether a location sells consigned units before its own stock or after it. */
export type ConsignmentRule = 'first' | 'last';
export const CONSIGNMENT_RULES: readonly ConsignmentRule[] = ['first', 'last'];

export interface OpenLayer {
  id: number;
  remaining: number;
  unitCostCents: number;
  /** null for our own stock. */
  ownerId: string | null;
  receivedAt: Date;
}

export interface LayerTake {
  layerId: number;
  quantity: number;
  unitCostCents: number;
  ownerId: string | null;
}

export interface ConsumptionPlan {
  takes: LayerTake[];
  costCents: number;
  /** Units the layers could not cover (0 when they hold enough). */
  shortfall: number;
}

/** The order layers are taken in: by owner group per the rule, then oldest first (id breaks ties). */
export function consumptionOrder<T extends OpenLayer>(layers: readonly T[], rule: ConsignmentRule): T[] {
  const group = (layer: OpenLayer) => ((layer.ownerId !== null) === (rule === 'first') ? 0 : 1);
  return [...layers].sort(
    (a, b) => group(a) - group(b) || a.receivedAt.getTime() - b.receivedAt.getTime() || a.id - b.id,
  );
}

/** Takes `quantity` units from the layers in consumption order, partially from the last one touched. */
export function planConsumption(layers: readonly OpenLayer[], quantity: number, rule: ConsignmentRule): ConsumptionPlan {
  if (!Number.isInteger(quantity) || quantity < 0) throw new RangeError(`quantity must be a whole number >= 0, got ${quantity}`);
  const takes: LayerTake[] = [];
  let left = quantity;
  for (const layer of consumptionOrder(layers, rule)) {
    if (left === 0) break;
    const take = Math.min(left, layer.remaining);
    if (take <= 0) continue;
    takes.push({ layerId: layer.id, quantity: take, unitCostCents: layer.unitCostCents, ownerId: layer.ownerId });
    left -= take;
  }
  return { takes, costCents: takes.reduce((sum, t) => sum + t.quantity * t.unitCostCents, 0), shortfall: left };
}

export interface LayerRow {
  id: number;
  sku: string;
  locationId: string;
  quantity: number;
  unitCostCents: number;
  ownerId: string | null;
  receivedAt: Date;
}

export interface ConsumptionRow {
  layerId: number;
  quantity: number;
  consumedAt: Date;
}

export interface ValuationLine {
  sku: string;
  locationId: string;
  /** Our own units and what they are worth. */
  units: number;
  valueCents: number;
  /** Units held for their owners, at zero value. */
  consignedUnits: number;
}

/**
 * Stock per (sku, location) at `asOf`: every layer received by then, less what was consumed from it
 * by then. Lines come in the order their first layer appears; (sku, location)s with nothing left are
 * left out.
 */
export function valuationAsOf(layers: readonly LayerRow[], consumptions: readonly ConsumptionRow[], asOf: Date): ValuationLine[] {
  const consumed = new Map<number, number>();
  for (const row of consumptions) {
    if (row.consumedAt.getTime() > asOf.getTime()) continue;
    consumed.set(row.layerId, (consumed.get(row.layerId) ?? 0) + row.quantity);
  }
  const lines = new Map<string, ValuationLine>();
  for (const layer of layers) {
    if (layer.receivedAt.getTime() > asOf.getTime()) continue;
    const left = layer.quantity - (consumed.get(layer.id) ?? 0);
    if (left <= 0) continue;
    const key = `${layer.sku}\u0000${layer.locationId}`;
    const line = lines.get(key) ?? { sku: layer.sku, locationId: layer.locationId, units: 0, valueCents: 0, consignedUnits: 0 };
    if (layer.ownerId === null) {
      line.units += left;
      line.valueCents += left * layer.unitCostCents;
    } else {
      line.consignedUnits += left;
    }
    lines.set(key, line);
  }
  return [...lines.values()];
}

/** The sum of valuation lines. */
export function valuationTotal(lines: readonly ValuationLine[]): { units: number; valueCents: number; consignedUnits: number } {
  return lines.reduce(
    (total, line) => ({
      units: total.units + line.units,
      valueCents: total.valueCents + line.valueCents,
      consignedUnits: total.consignedUnits + line.consignedUnits,
    }),
    { units: 0, valueCents: 0, consignedUnits: 0 },
  );
}

/** What a channel may sell of each SKU: which stock feeds it and what it holds back. */
export interface ChannelStockPolicy {
  /** Empty: every active warehouse location. */
  locationIds: readonly string[];
  bufferUnits: number;
  /** 0..100: this share of the stock is held back (the rest rounded down). */
  bufferPercent: number;
  /** Never offer more than this; null for no cap. */
  capUnits: number | null;
  includeIncoming: boolean;
  includeDropship: boolean;
  requireFreshSupplierStock: boolean;
}

export interface LocationStock {
  locationId: string;
  kind: 'warehouse' | 'store' | 'quarantine';
  active: boolean;
  onHand: number;
  reserved: number;
  /** Units on open purchase orders not yet received. */
  incoming: number;
}

/** What a supplier last reported holding, and whether that report is recent enough. */
export interface SupplierStock {
  units: number;
  fresh: boolean;
}

export interface SkuStock {
  /** Dropshipped at this channel: sold against the supplier's stock, never ours. */
  dropship: boolean;
  locations: readonly LocationStock[];
  supplierStock?: SupplierStock;
}

/**
 * Available-to-sell of one SKU at one channel: on hand - reserved (+ incoming when the policy counts
 * it) over the policy's locations, or the supplier's stock for a dropship product, less the buffer,
 * within the cap, never below 0. A location must be active; quarantine never counts.
 */
export function availableToSell(policy: ChannelStockPolicy, stock: SkuStock): number {
  const raw = stock.dropship ? dropshipStock(policy, stock.supplierStock) : ownStock(policy, stock.locations);
  const afterBuffer = Math.floor((raw * (100 - policy.bufferPercent)) / 100) - policy.bufferUnits;
  const capped = policy.capUnits === null ? afterBuffer : Math.min(afterBuffer, policy.capUnits);
  return Math.max(0, capped);
}

function ownStock(policy: ChannelStockPolicy, locations: readonly LocationStock[]): number {
  const feeds = (location: LocationStock) =>
    location.active &&
    location.kind !== 'quarantine' &&
    (policy.locationIds.length === 0 ? location.kind === 'warehouse' : policy.locationIds.includes(location.locationId));
  return locations
    .filter(feeds)
    .reduce((sum, location) => sum + location.onHand - location.reserved + (policy.includeIncoming ? location.incoming : 0), 0);
}

function dropshipStock(policy: ChannelStockPolicy, supplierStock: SupplierStock | undefined): number {
  if (!policy.includeDropship || !supplierStock) return 0;
  if (policy.requireFreshSupplierStock && !supplierStock.fresh) return 0;
  return supplierStock.units;
}

/**
 * A kit's stock at each location as whole kits: per location the minimum over its components of
 * floor(units / units per kit), on hand less reserved and, separately, with incoming (one kit's
 * components ship together from one warehouse, so locations are never mixed).
 */
export function kitLocations(components: readonly { quantity: number; locations: readonly LocationStock[] }[]): LocationStock[] {
  if (components.length === 0) return [];
  const byId = new Map<string, LocationStock>();
  for (const location of components.flatMap((component) => component.locations)) byId.set(location.locationId, location);
  return [...byId.values()].map((location) => {
    const at = components.map((component) => ({
      quantity: component.quantity,
      stock: component.locations.find((candidate) => candidate.locationId === location.locationId),
    }));
    const kits = (units: (stock: LocationStock) => number) =>
      Math.min(...at.map(({ quantity, stock }) => (stock ? Math.floor(units(stock) / quantity) : 0)));
    const available = kits((stock) => stock.onHand - stock.reserved);
    const withIncoming = kits((stock) => stock.onHand - stock.reserved + stock.incoming);
    return { ...location, onHand: available, reserved: 0, incoming: withIncoming - available };
  });
}

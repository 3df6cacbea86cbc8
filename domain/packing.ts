/**
 * Packing a shipment's units into parcels a carrier accepts, and checking a parcel against a
 * carrier's limits. Pure: the engine, the API and the sandbox carrier all judge parcels the same way.
 */

/** What one parcel may weigh and measure with a carrier. */
export interface ParcelLimits {
  maxWeightGrams: number;
  /** The longest side. */
  maxLengthMm: number;
  /** Longest side plus girth (twice the sum of the two other sides). */
  maxLengthPlusGirthMm: number;
}

/** A parcel's (or a unit's) weight and outer dimensions; a missing side is not known and not judged. */
export interface ParcelSize {
  weightGrams: number;
  lengthMm?: number | null;
  widthMm?: number | null;
  heightMm?: number | null;
}

export type LimitBreach =
  | { code: 'parcel_too_heavy'; measure: 'weight'; value: number; limit: number }
  | { code: 'parcel_too_large'; measure: 'length' | 'length_plus_girth'; value: number; limit: number };

/** The first limit the parcel breaks (weight, then longest side, then length plus girth), if any. */
export function limitBreach(parcel: ParcelSize, limits: ParcelLimits): LimitBreach | undefined {
  if (parcel.weightGrams > limits.maxWeightGrams) {
    return { code: 'parcel_too_heavy', measure: 'weight', value: parcel.weightGrams, limit: limits.maxWeightGrams };
  }
  const [length, width, height] = sidesOf(parcel);
  if (length > limits.maxLengthMm) return { code: 'parcel_too_large', measure: 'length', value: length, limit: limits.maxLengthMm };
  const lengthPlusGirth = length + 2 * (width + height);
  if (lengthPlusGirth > limits.maxLengthPlusGirthMm) {
    return { code: 'parcel_too_large', measure: 'length_plus_girth', value: lengthPlusGirth, limit: limits.maxLengthPlusGirthMm };
  }
  return undefined;
}

const MEASURE_NAMES: Record<LimitBreach['measure'], string> = {
  weight: 'weight',
  length: 'longest side',
  length_plus_girth: 'length plus girth',
};

/** e.g. "weight 45000 g exceeds the limit of 30000 g"; `limitName` replaces "the limit". */
export function describeBreach(breach: LimitBreach, limitName = 'the limit'): string {
  const unit = breach.measure === 'weight' ? 'g' : 'mm';
  return `${MEASURE_NAMES[breach.measure]} ${breach.value} ${unit} exceeds ${limitName} of ${breach.limit} ${unit}`;
}

/**
 * Whether some carrier accepts the parcel. When none does, the breach is judged against the most
 * generous limit of all of them ("the largest carrier limit"): the measure no carrier can take.
 * With no carriers at all, nothing is refused.
 */
export function breachOfEveryCarrier(parcel: ParcelSize, carriers: readonly ParcelLimits[]): LimitBreach | undefined {
  if (carriers.length === 0) return undefined;
  const breaches = carriers.map((limits) => limitBreach(parcel, limits));
  if (breaches.some((breach) => breach === undefined)) return undefined;
  const largest: ParcelLimits = {
    maxWeightGrams: Math.max(...carriers.map((limits) => limits.maxWeightGrams)),
    maxLengthMm: Math.max(...carriers.map((limits) => limits.maxLengthMm)),
    maxLengthPlusGirthMm: Math.max(...carriers.map((limits) => limits.maxLengthPlusGirthMm)),
  };
  // Each carrier refuses it on some measure even if no single measure is beyond all of them.
  return limitBreach(parcel, largest) ?? breaches[0];
}

/** Sides longest first; unknown sides count as 0. */
function sidesOf(size: Pick<ParcelSize, 'lengthMm' | 'widthMm' | 'heightMm'>): [number, number, number] {
  const sides = [size.lengthMm ?? 0, size.widthMm ?? 0, size.heightMm ?? 0].sort((a, b) => b - a);
  return [sides[0], sides[1], sides[2]];
}

export interface PackItem {
  sku: string;
  quantity: number;
  unitWeightGrams: number;
  lengthMm?: number | null;
  widthMm?: number | null;
  heightMm?: number | null;
}

export interface PackedParcel {
  weightGrams: number;
  /** Outer dimensions, longest first; absent when no unit inside has known dimensions. */
  lengthMm?: number;
  widthMm?: number;
  heightMm?: number;
  /** Units inside, by sku in the order they were first packed. */
  contents: { sku: string; quantity: number }[];
}

/**
 * Packs units into parcels, each within the limits: first-fit decreasing by weight (then volume),
 * never splitting a unit. Units in a parcel lie flat, stacked on their smallest side: the parcel
 * is as long and wide as its longest and widest unit and as high as its units' heights together.
 * A unit that alone breaks the limits travels in a parcel of its own, which breaks them too: the
 * carrier refuses it, and that refusal is how such a shipment fails.
 */
export function packParcels(items: readonly PackItem[], limits: ParcelLimits): PackedParcel[] {
  const kinds = items
    .filter((item) => item.quantity > 0)
    .map((item) => {
      const [a, b, c] = sidesOf(item);
      const unit: Unit = { sku: item.sku, weight: item.unitWeightGrams, a, b, c, hasDims: a > 0 };
      return { unit, quantity: item.quantity, volume: a * b * c };
    })
    .sort((x, y) => y.unit.weight - x.unit.weight || y.volume - x.volume || compare(x.unit.sku, y.unit.sku));

  const parcels: OpenParcel[] = [];
  for (const { unit, quantity } of kinds) {
    if (limitBreach(sizeWith(EMPTY, unit), limits)) {
      // Over the limits on its own: one parcel per unit, shared with nothing.
      for (let n = 0; n < quantity; n++) parcels.push(add(openParcel(true), unit));
      continue;
    }
    // Identical units: a parcel that cannot take one cannot take the next either, so the search
    // for this sku resumes where the last unit went in (linear in units plus parcels).
    let index = 0;
    for (let n = 0; n < quantity; n++) {
      while (index < parcels.length && (parcels[index].sealed || limitBreach(sizeWith(parcels[index], unit), limits))) index++;
      if (index === parcels.length) parcels.push(openParcel(false));
      add(parcels[index], unit);
    }
  }
  return parcels.map(toPacked);
}

interface Unit {
  sku: string;
  weight: number;
  /** Sides, longest first (0 when unknown). */
  a: number;
  b: number;
  c: number;
  hasDims: boolean;
}

interface OpenParcel {
  weight: number;
  a: number;
  b: number;
  c: number;
  hasDims: boolean;
  contents: Map<string, number>;
  /** Holds one unit over the limits; nothing else goes in. */
  sealed: boolean;
}

const EMPTY: OpenParcel = { weight: 0, a: 0, b: 0, c: 0, hasDims: false, contents: new Map(), sealed: false };
const openParcel = (sealed: boolean): OpenParcel => ({ ...EMPTY, contents: new Map(), sealed });

/** The parcel's size if the unit went in: as long and wide as its largest unit, as high as its units stacked. */
function sizeWith(parcel: OpenParcel, unit: Unit): ParcelSize {
  const weightGrams = parcel.weight + unit.weight;
  if (!parcel.hasDims && !unit.hasDims) return { weightGrams };
  return { weightGrams, lengthMm: Math.max(parcel.a, unit.a), widthMm: Math.max(parcel.b, unit.b), heightMm: parcel.c + unit.c };
}

function add(parcel: OpenParcel, unit: Unit): OpenParcel {
  parcel.weight += unit.weight;
  parcel.a = Math.max(parcel.a, unit.a);
  parcel.b = Math.max(parcel.b, unit.b);
  parcel.c += unit.c;
  parcel.hasDims ||= unit.hasDims;
  parcel.contents.set(unit.sku, (parcel.contents.get(unit.sku) ?? 0) + 1);
  return parcel;
}

function toPacked(parcel: OpenParcel): PackedParcel {
  const [lengthMm, widthMm, heightMm] = sidesOf({ lengthMm: parcel.a, widthMm: parcel.b, heightMm: parcel.c });
  return {
    weightGrams: parcel.weight,
    ...(parcel.hasDims ? { lengthMm, widthMm, heightMm } : {}),
    contents: [...parcel.contents].map(([sku, quantity]) => ({ sku, quantity })),
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

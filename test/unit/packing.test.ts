import {
  breachOfEveryCarrier,
  describeBreach,
  limitBreach,
  packParcels,
  type PackedParcel,
  type PackItem,
  type ParcelLimits,
} from '../../domain/packing';

const LIMITS: ParcelLimits = { maxWeightGrams: 30_000, maxLengthMm: 1_200, maxLengthPlusGirthMm: 3_000 };

const units = (parcels: PackedParcel[]) => parcels.reduce((sum, p) => sum + p.contents.reduce((s, c) => s + c.quantity, 0), 0);
const unitsOf = (parcels: PackedParcel[], sku: string) =>
  parcels.reduce((sum, p) => sum + (p.contents.find((c) => c.sku === sku)?.quantity ?? 0), 0);

describe('limitBreach', () => {
  it('accepts a parcel exactly at every limit', () => {
    expect(limitBreach({ weightGrams: 30_000, lengthMm: 1_200, widthMm: 450, heightMm: 450 }, LIMITS)).toBeUndefined();
  });

  it('judges weight, then the longest side whichever way round it is given, then length plus girth', () => {
    expect(limitBreach({ weightGrams: 30_001 }, LIMITS)).toEqual({ code: 'parcel_too_heavy', measure: 'weight', value: 30_001, limit: 30_000 });
    expect(limitBreach({ weightGrams: 100, lengthMm: 10, widthMm: 1_300, heightMm: 10 }, LIMITS)).toEqual({
      code: 'parcel_too_large',
      measure: 'length',
      value: 1_300,
      limit: 1_200,
    });
    // 1000 + 2 * (600 + 500) = 3200
    expect(limitBreach({ weightGrams: 100, lengthMm: 600, widthMm: 1_000, heightMm: 500 }, LIMITS)).toEqual({
      code: 'parcel_too_large',
      measure: 'length_plus_girth',
      value: 3_200,
      limit: 3_000,
    });
  });

  it('judges only the sides it knows', () => {
    expect(limitBreach({ weightGrams: 1_000 }, LIMITS)).toBeUndefined();
    expect(limitBreach({ weightGrams: 1_000, lengthMm: 1_100, widthMm: null }, LIMITS)).toBeUndefined();
  });

  it('describes a breach with its measure, value and limit', () => {
    expect(describeBreach(limitBreach({ weightGrams: 45_000 }, LIMITS)!, 'the largest carrier limit')).toBe(
      'weight 45000 g exceeds the largest carrier limit of 30000 g',
    );
    expect(describeBreach(limitBreach({ weightGrams: 1, lengthMm: 1_500 }, LIMITS)!)).toBe('longest side 1500 mm exceeds the limit of 1200 mm');
  });
});

describe('breachOfEveryCarrier', () => {
  const small: ParcelLimits = { maxWeightGrams: 10_000, maxLengthMm: 2_000, maxLengthPlusGirthMm: 4_000 };

  it('passes a parcel that any one carrier accepts', () => {
    expect(breachOfEveryCarrier({ weightGrams: 20_000 }, [small, LIMITS])).toBeUndefined();
    expect(breachOfEveryCarrier({ weightGrams: 5_000, lengthMm: 1_500 }, [small, LIMITS])).toBeUndefined();
  });

  it('names the largest limit when no carrier accepts the parcel', () => {
    expect(breachOfEveryCarrier({ weightGrams: 45_000 }, [small, LIMITS])).toMatchObject({ measure: 'weight', limit: 30_000 });
    // Too heavy for one, too long for the other: each refuses it on a different measure.
    expect(breachOfEveryCarrier({ weightGrams: 20_000, lengthMm: 1_500 }, [small, LIMITS])).toMatchObject({
      code: 'parcel_too_heavy',
      limit: 10_000,
    });
  });

  it('refuses nothing without carriers', () => {
    expect(breachOfEveryCarrier({ weightGrams: 1e9 }, [])).toBeUndefined();
  });
});

describe('packParcels', () => {
  it('packs a light shipment into one parcel as large as its units stacked flat', () => {
    const items: PackItem[] = [
      { sku: 'MUG', quantity: 2, unitWeightGrams: 400, lengthMm: 120, widthMm: 100, heightMm: 90 },
      { sku: 'TEA', quantity: 3, unitWeightGrams: 250, lengthMm: 80, widthMm: 150, heightMm: 50 },
    ];
    expect(packParcels(items, LIMITS)).toEqual([
      {
        weightGrams: 2 * 400 + 3 * 250,
        // longest 150, widest 100; heights 90 + 90 + 50 + 50 + 50
        lengthMm: 330,
        widthMm: 150,
        heightMm: 100,
        contents: [
          { sku: 'MUG', quantity: 2 },
          { sku: 'TEA', quantity: 3 },
        ],
      },
    ]);
  });

  it('leaves dimensions out when no unit has any', () => {
    expect(packParcels([{ sku: 'A', quantity: 2, unitWeightGrams: 300 }], LIMITS)).toEqual([
      { weightGrams: 600, contents: [{ sku: 'A', quantity: 2 }] },
    ]);
  });

  it('splits by weight into parcels within the limit, never splitting a unit', () => {
    const parcels = packParcels([{ sku: 'ANVIL', quantity: 7, unitWeightGrams: 9_000 }], LIMITS);
    expect(parcels.map((p) => p.weightGrams)).toEqual([27_000, 27_000, 9_000]);
    expect(parcels.map((p) => p.contents)).toEqual([[{ sku: 'ANVIL', quantity: 3 }], [{ sku: 'ANVIL', quantity: 3 }], [{ sku: 'ANVIL', quantity: 1 }]]);
  });

  it('fills gaps first-fit with lighter units, heaviest first', () => {
    const parcels = packParcels(
      [
        { sku: 'LIGHT', quantity: 4, unitWeightGrams: 2_000 },
        { sku: 'HEAVY', quantity: 2, unitWeightGrams: 20_000 },
      ],
      LIMITS,
    );
    // Each heavy unit gets a parcel; the light ones fill the room left (10 kg) in the first, then the second.
    expect(parcels).toEqual([
      { weightGrams: 28_000, contents: [{ sku: 'HEAVY', quantity: 1 }, { sku: 'LIGHT', quantity: 4 }] },
      { weightGrams: 20_000, contents: [{ sku: 'HEAVY', quantity: 1 }] },
    ]);
  });

  it('splits by size when stacked units would break the length-plus-girth limit', () => {
    // 1000 x 500 x 100 each: stacked n high the girth is 2 * (500 + 100n); 1000 + 1000 + 200n <= 3000 for n <= 5.
    const parcels = packParcels([{ sku: 'PANEL', quantity: 12, unitWeightGrams: 1_000, lengthMm: 1_000, widthMm: 500, heightMm: 100 }], LIMITS);
    expect(parcels.map((p) => p.contents[0].quantity)).toEqual([5, 5, 2]);
    expect(parcels[0]).toMatchObject({ lengthMm: 1_000, widthMm: 500, heightMm: 500 });
    for (const parcel of parcels) expect(limitBreach(parcel, LIMITS)).toBeUndefined();
  });

  it('puts a unit over the limits in a parcel of its own that breaks them', () => {
    const parcels = packParcels(
      [
        { sku: 'SAFE', quantity: 2, unitWeightGrams: 45_000 },
        { sku: 'POLE', quantity: 1, unitWeightGrams: 2_000, lengthMm: 2_500, widthMm: 50, heightMm: 50 },
        { sku: 'BOOK', quantity: 2, unitWeightGrams: 500 },
      ],
      LIMITS,
    );
    expect(parcels).toEqual([
      { weightGrams: 45_000, contents: [{ sku: 'SAFE', quantity: 1 }] },
      { weightGrams: 45_000, contents: [{ sku: 'SAFE', quantity: 1 }] },
      { weightGrams: 2_000, lengthMm: 2_500, widthMm: 50, heightMm: 50, contents: [{ sku: 'POLE', quantity: 1 }] },
      { weightGrams: 1_000, contents: [{ sku: 'BOOK', quantity: 2 }] },
    ]);
    expect(parcels.map((p) => limitBreach(p, LIMITS)?.code)).toEqual(['parcel_too_heavy', 'parcel_too_heavy', 'parcel_too_large', undefined]);
  });

  it('keeps every unit, and every parcel of units that fit within the limits, for many mixed lines', () => {
    let seed = 7;
    const random = (max: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return 1 + (seed % max);
    };
    const items: PackItem[] = Array.from({ length: 30 }, (_, i) => ({
      sku: `SKU-${i}`,
      quantity: random(40),
      unitWeightGrams: random(12_000),
      ...(i % 3 === 0 ? {} : { lengthMm: random(700), widthMm: random(400), heightMm: random(200) }),
    }));
    const parcels = packParcels(items, LIMITS);
    expect(units(parcels)).toBe(items.reduce((sum, item) => sum + item.quantity, 0));
    for (const item of items) expect(unitsOf(parcels, item.sku)).toBe(item.quantity);
    for (const parcel of parcels) expect(limitBreach(parcel, LIMITS)).toBeUndefined();
    const lowerBound = Math.ceil(items.reduce((sum, item) => sum + item.quantity * item.unitWeightGrams, 0) / LIMITS.maxWeightGrams);
    expect(parcels.length).toBeGreaterThanOrEqual(lowerBound);
  });

  it('packs a hundred thousand units quickly', () => {
    const started = Date.now();
    const parcels = packParcels([{ sku: 'BOLT', quantity: 100_000, unitWeightGrams: 3 }, { sku: 'NUT', quantity: 100_000, unitWeightGrams: 1 }], LIMITS);
    expect(units(parcels)).toBe(200_000);
    // 10,000 bolts fill each of the first ten parcels; the nuts fill three more and start a fourteenth.
    expect(parcels.map((p) => p.weightGrams)).toEqual([...Array(13).fill(30_000), 10_000]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('ignores lines without units', () => {
    expect(packParcels([{ sku: 'NONE', quantity: 0, unitWeightGrams: 100 }], LIMITS)).toEqual([]);
  });
});

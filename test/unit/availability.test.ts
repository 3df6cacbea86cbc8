import { availableToSell, type ChannelStockPolicy, kitLocations, type LocationStock } from '../../domain/availability';

const OPEN: ChannelStockPolicy = {
  locationIds: [],
  bufferUnits: 0,
  bufferPercent: 0,
  capUnits: null,
  includeIncoming: false,
  includeDropship: false,
  requireFreshSupplierStock: false,
};

const at = (locationId: string, onHand: number, reserved: number, incoming = 0, extra: Partial<LocationStock> = {}): LocationStock => ({
  locationId,
  kind: 'warehouse',
  active: true,
  onHand,
  reserved,
  incoming,
  ...extra,
});

const own = (...locations: LocationStock[]) => ({ dropship: false, locations });

describe('availableToSell', () => {
  it('sums on hand less reserved over every active warehouse when the policy names no locations', () => {
    expect(availableToSell(OPEN, own(at('A', 10, 3), at('B', 5, 0)))).toBe(12);
  });

  it('never counts quarantine, inactive locations or stores unless a store is named', () => {
    const stock = own(
      at('A', 10, 0),
      at('Q', 50, 0, 0, { kind: 'quarantine' }),
      at('OLD', 50, 0, 0, { active: false }),
      at('SHOP', 7, 2, 0, { kind: 'store' }),
    );
    expect(availableToSell(OPEN, stock)).toBe(10);
    expect(availableToSell({ ...OPEN, locationIds: ['SHOP', 'Q', 'OLD'] }, stock)).toBe(5);
  });

  it('counts only the named locations', () => {
    expect(availableToSell({ ...OPEN, locationIds: ['B'] }, own(at('A', 10, 0), at('B', 4, 1)))).toBe(3);
  });

  it('adds incoming only when the policy includes it', () => {
    const stock = own(at('A', 10, 4, 20));
    expect(availableToSell(OPEN, stock)).toBe(6);
    expect(availableToSell({ ...OPEN, includeIncoming: true }, stock)).toBe(26);
  });

  it('holds back a buffer in units', () => {
    expect(availableToSell({ ...OPEN, bufferUnits: 2 }, own(at('A', 10, 3)))).toBe(5);
  });

  it('holds back a percentage, rounding what is offered down', () => {
    expect(availableToSell({ ...OPEN, bufferPercent: 15 }, own(at('A', 10, 0)))).toBe(8);
    expect(availableToSell({ ...OPEN, bufferPercent: 12.5 }, own(at('A', 8, 0)))).toBe(7);
    expect(availableToSell({ ...OPEN, bufferPercent: 100 }, own(at('A', 8, 0)))).toBe(0);
  });

  it('takes the percentage first, then the units', () => {
    expect(availableToSell({ ...OPEN, bufferPercent: 50, bufferUnits: 1 }, own(at('A', 10, 0)))).toBe(4);
  });

  it('caps what is offered after the buffer', () => {
    expect(availableToSell({ ...OPEN, capUnits: 5 }, own(at('A', 10, 0)))).toBe(5);
    expect(availableToSell({ ...OPEN, capUnits: 5, bufferUnits: 7 }, own(at('A', 10, 0)))).toBe(3);
    expect(availableToSell({ ...OPEN, capUnits: 0 }, own(at('A', 10, 0)))).toBe(0);
  });

  it('never goes below 0', () => {
    expect(availableToSell({ ...OPEN, bufferUnits: 20 }, own(at('A', 10, 3)))).toBe(0);
    expect(availableToSell(OPEN, own())).toBe(0);
  });

  describe('dropship products', () => {
    const dropship = (units?: number, fresh = true) => ({
      dropship: true,
      locations: [at('A', 40, 0)],
      supplierStock: units === undefined ? undefined : { units, fresh },
    });

    it("sell the supplier's stock less the buffer, never our own", () => {
      expect(availableToSell({ ...OPEN, includeDropship: true, bufferUnits: 2, bufferPercent: 10 }, dropship(30))).toBe(25);
      expect(availableToSell({ ...OPEN, includeDropship: true, capUnits: 10 }, dropship(30))).toBe(10);
    });

    it('sell nothing when the policy leaves supplier stock out', () => {
      expect(availableToSell(OPEN, dropship(30))).toBe(0);
    });

    it('sell nothing without a supplier stock number', () => {
      expect(availableToSell({ ...OPEN, includeDropship: true }, dropship())).toBe(0);
    });

    it('sell nothing on a stale feed when the channel requires fresh stock, and sell it otherwise', () => {
      expect(availableToSell({ ...OPEN, includeDropship: true, requireFreshSupplierStock: true }, dropship(30, false))).toBe(0);
      expect(availableToSell({ ...OPEN, includeDropship: true, requireFreshSupplierStock: true }, dropship(30, true))).toBe(30);
      expect(availableToSell({ ...OPEN, includeDropship: true }, dropship(30, false))).toBe(30);
    });
  });
});

describe('kitLocations', () => {
  it('makes whole kits per location from its components, without mixing locations', () => {
    const kits = kitLocations([
      { quantity: 1, locations: [at('A', 5, 1, 10), at('B', 9, 0)] },
      { quantity: 2, locations: [at('A', 7, 0, 2), at('B', 1, 0)] },
    ]);
    expect(kits).toEqual([
      { ...at('A', 3, 0), incoming: 1 },
      { ...at('B', 0, 0), incoming: 0 },
    ]);
    expect(availableToSell(OPEN, own(...kits))).toBe(3);
    expect(availableToSell({ ...OPEN, includeIncoming: true }, own(...kits))).toBe(4);
  });

  it('makes no kits at a location missing a component', () => {
    const kits = kitLocations([
      { quantity: 1, locations: [at('A', 5, 0), at('B', 5, 0)] },
      { quantity: 1, locations: [at('A', 5, 0)] },
    ]);
    expect(availableToSell(OPEN, own(...kits))).toBe(5);
  });
});

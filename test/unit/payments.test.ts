import { itemsTotal, settlement, shipmentAmount } from '../../domain/payments';
import type { OrderLine } from '../../domain/types';

const orderLines: OrderLine[] = [
  { lineNo: 1, sku: 'MUG', quantity: 3, unitPriceCents: 1299 },
  { lineNo: 2, sku: 'TEA', quantity: 2, unitPriceCents: 450 },
];
const shippingCents = 595;
const orderTotal = itemsTotal(orderLines) + shippingCents;

describe('itemsTotal', () => {
  it('sums quantity times unit price', () => {
    expect(itemsTotal(orderLines)).toBe(3 * 1299 + 2 * 450);
    expect(itemsTotal([])).toBe(0);
  });
});

describe('shipmentAmount', () => {
  it('charges shipping on the first shipment only', () => {
    const parcel = [{ lineNo: 2, sku: 'TEA', quantity: 1 }];
    expect(shipmentAmount(orderLines, parcel, shippingCents, true)).toBe(450 + shippingCents);
    expect(shipmentAmount(orderLines, parcel, shippingCents, false)).toBe(450);
  });

  it('one shipment with everything is worth the order total', () => {
    const everything = orderLines.map(({ lineNo, sku, quantity }) => ({ lineNo, sku, quantity }));
    expect(shipmentAmount(orderLines, everything, shippingCents, true)).toBe(orderTotal);
  });

  it('the shares of a split order sum exactly to the order total', () => {
    const parcels = [
      [{ lineNo: 1, sku: 'MUG', quantity: 1 }],
      [
        { lineNo: 1, sku: 'MUG', quantity: 2 },
        { lineNo: 2, sku: 'TEA', quantity: 1 },
      ],
      [{ lineNo: 2, sku: 'TEA', quantity: 1 }],
    ];
    const shares = parcels.map((parcel, index) => shipmentAmount(orderLines, parcel, shippingCents, index === 0));
    expect(shares).toEqual([1299 + shippingCents, 2 * 1299 + 450, 450]);
    expect(shares.reduce((sum, share) => sum + share, 0)).toBe(orderTotal);
  });

  it('prices by line number, not by SKU text', () => {
    const lines: OrderLine[] = [{ lineNo: 7, sku: 'X', quantity: 1, unitPriceCents: 100 }];
    expect(shipmentAmount(lines, [{ lineNo: 7, sku: 'renamed', quantity: 2 }], 0, false)).toBe(200);
  });

  it('throws for a line that is not on the order', () => {
    expect(() => shipmentAmount(orderLines, [{ lineNo: 3, sku: 'MUG', quantity: 1 }], shippingCents, false)).toThrow(
      /line 3/,
    );
  });
});

describe('settlement', () => {
  describe('on_shipment: captured per parcel, the rest is voided', () => {
    it('voids the whole authorization when nothing shipped', () => {
      const totals = { authorized: 5000, captured: 0, voided: 0, refunded: 0 };
      expect(settlement(totals, 0, 'on_shipment')).toEqual({ voidCents: 5000, refundCents: 0 });
    });

    it('voids only the uncaptured rest after some parcels shipped', () => {
      const totals = { authorized: 5000, captured: 3200, voided: 0, refunded: 0 };
      expect(settlement(totals, 3200, 'on_shipment')).toEqual({ voidCents: 1800, refundCents: 0 });
    });

    it('voids nothing twice once the rest is voided', () => {
      const totals = { authorized: 5000, captured: 3200, voided: 1800, refunded: 0 };
      expect(settlement(totals, 3200, 'on_shipment')).toEqual({ voidCents: 0, refundCents: 0 });
    });

    it('voids only what an earlier partial void left', () => {
      const totals = { authorized: 5000, captured: 3200, voided: 1000, refunded: 0 };
      expect(settlement(totals, 3200, 'on_shipment')).toEqual({ voidCents: 800, refundCents: 0 });
    });

    it('never returns a negative void', () => {
      const totals = { authorized: 5000, captured: 5000, voided: 0, refunded: 0 };
      expect(settlement(totals, 5000, 'on_shipment')).toEqual({ voidCents: 0, refundCents: 0 });
    });
  });

  describe('on_order: captured up front, what did not ship is refunded', () => {
    it('refunds the value that did not ship', () => {
      const totals = { authorized: 5000, captured: 5000, voided: 0, refunded: 0 };
      expect(settlement(totals, 3200, 'on_order')).toEqual({ voidCents: 0, refundCents: 1800 });
    });

    it('refunds everything captured when nothing shipped', () => {
      const totals = { authorized: 5000, captured: 5000, voided: 0, refunded: 0 };
      expect(settlement(totals, 0, 'on_order')).toEqual({ voidCents: 0, refundCents: 5000 });
    });

    it('refunds nothing when everything shipped', () => {
      const totals = { authorized: 5000, captured: 5000, voided: 0, refunded: 0 };
      expect(settlement(totals, 5000, 'on_order')).toEqual({ voidCents: 0, refundCents: 0 });
    });

    it('does not refund again what was already refunded', () => {
      const totals = { authorized: 5000, captured: 5000, voided: 0, refunded: 1800 };
      expect(settlement(totals, 3200, 'on_order')).toEqual({ voidCents: 0, refundCents: 0 });
    });

    it('never refunds more than captured minus refunded', () => {
      const cases = [
        { totals: { authorized: 5000, captured: 5000, voided: 0, refunded: 4000 }, shipped: 0 },
        { totals: { authorized: 5000, captured: 2000, voided: 0, refunded: 500 }, shipped: 0 },
        { totals: { authorized: 5000, captured: 5000, voided: 0, refunded: 5000 }, shipped: 0 },
        { totals: { authorized: 5000, captured: 1000, voided: 0, refunded: 0 }, shipped: 3000 },
      ];
      for (const { totals, shipped } of cases) {
        const { refundCents } = settlement(totals, shipped, 'on_order');
        expect(refundCents).toBeGreaterThanOrEqual(0);
        expect(refundCents).toBeLessThanOrEqual(totals.captured - totals.refunded);
      }
    });
  });
});

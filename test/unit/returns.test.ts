import {
  autoApproves,
  everyUnitReturnedForSellerFault,
  isWithinReturnWindow,
  refundAmount,
  type RefundInput,
  returnableQuantity,
  returnWindowEnds,
} from '../../domain/returns';

describe('returnableQuantity', () => {
  it('is what was delivered when nothing came back', () => {
    expect(returnableQuantity({ delivered: 3, returned: 0, inOpenReturns: 0 })).toBe(3);
  });

  it('takes off units already received back and units in open returns', () => {
    expect(returnableQuantity({ delivered: 5, returned: 1, inOpenReturns: 2 })).toBe(2);
    expect(returnableQuantity({ delivered: 5, returned: 2, inOpenReturns: 3 })).toBe(0);
  });

  it('never goes below zero', () => {
    expect(returnableQuantity({ delivered: 2, returned: 1, inOpenReturns: 4 })).toBe(0);
  });

  it('nothing is returnable before delivery', () => {
    expect(returnableQuantity({ delivered: 0, returned: 0, inOpenReturns: 0 })).toBe(0);
  });
});

describe('return window', () => {
  const deliveredAt = new Date('2024-03-01T10:00:00.000Z');

  it('ends whole days after delivery', () => {
    expect(returnWindowEnds(deliveredAt, 30)).toEqual(new Date('2024-03-31T10:00:00.000Z'));
  });

  it('includes its last moment and nothing after it', () => {
    expect(isWithinReturnWindow(deliveredAt, 30, new Date('2024-03-31T10:00:00.000Z'))).toBe(true);
    expect(isWithinReturnWindow(deliveredAt, 30, new Date('2024-03-31T10:00:00.001Z'))).toBe(false);
  });

  it('is open from the moment of delivery', () => {
    expect(isWithinReturnWindow(deliveredAt, 1, deliveredAt)).toBe(true);
  });

  it('uses the given number of days (a product may set its own)', () => {
    const now = new Date('2024-03-10T10:00:00.000Z');
    expect(isWithinReturnWindow(deliveredAt, 7, now)).toBe(false);
    expect(isWithinReturnWindow(deliveredAt, 14, now)).toBe(true);
  });
});

describe('autoApproves', () => {
  const policy = { autoApproveReasons: ['damaged', 'wrong_item'] as const, autoApproveMaxCents: 5000 };

  it('approves when every reason is on the list and the value is at most the threshold', () => {
    const lines = [
      { reason: 'damaged' as const, quantity: 2, unitPriceCents: 1500 },
      { reason: 'wrong_item' as const, quantity: 1, unitPriceCents: 2000 },
    ];
    expect(autoApproves(lines, policy)).toBe(true);
  });

  it('leaves it to ops when one reason is not on the list', () => {
    const lines = [
      { reason: 'damaged' as const, quantity: 1, unitPriceCents: 100 },
      { reason: 'changed_mind' as const, quantity: 1, unitPriceCents: 100 },
    ];
    expect(autoApproves(lines, policy)).toBe(false);
  });

  it('leaves it to ops when the value is above the threshold', () => {
    expect(autoApproves([{ reason: 'damaged', quantity: 1, unitPriceCents: 5001 }], policy)).toBe(false);
  });

  it('approves nothing by rule with an empty list or no lines', () => {
    expect(autoApproves([{ reason: 'damaged', quantity: 1, unitPriceCents: 1 }], { autoApproveReasons: [], autoApproveMaxCents: 5000 })).toBe(
      false,
    );
    expect(autoApproves([], policy)).toBe(false);
  });
});

describe('everyUnitReturnedForSellerFault', () => {
  const orderLines = [
    { lineNo: 1, delivered: 2 },
    { lineNo: 2, delivered: 1 },
  ];

  it('is true once every delivered unit came back for a seller-fault reason, across returns', () => {
    const firstReturn = [{ lineNo: 1, quantity: 2, reason: 'damaged' as const }];
    expect(everyUnitReturnedForSellerFault(orderLines, firstReturn)).toBe(false);
    const both = [...firstReturn, { lineNo: 2, quantity: 1, reason: 'wrong_item' as const }];
    expect(everyUnitReturnedForSellerFault(orderLines, both)).toBe(true);
  });

  it('is false when any unit came back because the customer changed their mind', () => {
    const units = [
      { lineNo: 1, quantity: 1, reason: 'damaged' as const },
      { lineNo: 1, quantity: 1, reason: 'changed_mind' as const },
      { lineNo: 2, quantity: 1, reason: 'not_as_described' as const },
    ];
    expect(everyUnitReturnedForSellerFault(orderLines, units)).toBe(false);
  });

  it('ignores lines that delivered nothing, and is false for an order that delivered nothing', () => {
    const withCancelledLine = [...orderLines, { lineNo: 3, delivered: 0 }];
    const units = [
      { lineNo: 1, quantity: 2, reason: 'damaged' as const },
      { lineNo: 2, quantity: 1, reason: 'damaged' as const },
    ];
    expect(everyUnitReturnedForSellerFault(withCancelledLine, units)).toBe(true);
    expect(everyUnitReturnedForSellerFault([{ lineNo: 1, delivered: 0 }], [])).toBe(false);
  });
});

describe('refundAmount', () => {
  const base: RefundInput = {
    lines: [],
    restockingFeePercent: 10,
    shippingCents: 595,
    allUnitsOfOrderReturnedForSellerFault: false,
    capturedCents: 100_000,
    alreadyRefundedCents: 0,
  };
  const sumOf = (breakdown: ReturnType<typeof refundAmount>) =>
    breakdown.linesCents.reduce((sum, line) => sum + line.cents, 0) + breakdown.shippingCents;

  it('refunds the price paid for accepted units of a seller-fault return', () => {
    const refund = refundAmount({ ...base, lines: [{ lineNo: 1, reason: 'damaged', quantity: 2, unitPriceCents: 1299 }] });
    expect(refund).toEqual({ linesCents: [{ lineNo: 1, cents: 2598 }], shippingCents: 0, feeCents: 0, totalCents: 2598 });
  });

  it('keeps the restocking fee on changed_mind units only', () => {
    const refund = refundAmount({
      ...base,
      lines: [
        { lineNo: 1, reason: 'changed_mind', quantity: 2, unitPriceCents: 1000 },
        { lineNo: 2, reason: 'not_as_described', quantity: 1, unitPriceCents: 1000 },
      ],
    });
    expect(refund).toEqual({
      linesCents: [
        { lineNo: 1, cents: 1800 },
        { lineNo: 2, cents: 1000 },
      ],
      shippingCents: 0,
      feeCents: 200,
      totalCents: 2800,
    });
  });

  it('rounds the fee down, in the customer\'s favour', () => {
    const refund = refundAmount({ ...base, lines: [{ lineNo: 1, reason: 'changed_mind', quantity: 1, unitPriceCents: 1299 }] });
    expect(refund.feeCents).toBe(129);
    expect(refund.totalCents).toBe(1170);
  });

  it('charges no fee at 0% and keeps everything at 100%', () => {
    const line = { lineNo: 1, reason: 'changed_mind' as const, quantity: 1, unitPriceCents: 800 };
    expect(refundAmount({ ...base, restockingFeePercent: 0, lines: [line] }).totalCents).toBe(800);
    expect(refundAmount({ ...base, restockingFeePercent: 100, lines: [line] })).toMatchObject({ totalCents: 0, feeCents: 800 });
  });

  it('adds the original shipping when every unit of the order came back for a seller-fault reason', () => {
    const lines = [{ lineNo: 1, reason: 'wrong_item' as const, quantity: 1, unitPriceCents: 2000 }];
    expect(refundAmount({ ...base, lines, allUnitsOfOrderReturnedForSellerFault: true })).toEqual({
      linesCents: [{ lineNo: 1, cents: 2000 }],
      shippingCents: 595,
      feeCents: 0,
      totalCents: 2595,
    });
    expect(refundAmount({ ...base, lines }).shippingCents).toBe(0);
  });

  it('refunds nothing for units never received', () => {
    const refund = refundAmount({ ...base, lines: [{ lineNo: 1, reason: 'damaged', quantity: 0, unitPriceCents: 1000 }] });
    expect(refund).toEqual({ linesCents: [{ lineNo: 1, cents: 0 }], shippingCents: 0, feeCents: 0, totalCents: 0 });
  });

  describe('the captured cap', () => {
    it('never refunds more than captured less already refunded', () => {
      const refund = refundAmount({
        ...base,
        lines: [{ lineNo: 1, reason: 'damaged', quantity: 3, unitPriceCents: 1000 }],
        capturedCents: 5000,
        alreadyRefundedCents: 3000,
      });
      expect(refund).toEqual({ linesCents: [{ lineNo: 1, cents: 2000 }], shippingCents: 0, feeCents: 0, totalCents: 2000 });
    });

    it('refunds nothing when everything captured was refunded already (or more, which must not go negative)', () => {
      const lines = [{ lineNo: 1, reason: 'damaged' as const, quantity: 1, unitPriceCents: 1000 }];
      expect(refundAmount({ ...base, lines, capturedCents: 1000, alreadyRefundedCents: 1000 }).totalCents).toBe(0);
      expect(refundAmount({ ...base, lines, capturedCents: 1000, alreadyRefundedCents: 1500 }).totalCents).toBe(0);
      expect(refundAmount({ ...base, lines, capturedCents: 0, alreadyRefundedCents: 0 }).linesCents).toEqual([{ lineNo: 1, cents: 0 }]);
    });

    it('pro-rates lines and shipping in whole cents that add up exactly to the cap', () => {
      const refund = refundAmount({
        ...base,
        lines: [
          { lineNo: 1, reason: 'damaged', quantity: 1, unitPriceCents: 1000 },
          { lineNo: 2, reason: 'damaged', quantity: 1, unitPriceCents: 1000 },
          { lineNo: 3, reason: 'damaged', quantity: 1, unitPriceCents: 1000 },
        ],
        shippingCents: 0,
        capturedCents: 1000,
      });
      expect(refund.linesCents).toEqual([
        { lineNo: 1, cents: 334 },
        { lineNo: 2, cents: 333 },
        { lineNo: 3, cents: 333 },
      ]);
      expect(refund.totalCents).toBe(1000);
    });

    it('gives leftover cents to the largest remainders', () => {
      // Owed 100 + 200 + shipping 700 = 1000, capped at 999: exact shares 99.9, 199.8, 699.3.
      const refund = refundAmount({
        ...base,
        lines: [
          { lineNo: 1, reason: 'damaged', quantity: 1, unitPriceCents: 100 },
          { lineNo: 2, reason: 'damaged', quantity: 1, unitPriceCents: 200 },
        ],
        shippingCents: 700,
        allUnitsOfOrderReturnedForSellerFault: true,
        capturedCents: 999,
      });
      expect(refund).toEqual({
        linesCents: [
          { lineNo: 1, cents: 100 },
          { lineNo: 2, cents: 200 },
        ],
        shippingCents: 699,
        feeCents: 0,
        totalCents: 999,
      });
    });

    it('adds up exactly for awkward amounts', () => {
      const lines = [
        { lineNo: 1, reason: 'changed_mind' as const, quantity: 7, unitPriceCents: 1333 },
        { lineNo: 2, reason: 'damaged' as const, quantity: 3, unitPriceCents: 999 },
        { lineNo: 4, reason: 'other' as const, quantity: 1, unitPriceCents: 1 },
      ];
      for (const capturedCents of [1, 2, 17, 4321, 9998, 12_345]) {
        const refund = refundAmount({ ...base, lines, capturedCents, allUnitsOfOrderReturnedForSellerFault: true });
        expect(sumOf(refund)).toBe(refund.totalCents);
        expect(refund.totalCents).toBeLessThanOrEqual(capturedCents);
        for (const line of refund.linesCents) expect(line.cents).toBeGreaterThanOrEqual(0);
      }
    });

    it('stays exact for amounts whose products pass 2^53', () => {
      const refund = refundAmount({
        ...base,
        lines: [
          { lineNo: 1, reason: 'damaged', quantity: 1, unitPriceCents: 2_000_000_000 },
          { lineNo: 2, reason: 'damaged', quantity: 1, unitPriceCents: 1_000_000_001 },
        ],
        shippingCents: 0,
        capturedCents: 2_999_999_999,
      });
      expect(refund.linesCents).toEqual([
        { lineNo: 1, cents: 1_999_999_999 },
        { lineNo: 2, cents: 1_000_000_000 },
      ]);
    });
  });

  it('several returns of one order together never refund more than captured', () => {
    // An order of 3 x 1000 plus 500 shipping, all captured; three returns of one unit each, all damaged.
    const capturedCents = 3500;
    let alreadyRefundedCents = 0;
    const totals: number[] = [];
    for (const returnNo of [1, 2, 3]) {
      const refund = refundAmount({
        ...base,
        lines: [{ lineNo: 1, reason: 'damaged', quantity: 1, unitPriceCents: 1000 }],
        shippingCents: 500,
        allUnitsOfOrderReturnedForSellerFault: returnNo === 3,
        capturedCents,
        alreadyRefundedCents,
      });
      totals.push(refund.totalCents);
      alreadyRefundedCents += refund.totalCents;
    }
    expect(totals).toEqual([1000, 1000, 1500]);
    expect(alreadyRefundedCents).toBe(capturedCents);
  });

  it('refuses amounts that are not non-negative integers', () => {
    const line = { lineNo: 1, reason: 'damaged' as const, quantity: 1, unitPriceCents: 100 };
    expect(() => refundAmount({ ...base, lines: [{ ...line, quantity: -1 }] })).toThrow(RangeError);
    expect(() => refundAmount({ ...base, lines: [{ ...line, unitPriceCents: 1.5 }] })).toThrow(RangeError);
    expect(() => refundAmount({ ...base, lines: [line], restockingFeePercent: 101 })).toThrow(RangeError);
  });
});

import { type ReturnReason, SELLER_FAULT_REASONS } from './types';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Units of an order line a new return may still take: delivered, less those already received
 * back, less those requested in returns whose parcel has not been received yet (open returns).
 * A return past receipt counts through `returned` only, so its unreceived units become returnable again.
 */
export function returnableQuantity(line: { delivered: number; returned: number; inOpenReturns: number }): number {
  return Math.max(0, line.delivered - line.returned - line.inOpenReturns);
}

/** The last moment a delivered unit may be returned: windowDays whole days after delivery. */
export function returnWindowEnds(deliveredAt: Date, windowDays: number): Date {
  return new Date(deliveredAt.getTime() + windowDays * DAY_MS);
}

/** The window includes its last moment. */
export function isWithinReturnWindow(deliveredAt: Date, windowDays: number, now: Date): boolean {
  return now.getTime() <= returnWindowEnds(deliveredAt, windowDays).getTime();
}

export interface ReturnLineValue {
  reason: ReturnReason;
  quantity: number;
  unitPriceCents: number;
}

/** Rules approve a return when every reason is on the auto list and its value is at most the threshold. */
export function autoApproves(
  lines: ReturnLineValue[],
  policy: { autoApproveReasons: readonly ReturnReason[]; autoApproveMaxCents: number },
): boolean {
  if (lines.length === 0) return false;
  const value = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  return lines.every((line) => policy.autoApproveReasons.includes(line.reason)) && value <= policy.autoApproveMaxCents;
}

export const isSellerFault = (reason: ReturnReason): boolean => SELLER_FAULT_REASONS.includes(reason);

/**
 * Whether every unit the order delivered has come back for a seller-fault reason, counting the
 * accepted units of all its returns (this one included): then its shipping is refunded too.
 */
export function everyUnitReturnedForSellerFault(
  orderLines: { lineNo: number; delivered: number }[],
  acceptedUnits: { lineNo: number; quantity: number; reason: ReturnReason }[],
): boolean {
  const delivered = orderLines.filter((line) => line.delivered > 0);
  if (delivered.length === 0) return false;
  return delivered.every((line) => {
    const backForSellerFault = acceptedUnits
      .filter((unit) => unit.lineNo === line.lineNo && isSellerFault(unit.reason))
      .reduce((sum, unit) => sum + unit.quantity, 0);
    return backForSellerFault >= line.delivered;
  });
}

export interface RefundInput {
  /** quantity: units accepted at inspection (received, whatever their disposition). */
  lines: (ReturnLineValue & { lineNo: number })[];
  restockingFeePercent: number;
  /** The order's original shipping charge. */
  shippingCents: number;
  allUnitsOfOrderReturnedForSellerFault: boolean;
  capturedCents: number;
  /** Everything refunded on the order so far, by any return or cancellation. */
  alreadyRefundedCents: number;
}

export interface RefundBreakdown {
  linesCents: { lineNo: number; cents: number }[];
  shippingCents: number;
  /** The restocking fee kept for changed_mind units. */
  feeCents: number;
  /** The sum of linesCents and shippingCents. */
  totalCents: number;
}

/**
 * What a return refunds: the price paid for accepted units, less the restocking fee on changed_mind
 * units (rounded down, in the customer's favour), plus the original shipping when every unit of the
 * order came back for a seller-fault reason; never more than captured less already refunded. When
 * that cap bites, lines and shipping are cut in proportion, in whole cents that add up exactly.
 */
export function refundAmount(input: RefundInput): RefundBreakdown {
  for (const value of [input.restockingFeePercent, input.shippingCents, input.capturedCents, input.alreadyRefundedCents]) {
    assertNonNegativeInteger(value);
  }
  if (input.restockingFeePercent > 100) throw new RangeError(`restocking fee ${input.restockingFeePercent}% exceeds 100%`);

  let feeCents = 0;
  const lineValues = input.lines.map((line) => {
    assertNonNegativeInteger(line.quantity);
    assertNonNegativeInteger(line.unitPriceCents);
    const paid = line.quantity * line.unitPriceCents;
    const fee = line.reason === 'changed_mind' ? Math.floor((paid * input.restockingFeePercent) / 100) : 0;
    feeCents += fee;
    return paid - fee;
  });
  const shipping = input.allUnitsOfOrderReturnedForSellerFault ? input.shippingCents : 0;

  const owed = lineValues.reduce((sum, cents) => sum + cents, 0) + shipping;
  const refundable = Math.max(0, input.capturedCents - input.alreadyRefundedCents);
  const totalCents = Math.min(owed, refundable);
  const shares = totalCents === owed ? [...lineValues, shipping] : prorate([...lineValues, shipping], totalCents);

  return {
    linesCents: input.lines.map((line, index) => ({ lineNo: line.lineNo, cents: shares[index] })),
    shippingCents: shares[shares.length - 1],
    feeCents,
    totalCents,
  };
}

/**
 * Splits total over parts in proportion to their values, in whole cents summing exactly to total
 * (largest remainder; ties go to the earlier part). BigInt keeps value x total exact.
 */
function prorate(values: number[], total: number): number[] {
  const sum = BigInt(values.reduce((acc, value) => acc + value, 0));
  if (sum === 0n) return values.map(() => 0);
  const exact = values.map((value) => BigInt(value) * BigInt(total));
  const shares = exact.map((product) => Number(product / sum));
  let left = total - shares.reduce((acc, share) => acc + share, 0);
  const byRemainder = exact
    .map((product, index) => ({ index, remainder: product % sum }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of byRemainder) {
    if (left === 0) break;
    shares[index] += 1;
    left -= 1;
  }
  return shares;
}

function assertNonNegativeInteger(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`expected a non-negative integer, got ${value}`);
}

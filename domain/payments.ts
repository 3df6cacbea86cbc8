import type { CaptureMode, LineQuantity, OrderLine } from './types';

export function itemsTotal(lines: OrderLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
}

/**
 * What one shipment is worth: its units at the order's prices, plus the order's shipping
 * charge on the first shipment. Summed over shipments that carry the whole order this equals
 * the order total, so captures never exceed the authorization.
 */
export function shipmentAmount(
  orderLines: OrderLine[],
  shipmentLines: LineQuantity[],
  shippingCents: number,
  isFirstShipment: boolean,
): number {
  const priceOf = new Map(orderLines.map((line) => [line.lineNo, line.unitPriceCents]));
  const goods = shipmentLines.reduce((sum, line) => {
    const price = priceOf.get(line.lineNo);
    if (price === undefined) throw new Error(`shipment line ${line.lineNo} is not an order line`);
    return sum + line.quantity * price;
  }, 0);
  return goods + (isFirstShipment ? shippingCents : 0);
}

export interface PaymentTotals {
  authorized: number;
  captured: number;
  voided: number;
  refunded: number;
}

/**
 * Money to give back once nothing more will ship: the uncaptured rest of the authorization is
 * voided, and with on_order capture (everything charged up front) what did not ship is refunded.
 */
export function settlement(
  totals: PaymentTotals,
  shippedValueCents: number,
  captureMode: CaptureMode,
): { voidCents: number; refundCents: number } {
  const voidCents = Math.max(0, totals.authorized - totals.captured - totals.voided);
  const refundCents = captureMode === 'on_order' ? Math.max(0, totals.captured - totals.refunded - shippedValueCents) : 0;
  return { voidCents, refundCents };
}

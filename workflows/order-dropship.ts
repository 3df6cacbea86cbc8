import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { shipmentAmount } from '../domain/payments';
import type { LineQuantity } from '../domain/types';
import { ShipmentSummary, shipmentId, shipmentWorkflowId } from './definitions';
import { dropshipShipmentWorkflow } from './dropship-shipment';
import { addCancelled, dropshipUnitsWaiting, note, OrderRun } from './order-state';
import { ShipmentOverdueKey, ShipmentStatusKey } from './search-attributes';

/** A supplier that refused is asked again this long after, until the order's backorder deadline. */
export const DROPSHIP_RETRY_MS = 24 * 3_600_000;

/** The order's lines routed at intake to a supplier: never reserved, shipped by the supplier. */
export function dropshipLines(o: OrderRun): LineQuantity[] {
  return o.input.lines.filter((line) => line.dropshipSupplierId).map(({ lineNo, sku, quantity }) => ({ lineNo, sku, quantity }));
}

/** One dropship shipment per supplier of these lines; `free` ones replace a lost parcel and charge nothing. */
export async function startDropshipShipments(o: OrderRun, lines: LineQuantity[], { free = false } = {}): Promise<void> {
  const { input, s } = o;
  const supplierOf = (line: LineQuantity) => input.lines.find((orderLine) => orderLine.lineNo === line.lineNo)!.dropshipSupplierId!;
  const suppliers = [...new Set(lines.map(supplierOf))];
  for (const supplierId of suppliers) {
    const shipmentNo = s.shipments.length + 1;
    const supplierLines = lines.filter((line) => supplierOf(line) === supplierId);
    // Shipping is charged once, with the first shipment; a retry after refusals only is that first one.
    const chargesShipping = s.shipments.every((shipment) => shipment.status === 'FAILED' || shipment.status === 'CANCELLED');
    const summary: ShipmentSummary = {
      shipmentNo,
      shipmentId: shipmentId(input.orderId, shipmentNo),
      workflowId: shipmentWorkflowId(input.orderId, shipmentNo),
      supplierId,
      status: 'AWAITING_SUPPLIER',
      lines: supplierLines,
      amountCents: free ? 0 : shipmentAmount(input.lines, supplierLines, input.shippingCents, chargesShipping),
    };
    s.shipments.push(summary);
    await startChild(dropshipShipmentWorkflow, {
      workflowId: summary.workflowId,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: ShipmentStatusKey, value: 'AWAITING_SUPPLIER' },
        { key: ShipmentOverdueKey, value: false },
      ],
      args: [
        {
          orderId: input.orderId,
          shipmentNo,
          shipmentId: summary.shipmentId,
          supplierId,
          lines: supplierLines,
          amountCents: summary.amountCents,
          currency: input.currency,
          captureOnShip: input.captureMode === 'on_shipment',
        },
      ],
    });
  }
}

/**
 * A supplier refused lines of an order that accepts backorders (`wait`, `partial`): they wait, and
 * the supplier is asked again later. A `reject` order cancels them instead (the caller does).
 */
export function backorderDropship(o: OrderRun, lines: LineQuantity[]): void {
  (o.s.dropshipWaiting ??= []).push({ lines, retryAt: new Date(Date.now() + DROPSHIP_RETRY_MS).toISOString() });
}

/** Milliseconds until the next retry or the deadline, whichever is first; undefined with nothing waiting. */
export function untilDropshipRetry(o: OrderRun): number | undefined {
  const waiting = o.s.dropshipWaiting ?? [];
  if (waiting.length === 0) return undefined;
  const next = Math.min(Date.parse(o.input.backorderDeadline), ...waiting.map((entry) => Date.parse(entry.retryAt)));
  return Math.max(0, next - Date.now());
}

/** Asks the suppliers again for the lines whose retry is due; past the backorder deadline the lines are cancelled. */
export async function retryDropship(o: OrderRun): Promise<void> {
  const { input, s } = o;
  const now = Date.now();
  const waiting = s.dropshipWaiting ?? [];
  if (now >= Date.parse(input.backorderDeadline)) {
    if (waiting.length === 0) return;
    note(s, 'dropship_backorder_expired', `${dropshipUnitsWaiting(s)} unit(s)`);
    for (const entry of waiting) addCancelled(s, entry.lines);
    s.dropshipWaiting = [];
    s.closingDetail ??= { reason: 'backorder_deadline_passed' };
    return;
  }
  const due = waiting.filter((entry) => Date.parse(entry.retryAt) <= now);
  if (due.length === 0) return;
  s.dropshipWaiting = waiting.filter((entry) => Date.parse(entry.retryAt) > now);
  await startDropshipShipments(o, due.flatMap((entry) => entry.lines));
}

/** A cancellation takes the backordered dropship lines with it. */
export function cancelDropshipWaiting(o: OrderRun): number {
  const cancelled = dropshipUnitsWaiting(o.s);
  for (const entry of o.s.dropshipWaiting ?? []) addCancelled(o.s, entry.lines);
  o.s.dropshipWaiting = [];
  return cancelled;
}

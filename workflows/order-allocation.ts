import { ActivityFailure, allHandlersFinished, condition, ParentClosePolicy, patched, startChild } from '@temporalio/workflow';
import type { AuthorizationOutcome } from '../activities/payments';
import type { AllocatedShipment } from '../activities/inventory';
import { shipmentAmount } from '../domain/payments';
import type { OrderStatus } from '../domain/types';
import { FailureReason, ShipmentSummary, shipmentId, shipmentWorkflowId } from './definitions';
import { addCancelled, continueAsNewIfDue, db, gateway, OrderRun, recordDerivedStatus, recordStatus, units } from './order-state';
import { dropshipLines, startDropshipShipments } from './order-dropship';
import { settle } from './order-fulfilment';
import { ShipmentOverdueKey, ShipmentStatusKey } from './search-attributes';
import { shipmentWorkflow } from './shipment';

/** Stock that arrived between a failed reservation and the BACKORDERED row woke no one: look again. */
const RECHECK_AFTER_BACKORDER = 'recheck-after-backorder';
/** Patch: the re-check leaves the stock to older waiting orders (through a wake-up, oldest first). */
const RECHECK_YIELDS_TO_OLDER = 'recheck-yields-to-older';

/** Reserve, authorize, start the first shipments. Returns a final status when the order ends here. */
export async function openOrder(o: OrderRun): Promise<OrderStatus | undefined> {
  const { input, s } = o;
  const first = await reserve(o);
  if (first.shortfall.length > 0 && input.backorderPolicy === 'reject') {
    return close(o, 'REJECTED', { reason: 'insufficient_stock', shortfall: first.shortfall });
  }
  if (s.cancellation) {
    await db.releaseReservations({ orderId: input.orderId });
    return close(o, 'CANCELLED', { reason: s.cancellation.reason });
  }

  const authorization = await authorize(o);
  if (!authorization.approved) {
    s.payment = { state: 'declined', authorizedCents: 0, declineCode: authorization.declineCode };
    await db.releaseReservations({ orderId: input.orderId });
    return close(o, 'PAYMENT_DECLINED', { declineCode: authorization.declineCode });
  }
  s.payment = { state: 'authorized', authorizedCents: authorization.amountCents };
  if (input.captureMode === 'on_order') {
    const capture = await gateway.capturePayment({ orderId: input.orderId, amountCents: input.totalCents });
    // Histories from before captures could be declined recorded no answer.
    if (capture?.approved === false) {
      await db.releaseReservations({ orderId: input.orderId });
      await settle(o);
      return close(o, 'PAYMENT_DECLINED', { declineCode: capture.declineCode });
    }
  }
  if (cancelRequested(o)) {
    await db.releaseReservations({ orderId: input.orderId });
    await settle(o);
    return close(o, 'CANCELLED', { reason: s.cancellation!.reason });
  }

  await startShipments(o, first.allocations);
  await startDropshipShipments(o, dropshipLines(o));
  return undefined;
}

/** A gateway unreachable past the bound declines like a card would, with its own code. */
async function authorize(o: OrderRun): Promise<AuthorizationOutcome> {
  const { input } = o;
  try {
    return await gateway.authorizePayment({ orderId: input.orderId, amountCents: input.totalCents, currency: input.currency });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return { approved: false, declineCode: FailureReason.gatewayUnavailable, message: error.cause?.message ?? error.message };
  }
}

/**
 * Backordered units wait for a stock wake-up until the deadline, then are cancelled. Right after
 * the order records that it waits it looks once more, so no receipt falls into the gap.
 */
export async function waitForStock(o: OrderRun): Promise<void> {
  const { input, s } = o;
  while (units(s.waitingForStock) > 0 && !s.cancellation) {
    const justBackordered = s.status !== 'BACKORDERED';
    await recordDerivedStatus(o);
    if (justBackordered && patched(RECHECK_AFTER_BACKORDER)) {
      await reserveAndShip(o, { yieldToOlderWaiters: patched(RECHECK_YIELDS_TO_OLDER) });
      continue;
    }
    const untilDeadline = Date.parse(input.backorderDeadline) - Date.now();
    const woken =
      untilDeadline > 0 && (await condition(() => s.wakeRequests > s.wakesAnswered || s.cancellation !== undefined, untilDeadline));
    if (s.cancellation) return;
    if (!woken) {
      addCancelled(s, s.waitingForStock);
      s.waitingForStock = [];
      // With nothing reserved the order ends here; its final status is recorded once payment is settled.
      if (s.shipments.length > 0) await recordDerivedStatus(o, { reason: 'backorder_deadline_passed' });
      else s.closingDetail = { reason: 'backorder_deadline_passed' };
      return;
    }
    await answerWakes(o);
    await continueAsNewIfDue(o, () => answerWakes(o));
  }
}

/** One reservation attempt for every wake-up received so far; their updates then return. */
export async function answerWakes(o: OrderRun): Promise<void> {
  const answering = o.s.wakeRequests;
  if (units(o.s.waitingForStock) > 0 && !o.s.cancellation) await reserveAndShip(o);
  o.s.wakesAnswered = answering;
}

async function reserveAndShip(o: OrderRun, options: { yieldToOlderWaiters?: boolean } = {}): Promise<void> {
  const next = await reserve(o, options);
  await startShipments(o, next.allocations);
}

async function reserve(o: OrderRun, { yieldToOlderWaiters = false } = {}) {
  const { input, s } = o;
  // An order of dropshipped lines only has nothing to take from our stock.
  if (s.waitingForStock.length === 0) return { allocations: [], shortfall: [] };
  s.allocationNo += 1;
  const result = await db.reserveStock({
    orderId: input.orderId,
    allocationNo: s.allocationNo,
    lines: s.waitingForStock,
    allowPartial: input.backorderPolicy === 'partial',
    ...(yieldToOlderWaiters ? { yieldToOlderWaiters } : {}),
  });
  s.waitingForStock = result.shortfall;
  return result;
}

/** One Shipment child per allocation; `free` ones replace a lost parcel and charge nothing. */
export async function startShipments(o: OrderRun, allocations: AllocatedShipment[], { free = false } = {}): Promise<void> {
  const { input, s } = o;
  for (const allocation of allocations) {
    const shipmentNo = s.shipments.length + 1;
    const summary: ShipmentSummary = {
      shipmentNo,
      shipmentId: shipmentId(input.orderId, shipmentNo),
      workflowId: shipmentWorkflowId(input.orderId, shipmentNo),
      locationId: allocation.locationId,
      status: 'AWAITING_PICK',
      lines: allocation.lines.map(({ lineNo, sku, quantity }) => ({ lineNo, sku, quantity })),
      amountCents: free ? 0 : shipmentAmount(input.lines, allocation.lines, input.shippingCents, shipmentNo === 1),
    };
    s.shipments.push(summary);
    await startChild(shipmentWorkflow, {
      workflowId: summary.workflowId,
      // Shipments outlive an order run that continues as new; they report back by signal.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: ShipmentStatusKey, value: 'AWAITING_PICK' },
        { key: ShipmentOverdueKey, value: false },
      ],
      args: [
        {
          orderId: input.orderId,
          shipmentNo,
          shipmentId: summary.shipmentId,
          allocationNo: s.allocationNo,
          locationId: allocation.locationId,
          fulfillmentMode: allocation.fulfillmentMode,
          lines: allocation.lines,
          amountCents: summary.amountCents,
          currency: input.currency,
          captureOnShip: input.captureMode === 'on_shipment',
        },
      ],
    });
  }
}

/** Ends the order before any shipment: every unit is cancelled, pending wake-ups and a cancel are answered. */
async function close(o: OrderRun, status: OrderStatus, detail: Record<string, unknown>): Promise<OrderStatus> {
  const { input, s } = o;
  for (const line of input.lines) s.cancelledUnits[line.lineNo] = line.quantity;
  const cancelledBackorderUnits = units(s.waitingForStock);
  s.waitingForStock = [];
  await recordStatus(o, status, detail);
  if (s.cancellation) {
    s.cancellation.result = { outcome: 'cancelled', status, cancelledShipments: [], shippedShipments: [], cancelledBackorderUnits };
  }
  await condition(allHandlersFinished);
  return status;
}

/** Read through a function: handlers change it while the main flow awaits. */
function cancelRequested(o: OrderRun): boolean {
  return o.s.cancellation !== undefined;
}

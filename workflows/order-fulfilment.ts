import { ActivityFailure, condition, log } from '@temporalio/workflow';
import { shipmentAmount } from '../domain/payments';
import { hasShipped, isFinalShipment } from '../domain/status';
import { cancelOrder } from './order-cancellation';
import { answerWakes, startShipments } from './order-allocation';
import { retryDropship, startDropshipShipments, untilDropshipRetry } from './order-dropship';
import { continueAsNewIfDue, db, derivedStatus, gateway, note, OrderRun, recordDerivedStatus } from './order-state';

/** Follows the shipments until each is delivered, cancelled, failed or lost; the final status is recorded after settling. */
export async function followShipments(o: OrderRun): Promise<void> {
  const { s } = o;
  for (;;) {
    if (s.cancellation && !s.cancellation.result) await cancelOrder(o);
    if (s.lostToResolve?.length) await resolveLostParcels(o);
    if (s.dropshipWaiting?.length) await retryDropship(o);
    if (allEnded(o)) return;
    await recordDerivedStatus(o);
    // State, not a counter read after an await: progress that arrived meanwhile is never missed.
    const progressed = () =>
      derivedStatus(s) !== s.status ||
      allEnded(o) ||
      (s.cancellation !== undefined && !s.cancellation.result) ||
      Boolean(s.lostToResolve?.length);
    // Only an order with refused dropship lines waits on a clock here (histories from before never do).
    const untilRetry = untilDropshipRetry(o);
    if (untilRetry === undefined) await condition(progressed);
    else await condition(progressed, untilRetry);
    await continueAsNewIfDue(o, () => answerWakes(o));
  }
}

/** Every shipment is final and no refused dropship line waits to be asked for again. */
function allEnded({ s }: OrderRun): boolean {
  return s.shipments.every((shipment) => isFinalShipment(shipment.status)) && !s.dropshipWaiting?.length;
}

/**
 * A lost parcel is refunded, or shipped again free of charge from whatever stock there is now;
 * units that cannot be replaced at once are refunded instead of waiting.
 */
async function resolveLostParcels(o: OrderRun): Promise<void> {
  const { input, s } = o;
  for (const lost of s.lostToResolve!.splice(0)) {
    const shipment = s.shipments.find((candidate) => candidate.shipmentNo === lost.shipmentNo)!;
    let refundCents = shipment.amountCents;
    if (lost.resolution === 'replace' && shipment.supplierId) {
      // The supplier sends the same units again.
      await startDropshipShipments(o, shipment.lines, { free: true });
      refundCents = 0;
      note(s, 'lost_parcel_replaced', `shipment ${shipment.shipmentNo}`);
    } else if (lost.resolution === 'replace') {
      s.allocationNo += 1;
      const replacement = await db.reserveStock({ orderId: input.orderId, allocationNo: s.allocationNo, lines: shipment.lines, allowPartial: true });
      await startShipments(o, replacement.allocations, { free: true });
      refundCents = Math.min(shipment.amountCents, shipmentAmount(input.lines, replacement.shortfall, 0, false));
      note(s, 'lost_parcel_replaced', `shipment ${shipment.shipmentNo}`);
    }
    if (refundCents > 0 && s.payment.state === 'authorized') {
      await gateway.refundShipment({ orderId: input.orderId, shipmentId: shipment.shipmentId, amountCents: refundCents });
      note(s, 'lost_parcel_refunded', `shipment ${shipment.shipmentNo}: ${refundCents} cents`);
    }
  }
}

/** Voids or refunds what will not be charged; safe to repeat. A gateway down past the bound is noted, not fatal. */
export async function settle(o: OrderRun): Promise<void> {
  const { input, s } = o;
  if (s.payment.state !== 'authorized') return;
  const shippedValueCents = s.shipments
    .filter((shipment) => hasShipped(shipment.status))
    .reduce((sum, shipment) => sum + shipment.amountCents, 0);
  // Everything authorized shipped and was captured per shipment: nothing to give back.
  if (input.captureMode === 'on_shipment' && shippedValueCents === s.payment.authorizedCents) return;
  s.settlements += 1;
  try {
    await gateway.settlePayment({ orderId: input.orderId, captureMode: input.captureMode, shippedValueCents, settlementNo: s.settlements });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    // The authorization lapses at the issuer on its own; ops see the note and the payments table.
    log.error('settlement failed', { orderId: input.orderId, error: String(error.cause ?? error) });
    note(s, 'settlement_failed', String(error.cause?.message ?? error.message));
  }
}

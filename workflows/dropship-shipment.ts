import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PlacedDropshipOrder } from '../activities/dropship';
import { isCancellableShipment } from '../domain/status';
import { externalServiceActivity } from './activity-options';
import { db } from './database';
import {
  BusinessFailure,
  cancelShipmentSignal,
  carrierEventSignal,
  DropshipShipmentInput,
  dropshipShippedSignal,
  FailureReason,
  ShipmentResult,
  dropshipStatusQuery,
  DropshipShipmentView,
} from './definitions';
import { ShipmentOverdueKey } from './search-attributes';
import { cancel, captureShare, fail, followCarrier, lose, moveTo, ShipmentState } from './shipment';

// Every retry is bounded (scheduleToCloseTimeout in activity-options.ts).
const external = proxyActivities<Activities>(externalServiceActivity);

interface DropshipState extends ShipmentState {
  /** The supplier's webhook said it shipped. */
  shipped?: { trackingNumber: string; carrier: string };
}

/**
 * Dropshipped lines of one order, sent by one supplier: place the order with the supplier (a
 * refusal, or a supplier unreachable past the bound, ends it FAILED with nothing charged) -> wait
 * for its shipped webhook (a cancellation first asks the supplier to cancel; one that already
 * shipped goes on) -> capture the share -> SHIPPED (order lines counted, what we owe the supplier
 * recorded) -> the supplier's tracking events, applied like a carrier's. One delivery deadline runs
 * from placement, so a supplier that never ships is flagged overdue for ops too.
 */
export async function dropshipShipmentWorkflow(input: DropshipShipmentInput, resumed?: DropshipState): Promise<ShipmentResult> {
  const s: DropshipState = resumed ?? { status: 'AWAITING_SUPPLIER', progress: -1, appliedEventIds: [], packed: {}, overdue: false, inbox: [] };
  registerHandlers(input, s);

  if (!resumed) {
    const placed = await place(input, s);
    if (!placed) return fail(input, s);
    s.lostAfterHours = placed.lostAfterHours;
    s.lostResolution = placed.lostResolution;
    s.deliveryDeadline = new Date(Date.now() + placed.deliveryWithinHours * 3_600_000).toISOString();

    await awaitShipped(input, s);
    if (!s.shipped) {
      if ((await cancelWithSupplier(input)) === 'cancelled') return cancel(input, s);
      // The supplier had already shipped: its webhook is on the way.
      await condition(() => s.shipped !== undefined);
    }
    if (input.captureOnShip && !(await captureShare(input, s))) {
      log.error('capture declined after the supplier shipped; the parcel ships unpaid', { shipmentId: input.shipmentId });
    }
    await db.recordDropshipShipped({ shipmentId: input.shipmentId, orderId: input.orderId, supplierId: input.supplierId, ...s.shipped! });
    s.trackingNumber = s.shipped!.trackingNumber;
    await moveTo(input, s, 'SHIPPED');
  }

  await followCarrier(input, s);
  if (s.lost) return lose(input, s);
  await condition(allHandlersFinished);
  return { shipmentNo: input.shipmentNo, status: 'DELIVERED' };
}

async function place(input: DropshipShipmentInput, s: DropshipState): Promise<PlacedDropshipOrder | undefined> {
  try {
    return await external.placeDropshipOrder(input);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const refused = error.cause instanceof ApplicationFailure && error.cause.type === BusinessFailure.supplierRefused;
    s.failureReason = refused ? FailureReason.supplierRefused : FailureReason.supplierUnavailable;
    log.warn('dropship order not placed', { shipmentId: input.shipmentId, reason: s.failureReason, error: String(error.cause?.message ?? error.message) });
    return undefined;
  }
}

/** Until the supplier ships or a cancellation arrives; past the delivery deadline the shipment is flagged overdue and waits on. */
async function awaitShipped(input: DropshipShipmentInput, s: DropshipState): Promise<void> {
  const moved = () => s.shipped !== undefined || s.cancelReason !== undefined;
  if (await condition(moved, Math.max(0, Date.parse(s.deliveryDeadline!) - Date.now()))) return;
  s.overdue = true;
  if (s.lostAfterHours !== undefined) s.lostDeadline = new Date(Date.now() + s.lostAfterHours * 3_600_000).toISOString();
  upsertSearchAttributes([{ key: ShipmentOverdueKey, value: true }]);
  await db.markShipmentOverdue({ shipmentId: input.shipmentId, orderId: input.orderId });
  await condition(moved);
}

/** A supplier unreachable past the bound cannot confirm: the shipment closes here and ops are told to cancel with the supplier. */
async function cancelWithSupplier(input: DropshipShipmentInput): Promise<'cancelled' | 'shipped'> {
  try {
    return await external.cancelDropshipOrder({ shipmentId: input.shipmentId });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.error('dropship order not cancelled with the supplier; cancel it in the supplier account', {
      shipmentId: input.shipmentId,
      supplierId: input.supplierId,
      error: String(error.cause?.message ?? error.message),
    });
    return 'cancelled';
  }
}

function registerHandlers(input: DropshipShipmentInput, s: DropshipState): void {
  setHandler(dropshipStatusQuery, () => view(input, s));
  setHandler(dropshipShippedSignal, (shipped) => {
    s.shipped ??= shipped;
  });
  setHandler(carrierEventSignal, (event) => {
    s.inbox.push(event);
  });
  setHandler(cancelShipmentSignal, ({ reason }) => {
    if (isCancellableShipment(s.status) && s.cancelReason === undefined) s.cancelReason = reason;
  });
}

function view(input: DropshipShipmentInput, s: DropshipState): DropshipShipmentView {
  return {
    shipmentId: input.shipmentId,
    orderId: input.orderId,
    shipmentNo: input.shipmentNo,
    supplierId: input.supplierId,
    status: s.status,
    lines: input.lines,
    trackingNumber: s.trackingNumber,
    overdue: s.overdue,
    failureReason: s.failureReason,
  };
}

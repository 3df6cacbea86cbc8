import { ApplicationFailure, condition, getExternalWorkflowHandle, setHandler } from '@temporalio/workflow';
import { hasShipped, isCancellableShipment, isFinalOrder } from '../domain/status';
import { CancelResult, cancelOrderUpdate, cancelShipmentSignal, Refusal } from './definitions';
import { settle } from './order-fulfilment';
import { cancelDropshipWaiting } from './order-dropship';
import { addCancelled, dropshipUnitsWaiting, OrderRun, recordDerivedStatus, units } from './order-state';

/** The cancel update: validated at once, answered once the cancellation has taken effect. */
export function handleCancellation(o: OrderRun): void {
  const { input, s } = o;
  setHandler(
    cancelOrderUpdate,
    async ({ reason }) => {
      s.cancellation ??= { reason };
      await condition(() => s.cancellation?.result !== undefined);
      const result: CancelResult = s.cancellation.result!;
      if (result.cancelledShipments.length === 0 && result.cancelledBackorderUnits === 0 && result.status !== 'CANCELLED') {
        throw ApplicationFailure.create({
          type: Refusal.orderNotCancellable,
          message: `order ${input.orderId}: every shipment left the warehouse before the cancellation took effect`,
          nonRetryable: true,
        });
      }
      return result;
    },
    { validator: (_request) => refuseUnlessCancellable(o) },
  );
}

/** Cancels whatever has not left the warehouse yet; shipments already shipped go on to delivery. */
export async function cancelOrder(o: OrderRun): Promise<void> {
  const { s } = o;
  const reason = s.cancellation!.reason;
  const cancelledBackorderUnits = units(s.waitingForStock) + cancelDropshipWaiting(o);
  addCancelled(s, s.waitingForStock);
  s.waitingForStock = [];

  const targets = s.shipments.filter((shipment) => isCancellableShipment(shipment.status));
  for (const target of targets) {
    await getExternalWorkflowHandle(target.workflowId).signal(cancelShipmentSignal, { reason });
  }
  // Each shipment answers CANCELLED, SHIPPED when the parcel left before the request arrived, or FAILED.
  await condition(() => targets.every((target) => !isCancellableShipment(target.status)));

  const cancelled = targets.filter((target) => target.status === 'CANCELLED');
  for (const shipment of cancelled) addCancelled(s, shipment.lines);
  const shipped = s.shipments.filter((shipment) => hasShipped(shipment.status));
  await settle(o);
  await recordDerivedStatus(o, { reason: 'cancelled', detail: reason });
  s.cancellation!.result = {
    outcome: shipped.length === 0 ? 'cancelled' : 'partially_cancelled',
    status: s.status,
    cancelledShipments: cancelled.map((shipment) => shipment.shipmentNo),
    shippedShipments: shipped.map((shipment) => shipment.shipmentNo),
    cancelledBackorderUnits,
  };
}

function refuseUnlessCancellable(o: OrderRun): void {
  const { input, s } = o;
  const refuse = (why: string) => {
    throw ApplicationFailure.create({ type: Refusal.orderNotCancellable, message: `order ${input.orderId} ${why}`, nonRetryable: true });
  };
  if (isFinalOrder(s.status)) refuse(`is ${s.status}; nothing is left to cancel`);
  if (s.cancellation?.result) refuse('was already cancelled');
  const started = s.payment.state !== 'pending';
  const cancellable =
    !started ||
    units(s.waitingForStock) + dropshipUnitsWaiting(s) > 0 ||
    s.shipments.some((shipment) => isCancellableShipment(shipment.status));
  if (!cancellable) refuse(`is ${s.status}: every shipment has left the warehouse`);
}

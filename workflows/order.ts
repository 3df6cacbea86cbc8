import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import type { OrderStatus } from '../domain/types';
import { FailureReason, OrderInput, orderStatusQuery, shipmentProgressSignal, stockAvailableUpdate } from './definitions';
import { openOrder, waitForStock } from './order-allocation';
import { handleCancellation } from './order-cancellation';
import { backorderDropship } from './order-dropship';
import { followShipments, settle } from './order-fulfilment';
import { addCancelled, newOrderState, note, OrderRun, OrderState, recordDerivedStatus, units } from './order-state';

/**
 * An order from acceptance to delivery: reserve stock (or wait for it, per the backorder policy),
 * authorize payment, run one Shipment child per warehouse, and finish when every shipment is
 * delivered, cancelled, failed or lost. Cancellation is an update that answers what it achieved.
 */
export async function orderWorkflow(input: OrderInput, resumed?: OrderState): Promise<OrderStatus> {
  const o: OrderRun = { input, s: resumed ?? newOrderState(input) };
  handleQueries(o);
  handleCancellation(o);
  handleStockWakeUps(o);
  handleShipmentProgress(o);

  if (!resumed) {
    const closedEarly = await openOrder(o);
    if (closedEarly) return closedEarly;
  }
  await waitForStock(o);
  await followShipments(o);
  await settle(o);
  await recordDerivedStatus(o, o.s.closingDetail);
  await condition(allHandlersFinished);
  return o.s.status;
}

function handleQueries({ input, s }: OrderRun): void {
  setHandler(orderStatusQuery, () => {
    const { status, waitingForStock, shipments, payment, cancellation, timeline } = s;
    return { orderId: input.orderId, status, waitingForStock, shipments, payment, cancellation, timeline };
  });
}

/** Stock arrived for a SKU the order waits for: the update returns once the main flow has tried to reserve. */
function handleStockWakeUps({ s }: OrderRun): void {
  setHandler(stockAvailableUpdate, async () => {
    const ticket = ++s.wakeRequests;
    await condition(() => s.wakesAnswered >= ticket || units(s.waitingForStock) === 0 || s.cancellation !== undefined);
    return { status: s.status, waitingUnits: units(s.waitingForStock) };
  });
}

/** Shipments report their milestones; a failed one's units will never ship, a lost one is resolved by the main flow. */
function handleShipmentProgress(o: OrderRun): void {
  const { s } = o;
  setHandler(shipmentProgressSignal, (progress) => {
    const shipment = s.shipments.find((candidate) => candidate.shipmentNo === progress.shipmentNo);
    if (!shipment || shipment.status === progress.status) return;
    shipment.status = progress.status;
    shipment.trackingNumber = progress.trackingNumber ?? shipment.trackingNumber;
    if (progress.status === 'FAILED') {
      shipment.failureReason = progress.reason;
      if (shipment.supplierId && progress.reason === FailureReason.supplierRefused && o.input.backorderPolicy !== 'reject') {
        shipment.backordered = true;
        backorderDropship(o, shipment.lines);
      } else {
        s.failureReason ??= progress.reason;
        addCancelled(s, shipment.lines);
      }
    }
    if (progress.status === 'LOST') {
      (s.lostToResolve ??= []).push({ shipmentNo: shipment.shipmentNo, resolution: progress.resolution ?? 'refund' });
    }
    note(s, `shipment_${progress.status.toLowerCase()}`, `shipment ${progress.shipmentNo}${progress.reason ? `: ${progress.reason}` : ''}`);
  });
}

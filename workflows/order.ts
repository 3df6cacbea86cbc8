import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AllocatedShipment } from '../activities/inventory';
import { shipmentAmount } from '../domain/payments';
import { hasShipped, isCancellableShipment, isFinalOrder, isFinalShipment, orderStatusFromShipments } from '../domain/status';
import type { LineQuantity, OrderStatus } from '../domain/types';
import {
  CancelResult,
  cancelOrderUpdate,
  cancelShipmentSignal,
  OrderInput,
  orderStatusQuery,
  OrderView,
  Refusal,
  ShipmentSummary,
  shipmentId,
  shipmentProgressSignal,
  shipmentWorkflowId,
  stockAvailableUpdate,
} from './definitions';
import { OrderStatusKey, ShipmentOverdueKey, ShipmentStatusKey } from './search-attributes';
import { shipmentWorkflow } from './shipment';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Everything the order knows; plain data so it survives continue-as-new. */
interface OrderState extends Omit<OrderView, 'orderId'> {
  allocationNo: number;
  /** Units per line that will never ship (cancelled, expired, rejected). */
  cancelledUnits: Record<number, number>;
  wakeRequests: number;
  wakesAnswered: number;
  statusChanges: number;
  settlements: number;
  /** Why the order ends, for the timeline entry of its final status. */
  closingDetail?: Record<string, unknown>;
}

const TIMELINE_LENGTH = 100;

/**
 * An order from acceptance to delivery: reserve stock (or wait for it, per the backorder
 * policy), authorize payment, run one Shipment child per warehouse, and finish when every
 * shipment is delivered or cancelled. Cancellation is an update that answers what it achieved.
 */
export async function orderWorkflow(input: OrderInput, resumed?: OrderState): Promise<OrderStatus> {
  const s: OrderState = resumed ?? {
    status: 'ACCEPTED',
    waitingForStock: input.lines.map(({ lineNo, sku, quantity }) => ({ lineNo, sku, quantity })),
    shipments: [],
    payment: { state: 'pending', authorizedCents: 0 },
    timeline: [],
    allocationNo: 0,
    cancelledUnits: {},
    wakeRequests: 0,
    wakesAnswered: 0,
    statusChanges: 0,
    settlements: 0,
  };
  registerHandlers(input, s);

  if (!resumed) {
    const closedEarly = await openOrder(input, s);
    if (closedEarly) return closedEarly;
  }
  await waitForStock(input, s);
  await followShipments(input, s);
  await settle(input, s);
  await updateStatus(input, s, s.closingDetail);
  await condition(allHandlersFinished);
  return s.status;
}

/** Reserve, authorize, start the first shipments. Returns a final status when the order ends here. */
async function openOrder(input: OrderInput, s: OrderState): Promise<OrderStatus | undefined> {
  const first = await reserve(input, s);
  if (first.shortfall.length > 0 && input.backorderPolicy === 'reject') {
    return close(input, s, 'REJECTED', { reason: 'insufficient_stock', shortfall: first.shortfall });
  }
  if (s.cancellation) {
    await acts.releaseReservations({ orderId: input.orderId });
    return close(input, s, 'CANCELLED', { reason: s.cancellation.reason });
  }

  const authorization = await acts.authorizePayment({ orderId: input.orderId, amountCents: input.totalCents, currency: input.currency });
  if (!authorization.approved) {
    s.payment = { state: 'declined', authorizedCents: 0, declineCode: authorization.declineCode };
    await acts.releaseReservations({ orderId: input.orderId });
    return close(input, s, 'PAYMENT_DECLINED', { declineCode: authorization.declineCode });
  }
  s.payment = { state: 'authorized', authorizedCents: authorization.amountCents };
  if (input.captureMode === 'on_order') await acts.capturePayment({ orderId: input.orderId, amountCents: input.totalCents });
  if (cancelRequested(s)) {
    await acts.releaseReservations({ orderId: input.orderId });
    await settle(input, s);
    return close(input, s, 'CANCELLED', { reason: s.cancellation!.reason });
  }

  await startShipments(input, s, first.allocations);
  return undefined;
}

/** Backordered units wait for a stock wake-up until the deadline, then are cancelled. */
async function waitForStock(input: OrderInput, s: OrderState): Promise<void> {
  while (units(s.waitingForStock) > 0 && !s.cancellation) {
    await updateStatus(input, s);
    const untilDeadline = Date.parse(input.backorderDeadline) - Date.now();
    const woken =
      untilDeadline > 0 && (await condition(() => s.wakeRequests > s.wakesAnswered || s.cancellation !== undefined, untilDeadline));
    if (s.cancellation) return;
    if (!woken) {
      addCancelled(s, s.waitingForStock);
      s.waitingForStock = [];
      // With nothing reserved the order ends here; its final status is recorded once payment is settled.
      if (s.shipments.length > 0) await updateStatus(input, s, { reason: 'backorder_deadline_passed' });
      else s.closingDetail = { reason: 'backorder_deadline_passed' };
      return;
    }
    const answering = s.wakeRequests;
    const next = await reserve(input, s);
    await startShipments(input, s, next.allocations);
    s.wakesAnswered = answering;
    await continueAsNewIfSuggested(input, s);
  }
}

/** Follows the shipments until each is delivered or cancelled; the final status is recorded after settling. */
async function followShipments(input: OrderInput, s: OrderState): Promise<void> {
  for (;;) {
    if (s.cancellation && !s.cancellation.result) await cancelOrder(input, s);
    if (s.shipments.every((shipment) => isFinalShipment(shipment.status))) return;
    await updateStatus(input, s);
    // State, not a counter read after an await: progress that arrived meanwhile is never missed.
    await condition(
      () =>
        derivedStatus(s) !== s.status ||
        s.shipments.every((shipment) => isFinalShipment(shipment.status)) ||
        (s.cancellation !== undefined && !s.cancellation.result),
    );
    await continueAsNewIfSuggested(input, s);
  }
}

/** Cancels whatever has not left the warehouse yet; shipments already shipped go on to delivery. */
async function cancelOrder(input: OrderInput, s: OrderState): Promise<void> {
  const reason = s.cancellation!.reason;
  const cancelledBackorderUnits = units(s.waitingForStock);
  addCancelled(s, s.waitingForStock);
  s.waitingForStock = [];

  const targets = s.shipments.filter((shipment) => isCancellableShipment(shipment.status));
  for (const target of targets) {
    await getExternalWorkflowHandle(target.workflowId).signal(cancelShipmentSignal, { reason });
  }
  // Each shipment answers CANCELLED, or SHIPPED when the parcel left before the request arrived.
  await condition(() => targets.every((target) => target.status === 'CANCELLED' || hasShipped(target.status)));

  const cancelled = targets.filter((target) => target.status === 'CANCELLED');
  for (const shipment of cancelled) addCancelled(s, shipment.lines);
  const shipped = s.shipments.filter((shipment) => hasShipped(shipment.status));
  await settle(input, s);
  await updateStatus(input, s, { reason: 'cancelled', detail: reason });
  s.cancellation!.result = {
    outcome: shipped.length === 0 ? 'cancelled' : 'partially_cancelled',
    status: s.status,
    cancelledShipments: cancelled.map((shipment) => shipment.shipmentNo),
    shippedShipments: shipped.map((shipment) => shipment.shipmentNo),
    cancelledBackorderUnits,
  };
}

async function reserve(input: OrderInput, s: OrderState) {
  s.allocationNo += 1;
  const result = await acts.reserveStock({
    orderId: input.orderId,
    allocationNo: s.allocationNo,
    lines: s.waitingForStock,
    allowPartial: input.backorderPolicy === 'partial',
  });
  s.waitingForStock = result.shortfall;
  return result;
}

async function startShipments(input: OrderInput, s: OrderState, allocations: AllocatedShipment[]): Promise<void> {
  for (const allocation of allocations) {
    const shipmentNo = s.shipments.length + 1;
    const summary: ShipmentSummary = {
      shipmentNo,
      shipmentId: shipmentId(input.orderId, shipmentNo),
      workflowId: shipmentWorkflowId(input.orderId, shipmentNo),
      locationId: allocation.locationId,
      status: 'AWAITING_PICK',
      lines: allocation.lines.map(({ lineNo, sku, quantity }) => ({ lineNo, sku, quantity })),
      amountCents: shipmentAmount(input.lines, allocation.lines, input.shippingCents, shipmentNo === 1),
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

/** Voids or refunds what will not be charged; safe to repeat. */
async function settle(input: OrderInput, s: OrderState): Promise<void> {
  if (s.payment.state !== 'authorized') return;
  const shippedValueCents = s.shipments
    .filter((shipment) => hasShipped(shipment.status))
    .reduce((sum, shipment) => sum + shipment.amountCents, 0);
  // Everything authorized shipped and was captured per shipment: nothing to give back.
  if (input.captureMode === 'on_shipment' && shippedValueCents === s.payment.authorizedCents) return;
  s.settlements += 1;
  await acts.settlePayment({ orderId: input.orderId, captureMode: input.captureMode, shippedValueCents, settlementNo: s.settlements });
}

async function close(input: OrderInput, s: OrderState, status: OrderStatus, detail: Record<string, unknown>): Promise<OrderStatus> {
  for (const line of input.lines) s.cancelledUnits[line.lineNo] = line.quantity;
  const cancelledBackorderUnits = units(s.waitingForStock);
  s.waitingForStock = [];
  await setStatus(input, s, status, detail);
  if (s.cancellation) {
    s.cancellation.result = { outcome: 'cancelled', status, cancelledShipments: [], shippedShipments: [], cancelledBackorderUnits };
  }
  await condition(allHandlersFinished);
  return status;
}

function derivedStatus(s: OrderState): OrderStatus {
  return orderStatusFromShipments(
    s.shipments.map((shipment) => shipment.status),
    units(s.waitingForStock),
  );
}

async function updateStatus(input: OrderInput, s: OrderState, detail?: Record<string, unknown>): Promise<void> {
  const status = derivedStatus(s);
  if (status !== s.status || detail) await setStatus(input, s, status, detail);
}

async function setStatus(input: OrderInput, s: OrderState, status: OrderStatus, detail: Record<string, unknown> = {}): Promise<void> {
  s.status = status;
  s.statusChanges += 1;
  upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
  note(s, status.toLowerCase(), Object.keys(detail).length ? JSON.stringify(detail) : undefined);
  await acts.recordOrderStatus({
    orderId: input.orderId,
    status,
    eventKey: `status:${s.statusChanges}`,
    detail,
    cancelledQuantities: Object.entries(s.cancelledUnits).map(([lineNo, quantity]) => ({ lineNo: Number(lineNo), quantity })),
  });
}

async function continueAsNewIfSuggested(input: OrderInput, s: OrderState): Promise<void> {
  if (!workflowInfo().continueAsNewSuggested) return;
  await condition(allHandlersFinished);
  await continueAsNew<typeof orderWorkflow>(input, s);
}

function registerHandlers(input: OrderInput, s: OrderState): void {
  setHandler(orderStatusQuery, () => {
    const { status, waitingForStock, shipments, payment, cancellation, timeline } = s;
    return { orderId: input.orderId, status, waitingForStock, shipments, payment, cancellation, timeline };
  });

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
    { validator: (_request) => refuseUnlessCancellable(input, s) },
  );

  setHandler(stockAvailableUpdate, async () => {
    const ticket = ++s.wakeRequests;
    await condition(() => s.wakesAnswered >= ticket || units(s.waitingForStock) === 0 || s.cancellation !== undefined);
    return { status: s.status, waitingUnits: units(s.waitingForStock) };
  });

  setHandler(shipmentProgressSignal, (progress) => {
    const shipment = s.shipments.find((candidate) => candidate.shipmentNo === progress.shipmentNo);
    if (!shipment) return;
    shipment.status = progress.status;
    shipment.trackingNumber = progress.trackingNumber ?? shipment.trackingNumber;
    note(s, `shipment_${progress.status.toLowerCase()}`, `shipment ${progress.shipmentNo}`);
  });
}

function refuseUnlessCancellable(input: OrderInput, s: OrderState): void {
  const refuse = (why: string) => {
    throw ApplicationFailure.create({ type: Refusal.orderNotCancellable, message: `order ${input.orderId} ${why}`, nonRetryable: true });
  };
  if (isFinalOrder(s.status)) refuse(`is ${s.status}; nothing is left to cancel`);
  if (s.cancellation?.result) refuse('was already cancelled');
  const started = s.payment.state !== 'pending';
  const cancellable =
    !started || units(s.waitingForStock) > 0 || s.shipments.some((shipment) => isCancellableShipment(shipment.status));
  if (!cancellable) refuse(`is ${s.status}: every shipment has left the warehouse`);
}

/** Read through a function: handlers change it while the main flow awaits. */
function cancelRequested(s: OrderState): boolean {
  return s.cancellation !== undefined;
}

function addCancelled(s: OrderState, lines: LineQuantity[]): void {
  for (const line of lines) s.cancelledUnits[line.lineNo] = (s.cancelledUnits[line.lineNo] ?? 0) + line.quantity;
}

function units(lines: LineQuantity[]): number {
  return lines.reduce((sum, line) => sum + line.quantity, 0);
}

function note(s: OrderState, type: string, detail?: string): void {
  s.timeline.push({ at: new Date(Date.now()).toISOString(), type, detail });
  if (s.timeline.length > TIMELINE_LENGTH) s.timeline.splice(0, s.timeline.length - TIMELINE_LENGTH);
}

import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { applyCarrierEvent, TrackingState } from '../domain/tracking';
import { isCancellableShipment } from '../domain/status';
import type { CarrierEvent, ShipmentStatus } from '../domain/types';
import {
  cancelShipmentSignal,
  carrierEventSignal,
  confirmPickUpdate,
  orderWorkflowId,
  Refusal,
  scanItemUpdate,
  ScanResult,
  ShipmentInput,
  ShipmentResult,
  shipmentProgressSignal,
  shipmentStatusQuery,
  ShipmentView,
} from './definitions';
import { ShipmentOverdueKey, ShipmentStatusKey } from './search-attributes';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Everything the shipment knows; plain data so it survives continue-as-new. */
interface ShipmentState extends TrackingState {
  packed: Record<number, number>;
  cancelReason?: string;
  trackingNumber?: string;
  labelUrl?: string;
  deliveryDeadline?: string;
  overdue: boolean;
  /** Carrier events received but not yet applied, in arrival order. */
  inbox: CarrierEvent[];
}

/** The order hears about these; the finer tracking states are in the shipment's own history. */
const REPORTED_TO_ORDER: ShipmentStatus[] = ['SHIPPED', 'EXCEPTION', 'DELIVERED', 'CANCELLED'];

/**
 * The ShipmentStatus search attribute follows the stages ops filter on (waiting for people,
 * with the carrier, in trouble, done); each upsert is a visibility write, so the seconds-long
 * steps in between (packed, labelled, in transit, out for delivery) don't get one.
 */
const SEARCHABLE_STAGES: ShipmentStatus[] = ['AWAITING_PICK', 'AWAITING_PACK', 'SHIPPED', 'EXCEPTION', 'DELIVERED', 'CANCELLED'];

/**
 * One parcel from one warehouse: pick -> pack (every unit scanned) -> label -> shipped
 * (stock consumed, payment share captured) -> carrier events -> delivered.
 * In an `auto` warehouse the worker confirms pick and pack itself.
 */
export async function shipmentWorkflow(input: ShipmentInput, resumed?: ShipmentState): Promise<ShipmentResult> {
  const s: ShipmentState = resumed ?? {
    status: 'AWAITING_PICK',
    progress: -1,
    appliedEventIds: [],
    packed: Object.fromEntries(input.lines.map((line) => [line.lineNo, 0])),
    overdue: false,
    inbox: [],
  };
  registerHandlers(input, s);

  if (!resumed) {
    await acts.createShipment(input);
    await pickAndPack(input, s);
    if (s.cancelReason) return cancel(input, s);

    const label = await acts.buyLabel({ shipmentId: input.shipmentId, orderId: input.orderId });
    s.trackingNumber = label.trackingNumber;
    s.labelUrl = label.labelUrl;
    s.deliveryDeadline = new Date(Date.now() + label.deliveryWithinHours * 3_600_000).toISOString();
    s.inbox.push(...label.earlyEvents);
    await setStatus(input, s, 'LABELLED');
    if (s.cancelReason && (await acts.voidLabel({ shipmentId: input.shipmentId })) === 'voided') return cancel(input, s);

    // From here on the parcel has left: a cancellation that arrives now is too late.
    await acts.shipShipment({ shipmentId: input.shipmentId, orderId: input.orderId });
    if (input.captureOnShip) {
      await acts.capturePayment({ orderId: input.orderId, shipmentId: input.shipmentId, amountCents: input.amountCents });
    }
    await setStatus(input, s, 'SHIPPED');
  }

  await followCarrier(input, s);
  await condition(allHandlersFinished);
  return { shipmentNo: input.shipmentNo, status: 'DELIVERED' };
}

async function pickAndPack(input: ShipmentInput, s: ShipmentState): Promise<void> {
  if (input.fulfillmentMode === 'auto') {
    // createShipment recorded the automation's pick and pack.
    for (const line of input.lines) s.packed[line.lineNo] = line.quantity;
    await setStatus(input, s, 'PACKED');
    return;
  }
  await condition(() => s.status === 'PACKED' || s.cancelReason !== undefined);
  if (s.status === 'PACKED') {
    await acts.recordShipmentStatus({ shipmentId: input.shipmentId, orderId: input.orderId, status: 'PACKED' });
  }
}

/** Applies carrier events in order, once each; flags the parcel overdue when the deadline passes. */
async function followCarrier(input: ShipmentInput, s: ShipmentState): Promise<void> {
  while (s.status !== 'DELIVERED') {
    if (s.inbox.length === 0) {
      const untilDeadline = Date.parse(s.deliveryDeadline!) - Date.now();
      if (s.overdue) {
        await condition(() => s.inbox.length > 0);
      } else if (untilDeadline <= 0 || !(await condition(() => s.inbox.length > 0, untilDeadline))) {
        s.overdue = true;
        upsertSearchAttributes([{ key: ShipmentOverdueKey, value: true }]);
        await acts.markShipmentOverdue({ shipmentId: input.shipmentId, orderId: input.orderId });
        continue;
      }
    }
    // Everything that arrived meanwhile is decided in order and stored in one activity.
    let next: TrackingState = { status: s.status, progress: s.progress, appliedEventIds: s.appliedEventIds };
    const applied: CarrierEvent[] = [];
    for (const event of s.inbox.splice(0)) {
      const decision = applyCarrierEvent(next, event);
      if (!decision.apply) continue;
      next = decision.next;
      applied.push(event);
    }
    if (applied.length === 0) continue;
    await acts.recordTrackingEvents({ shipmentId: input.shipmentId, orderId: input.orderId, events: applied, status: next.status });
    s.progress = next.progress;
    s.appliedEventIds = next.appliedEventIds;
    await setStatus(input, s, next.status);

    if (workflowInfo().continueAsNewSuggested && next.status !== 'DELIVERED') {
      await condition(allHandlersFinished);
      await continueAsNew<typeof shipmentWorkflow>(input, s);
    }
  }
}

async function cancel(input: ShipmentInput, s: ShipmentState): Promise<ShipmentResult> {
  await acts.cancelShipment({ shipmentId: input.shipmentId, orderId: input.orderId, reason: s.cancelReason! });
  await setStatus(input, s, 'CANCELLED');
  await condition(allHandlersFinished);
  return { shipmentNo: input.shipmentNo, status: 'CANCELLED' };
}

async function setStatus(input: ShipmentInput, s: ShipmentState, status: ShipmentStatus): Promise<void> {
  if (s.status === status) return;
  s.status = status;
  if (SEARCHABLE_STAGES.includes(status)) upsertSearchAttributes([{ key: ShipmentStatusKey, value: status }]);
  if (!REPORTED_TO_ORDER.includes(status)) return;
  try {
    await getExternalWorkflowHandle(orderWorkflowId(input.orderId)).signal(shipmentProgressSignal, {
      shipmentNo: input.shipmentNo,
      status,
      trackingNumber: s.trackingNumber,
    });
  } catch (error) {
    // The order only closes once every shipment is final, so this is a shipment started on its own (ops, tests).
    log.warn('order did not take the shipment progress signal', { orderId: input.orderId, status, error: String(error) });
  }
}

function registerHandlers(input: ShipmentInput, s: ShipmentState): void {
  setHandler(shipmentStatusQuery, () => view(input, s));

  setHandler(
    confirmPickUpdate,
    async ({ pickedBy }) => {
      await setStatus(input, s, 'AWAITING_PACK');
      await acts.recordShipmentStatus({ shipmentId: input.shipmentId, orderId: input.orderId, status: 'AWAITING_PACK', by: pickedBy });
      return view(input, s);
    },
    { validator: (_request) => requireStatus(input, s, 'AWAITING_PICK') },
  );

  setHandler(
    scanItemUpdate,
    async ({ upc }) => {
      const line = input.lines.find((candidate) => candidate.upc === upc)!;
      s.packed[line.lineNo] += 1;
      const remaining = input.lines
        .filter((candidate) => s.packed[candidate.lineNo] < candidate.quantity)
        .map((candidate) => ({ sku: candidate.sku, upc: candidate.upc, quantity: candidate.quantity - s.packed[candidate.lineNo] }));
      if (remaining.length === 0) await setStatus(input, s, 'PACKED');
      const result: ScanResult = { sku: line.sku, upc, packed: remaining.length === 0, remaining };
      return result;
    },
    {
      validator: ({ upc }) => {
        requireStatus(input, s, 'AWAITING_PACK');
        const line = input.lines.find((candidate) => candidate.upc === upc);
        if (!line) {
          throw ApplicationFailure.create({
            type: Refusal.itemNotInShipment,
            message: `UPC ${upc} is not part of shipment ${input.shipmentId}`,
            nonRetryable: true,
          });
        }
        if (s.packed[line.lineNo] >= line.quantity) {
          throw ApplicationFailure.create({
            type: Refusal.scanExceedsQuantity,
            message: `all ${line.quantity} unit(s) of ${line.sku} (UPC ${upc}) are already scanned for shipment ${input.shipmentId}`,
            nonRetryable: true,
          });
        }
      },
    },
  );

  setHandler(carrierEventSignal, (event) => {
    s.inbox.push(event);
  });

  setHandler(cancelShipmentSignal, ({ reason }) => {
    if (isCancellableShipment(s.status) && s.cancelReason === undefined) s.cancelReason = reason;
  });
}

function requireStatus(input: ShipmentInput, s: ShipmentState, expected: ShipmentStatus): void {
  if (input.fulfillmentMode === 'auto') {
    throw ApplicationFailure.create({
      type: Refusal.invalidShipmentState,
      message: `shipment ${input.shipmentId} is handled by automation at ${input.locationId}`,
      nonRetryable: true,
    });
  }
  if (s.status !== expected || s.cancelReason !== undefined) {
    const state = s.cancelReason !== undefined ? 'being cancelled' : s.status;
    throw ApplicationFailure.create({
      type: Refusal.invalidShipmentState,
      message: `shipment ${input.shipmentId} is ${state}, not ${expected}`,
      nonRetryable: true,
    });
  }
}

function view(input: ShipmentInput, s: ShipmentState): ShipmentView {
  return {
    shipmentId: input.shipmentId,
    orderId: input.orderId,
    shipmentNo: input.shipmentNo,
    locationId: input.locationId,
    status: s.status,
    lines: input.lines.map((line) => ({ ...line, packed: s.packed[line.lineNo] })),
    trackingNumber: s.trackingNumber,
    labelUrl: s.labelUrl,
    overdue: s.overdue,
  };
}

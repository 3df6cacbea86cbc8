import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { LabelOutcome } from '../activities/shipments';
import { applyCarrierEvent, TrackingState } from '../domain/tracking';
import { isCancellableShipment, isWithCarrier } from '../domain/status';
import type { CarrierEvent, LostResolution, ShipmentStatus } from '../domain/types';
import { externalServiceActivity } from './activity-options';
import { db } from './database';
import {
  BusinessFailure,
  cancelShipmentSignal,
  carrierEventSignal,
  confirmPickUpdate,
  declareLostUpdate,
  FailureReason,
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
import { FailureReasonKey, ShipmentOverdueKey, ShipmentStatusKey } from './search-attributes';
import { countAll, countScan, packLines, ScanCounts, scannedOf, scanSlots } from './shipment-scans';

// Every retry is bounded (scheduleToCloseTimeout in activity-options.ts).
const external = proxyActivities<Activities>(externalServiceActivity);

/** The share is captured before the parcel leaves, so a declined capture keeps the goods in the building. */
const CAPTURE_BEFORE_SHIPPING = 'capture-before-shipping';
/** Patch: followCarrier checks continue-as-new also after an inbox that changed nothing. */
const CONTINUE_AS_NEW_ON_NO_OP_PATCH = 'continue-as-new-on-no-op-inbox';
/** Patch: an inbox is applied in the order its events occurred, not the order they arrived. */
const EVENTS_IN_OCCURRENCE_ORDER_PATCH = 'carrier-events-in-occurrence-order';
/** Patch: one delivery-deadline timer per run instead of one per wait for carrier events. */
const ONE_DEADLINE_TIMER_PATCH = 'one-delivery-deadline-timer';

/** Everything the shipment knows; plain data so it survives continue-as-new. */
export interface ShipmentState extends TrackingState, ScanCounts {
  cancelReason?: string;
  trackingNumber?: string;
  labelUrl?: string;
  deliveryDeadline?: string;
  overdue: boolean;
  /** Carrier events received but not yet applied, in arrival order. */
  inbox: CarrierEvent[];
  /** An overdue parcel still undelivered this many hours later is lost (absent in histories from before). */
  lostAfterHours?: number;
  lostResolution?: LostResolution;
  lostDeadline?: string;
  /** Declared lost by ops, or past the lost deadline. */
  lost?: { resolution: LostResolution; reason: string; by?: string };
  failureReason?: string;
}

/** What the steps shared with dropship shipments need to know of their shipment. */
type ShipmentRef = Pick<ShipmentInput, 'orderId' | 'shipmentNo' | 'shipmentId'>;

/** The order hears about these; the finer tracking states are in the shipment's own history. */
const REPORTED_TO_ORDER: ShipmentStatus[] = ['SHIPPED', 'EXCEPTION', 'DELIVERED', 'CANCELLED', 'FAILED', 'LOST'];

/**
 * The ShipmentStatus search attribute follows the stages ops filter on (waiting for people,
 * with the carrier, in trouble, done); each upsert is a visibility write, so the seconds-long
 * steps in between (packed, labelled, in transit, out for delivery) don't get one.
 */
const SEARCHABLE_STAGES: ShipmentStatus[] = ['AWAITING_PICK', 'AWAITING_PACK', 'AWAITING_SUPPLIER', 'SHIPPED', 'EXCEPTION', 'DELIVERED', 'CANCELLED', 'FAILED', 'LOST'];

/**
 * One parcel from one warehouse: pick -> pack (every unit scanned) -> label -> capture its share
 * -> shipped (stock consumed) -> carrier events -> delivered. In an `auto` warehouse the worker
 * confirms pick and pack itself. A carrier or gateway that refuses (or stays unreachable past the
 * bound) ends it FAILED with nothing held or charged; a parcel that never arrives ends LOST.
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
    const settings = await db.createShipment(input);
    s.lostAfterHours = settings?.lostAfterHours;
    s.lostResolution = settings?.lostResolution;
    await pickAndPack(input, s);
    if (s.cancelReason) return cancel(input, s);

    const label = await buyLabel(input, s);
    if (label === 'cancelled') return cancel(input, s, { voidLabel: true });
    if (label === 'failed') return fail(input, s);
    s.trackingNumber = label.trackingNumber;
    s.labelUrl = label.labelUrl;
    s.deliveryDeadline = new Date(Date.now() + label.deliveryWithinHours * 3_600_000).toISOString();
    s.inbox.push(...label.earlyEvents);
    await moveTo(input, s, 'LABELLED');
    if (s.cancelReason && (await voidLabel(input)) !== 'in_use') return cancel(input, s);

    // From here on the parcel leaves: a cancellation that arrives now is too late.
    if (patched(CAPTURE_BEFORE_SHIPPING)) {
      if (input.captureOnShip && !(await captureShare(input, s))) {
        if ((await voidLabel(input)) !== 'in_use') return fail(input, s);
        log.error('capture declined but the carrier already has the parcel; it ships unpaid', { shipmentId: input.shipmentId });
      }
      await db.shipShipment({ shipmentId: input.shipmentId, orderId: input.orderId });
    } else {
      await db.shipShipment({ shipmentId: input.shipmentId, orderId: input.orderId });
      if (input.captureOnShip) await external.capturePayment({ orderId: input.orderId, shipmentId: input.shipmentId, amountCents: input.amountCents });
    }
    await moveTo(input, s, 'SHIPPED');
  }

  await followCarrier(input, s);
  if (s.lost) return lose(input, s);
  await condition(allHandlersFinished);
  return { shipmentNo: input.shipmentNo, status: 'DELIVERED' };
}

async function pickAndPack(input: ShipmentInput, s: ShipmentState): Promise<void> {
  if (input.fulfillmentMode === 'auto') {
    // createShipment recorded the automation's pick and pack.
    countAll(input.lines, s);
    await moveTo(input, s, 'PACKED');
    return;
  }
  await condition(() => s.status === 'PACKED' || s.cancelReason !== undefined);
  if (s.status === 'PACKED') {
    await db.recordShipmentStatus({ shipmentId: input.shipmentId, orderId: input.orderId, status: 'PACKED' });
  }
}

/**
 * Buys the label unless a cancellation arrives first: a carrier that is slow or down never holds a
 * cancel. A refusal, or a carrier unreachable past the bound, is a failure with its reason.
 */
async function buyLabel(input: ShipmentInput, s: ShipmentState): Promise<LabelOutcome | 'cancelled' | 'failed'> {
  const scope = new CancellationScope();
  void condition(() => s.cancelReason !== undefined).then(() => scope.cancel());
  try {
    return await scope.run(() => external.buyLabel({ shipmentId: input.shipmentId, orderId: input.orderId }));
  } catch (error) {
    if (isCancellation(error) && s.cancelReason !== undefined) return 'cancelled';
    if (!(error instanceof ActivityFailure)) throw error;
    const cause = error.cause;
    if (cause instanceof ApplicationFailure && cause.type === BusinessFailure.shipmentClosed) return 'cancelled';
    s.failureReason = cause instanceof ApplicationFailure && cause.type === BusinessFailure.carrierRefused
      ? FailureReason.carrierRefused
      : FailureReason.carrierUnavailable;
    log.warn('no label', { shipmentId: input.shipmentId, reason: s.failureReason, error: String(cause?.message ?? error.message) });
    return 'failed';
  }
}

/**
 * 'in_use' when the carrier already has the parcel (it ships whatever happens); a carrier
 * unreachable past the bound leaves the label unvoided (noted for ops) rather than holding the
 * cancellation or failure that asked for the void.
 */
async function voidLabel(input: Pick<ShipmentInput, 'shipmentId'>): Promise<'voided' | 'in_use' | 'unreachable'> {
  try {
    return await external.voidLabel({ shipmentId: input.shipmentId });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.error('label not voided; void it in the carrier account', { shipmentId: input.shipmentId, error: String(error.cause?.message ?? error.message) });
    return 'unreachable';
  }
}

/** False when the gateway declined the capture or stayed unreachable past the bound. */
export async function captureShare(input: ShipmentRef & Pick<ShipmentInput, 'amountCents'>, s: ShipmentState): Promise<boolean> {
  try {
    const capture = await external.capturePayment({ orderId: input.orderId, shipmentId: input.shipmentId, amountCents: input.amountCents });
    if (capture.approved) return true;
    s.failureReason = FailureReason.captureDeclined;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    s.failureReason = FailureReason.gatewayUnavailable;
  }
  return false;
}

/** Applies carrier events in order, once each; flags the parcel overdue, then lost, as deadlines pass. */
export async function followCarrier(input: ShipmentRef, s: ShipmentState): Promise<void> {
  // One timer for the delivery deadline however many events arrive (runs recorded before started one per wait).
  let deadlinePassed = false;
  let deadlineTimer: Promise<void> | undefined;
  const deliveryDeadline = async (moved: () => boolean, untilDeadline: number): Promise<boolean> => {
    if (!patched(ONE_DEADLINE_TIMER_PATCH)) return condition(moved, untilDeadline);
    deadlineTimer ??= sleep(untilDeadline).then(() => void (deadlinePassed = true));
    await condition(() => moved() || deadlinePassed);
    return moved();
  };
  while (s.status !== 'DELIVERED' && !s.lost) {
    if (s.inbox.length === 0) {
      const moved = () => s.inbox.length > 0 || s.lost !== undefined;
      if (s.overdue) {
        if (!s.lostDeadline) await condition(moved);
        else if (!(await condition(moved, Math.max(0, Date.parse(s.lostDeadline) - Date.now())))) {
          s.lost = { resolution: s.lostResolution ?? 'refund', reason: 'lost_deadline_passed' };
        }
        continue;
      }
      const untilDeadline = Date.parse(s.deliveryDeadline!) - Date.now();
      if (untilDeadline <= 0 || !(await deliveryDeadline(moved, untilDeadline))) {
        s.overdue = true;
        if (s.lostAfterHours !== undefined) s.lostDeadline = new Date(Date.now() + s.lostAfterHours * 3_600_000).toISOString();
        upsertSearchAttributes([{ key: ShipmentOverdueKey, value: true }]);
        await db.markShipmentOverdue({ shipmentId: input.shipmentId, orderId: input.orderId });
        continue;
      }
      if (s.lost) break;
    }
    // Everything that arrived meanwhile is decided in order and stored in one activity.
    let next: TrackingState = { status: s.status, progress: s.progress, appliedEventIds: s.appliedEventIds };
    const applied: CarrierEvent[] = [];
    const arrived = s.inbox.splice(0);
    // Early events picked up with the label join the inbox after signals that raced ahead of them.
    if (patched(EVENTS_IN_OCCURRENCE_ORDER_PATCH)) arrived.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
    for (const event of arrived) {
      const decision = applyCarrierEvent(next, event);
      if (!decision.apply) continue;
      next = decision.next;
      applied.push(event);
    }
    if (applied.length > 0) {
      await db.recordTrackingEvents({ shipmentId: input.shipmentId, orderId: input.orderId, events: applied, status: next.status });
      s.progress = next.progress;
      s.appliedEventIds = next.appliedEventIds;
      await moveTo(input, s, next.status);
    }

    // Checked on every pass, also when the inbox changed nothing, so a flood of no-op events cannot
    // grow the history to its limit. Histories recorded before this check never continued on a no-op pass.
    if (
      workflowInfo().continueAsNewSuggested &&
      next.status !== 'DELIVERED' &&
      !s.lost &&
      (applied.length > 0 || patched(CONTINUE_AS_NEW_ON_NO_OP_PATCH))
    ) {
      await condition(allHandlersFinished);
      // The same workflow type continues: a dropship shipment follows its carrier here too.
      await continueAsNew(input, s);
    }
  }
}

/** Releases the stock; with a label possibly bought by an attempt still running, the row closes first, then the label is voided. */
export async function cancel(input: ShipmentRef, s: ShipmentState, { voidLabel: alsoVoidLabel = false } = {}): Promise<ShipmentResult> {
  await db.cancelShipment({ shipmentId: input.shipmentId, orderId: input.orderId, reason: s.cancelReason! });
  if (alsoVoidLabel) await voidLabel(input);
  await moveTo(input, s, 'CANCELLED');
  await condition(allHandlersFinished);
  return { shipmentNo: input.shipmentNo, status: 'CANCELLED' };
}

export async function fail(input: ShipmentRef, s: ShipmentState): Promise<ShipmentResult> {
  await db.failShipment({ shipmentId: input.shipmentId, orderId: input.orderId, reason: s.failureReason! });
  upsertSearchAttributes([{ key: FailureReasonKey, value: s.failureReason! }]);
  await moveTo(input, s, 'FAILED');
  await condition(allHandlersFinished);
  return { shipmentNo: input.shipmentNo, status: 'FAILED' };
}

export async function lose(input: ShipmentRef, s: ShipmentState): Promise<ShipmentResult> {
  const lost = s.lost!;
  await db.markShipmentLost({ shipmentId: input.shipmentId, orderId: input.orderId, resolution: lost.resolution, reason: lost.reason });
  await moveTo(input, s, 'LOST');
  await condition(allHandlersFinished);
  return { shipmentNo: input.shipmentNo, status: 'LOST' };
}

/** The shipment's own status, its search attribute, and the order's copy of it. */
export async function moveTo(input: ShipmentRef, s: ShipmentState, status: ShipmentStatus): Promise<void> {
  if (s.status === status) return;
  s.status = status;
  if (SEARCHABLE_STAGES.includes(status)) upsertSearchAttributes([{ key: ShipmentStatusKey, value: status }]);
  if (!REPORTED_TO_ORDER.includes(status)) return;
  try {
    await getExternalWorkflowHandle(orderWorkflowId(input.orderId)).signal(shipmentProgressSignal, {
      shipmentNo: input.shipmentNo,
      status,
      trackingNumber: s.trackingNumber,
      ...(status === 'FAILED' ? { reason: s.failureReason } : {}),
      ...(status === 'LOST' ? { resolution: s.lost!.resolution } : {}),
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
      await moveTo(input, s, 'AWAITING_PACK');
      await db.recordShipmentStatus({ shipmentId: input.shipmentId, orderId: input.orderId, status: 'AWAITING_PACK', by: pickedBy });
      return view(input, s);
    },
    { validator: (_request) => requireStatus(input, s, 'AWAITING_PICK') },
  );

  setHandler(
    scanItemUpdate,
    async ({ upc }) => {
      // A UPC on a line and in a kit too fills the first counter with room (kit lines: components, not kits).
      const slots = scanSlots(input.lines);
      const slot = slots.find((candidate) => candidate.upc === upc && scannedOf(candidate, s) < candidate.quantity)!;
      countScan(input.lines, s, slot);
      const remaining = slots
        .filter((candidate) => scannedOf(candidate, s) < candidate.quantity)
        .map((candidate) => ({ sku: candidate.sku, upc: candidate.upc, quantity: candidate.quantity - scannedOf(candidate, s) }));
      if (remaining.length === 0) await moveTo(input, s, 'PACKED');
      const result: ScanResult = { sku: slot.sku, upc, packed: remaining.length === 0, remaining };
      return result;
    },
    {
      validator: ({ upc }) => {
        requireStatus(input, s, 'AWAITING_PACK');
        const matching = scanSlots(input.lines).filter((candidate) => candidate.upc === upc);
        const line = matching.find((candidate) => scannedOf(candidate, s) < candidate.quantity) ?? matching[0];
        if (!line) {
          throw ApplicationFailure.create({
            type: Refusal.itemNotInShipment,
            message: `UPC ${upc} is not part of shipment ${input.shipmentId}`,
            nonRetryable: true,
          });
        }
        if (scannedOf(line, s) >= line.quantity) {
          throw ApplicationFailure.create({
            type: Refusal.scanExceedsQuantity,
            message: `all ${line.quantity} unit(s) of ${line.sku} (UPC ${upc}) are already scanned for shipment ${input.shipmentId}`,
            nonRetryable: true,
          });
        }
      },
    },
  );

  setHandler(
    declareLostUpdate,
    async ({ resolution, reason, by }) => {
      s.lost ??= { resolution, reason: reason ?? 'declared_lost', by };
      await condition(() => s.status === 'LOST');
      return view(input, s);
    },
    {
      validator: (_request) => {
        if (!isWithCarrier(s.status) || s.lost) {
          throw ApplicationFailure.create({
            type: Refusal.invalidShipmentState,
            message: `shipment ${input.shipmentId} is ${s.lost ? 'already being declared lost' : s.status}; only a parcel with the carrier can be declared lost`,
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
    lines: packLines(input.lines, s),
    trackingNumber: s.trackingNumber,
    labelUrl: s.labelUrl,
    overdue: s.overdue,
    failureReason: s.failureReason,
  };
}

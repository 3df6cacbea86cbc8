import { ActivityFailure, ApplicationFailure, CancellationScope, condition, isCancellation, log, sleep } from '@temporalio/workflow';
import { applyCarrierEvent, type TrackingState } from '../domain/tracking';
import type { CarrierEvent, ReturnStatus } from '../domain/types';
import { BusinessFailure, FailureReason } from './definitions';
import { carrier, note, recordStatus, type ReturnRun } from './return-state';

const DAY_MS = 24 * 3_600_000;

/**
 * Buys the return label unless a cancellation arrives first: a carrier that is slow or down never
 * holds a cancel. A refusal, or a carrier unreachable past the bound, fails with its reason.
 */
export async function buyLabel(r: ReturnRun): Promise<'bought' | 'cancelled' | 'failed'> {
  const { input, s } = r;
  const scope = new CancellationScope();
  void condition(() => s.cancel !== undefined).then(() => scope.cancel());
  try {
    const label = await scope.run(() => carrier.buyReturnLabel({ returnId: input.returnId }));
    s.trackingNumber = label.trackingNumber;
    s.labelUrl = label.labelUrl;
    s.inbox.push(...label.earlyEvents);
    return s.cancel ? 'cancelled' : 'bought';
  } catch (error) {
    if (isCancellation(error) && s.cancel) return 'cancelled';
    if (!(error instanceof ActivityFailure)) throw error;
    const cause = error.cause;
    const refused = cause instanceof ApplicationFailure && cause.type === BusinessFailure.carrierRefused;
    s.reason = refused ? FailureReason.carrierRefused : FailureReason.carrierUnavailable;
    note(s, 'label_failed', cause?.message ?? error.message);
    return 'failed';
  }
}

/**
 * Waits for the parcel: carrier events move it along, the dock's receipt ends the wait, and so does
 * a cancellation. One timer for the expiry however many events arrive; a parcel the carrier has
 * delivered to the warehouse no longer expires, it waits for the dock.
 */
export async function awaitParcel(r: ReturnRun): Promise<'received' | 'cancelled' | 'expired'> {
  const { input, s } = r;
  let expired = false;
  void sleep(input.policy.parcelExpiryDays * DAY_MS).then(() => void (expired = true));
  for (;;) {
    await condition(
      () => s.receipt !== undefined || s.cancel !== undefined || s.inbox.length > 0 || (expired && s.status !== 'ARRIVED'),
    );
    if (s.receipt) return 'received';
    if (s.cancel) return 'cancelled';
    if (s.inbox.length === 0) return 'expired';
    await applyCarrierEvents(r);
  }
}

/** Everything that arrived meanwhile, in order, each event once: duplicates and late ones change nothing. */
async function applyCarrierEvents(r: ReturnRun): Promise<void> {
  const { s } = r;
  let next: TrackingState = s.tracking;
  let last: CarrierEvent | undefined;
  for (const event of s.inbox.splice(0)) {
    const decision = applyCarrierEvent(next, event);
    if (!decision.apply) continue;
    next = decision.next;
    last = event;
    s.appliedEvents.push({ carrier: event.carrier, eventId: event.eventId });
    note(s, `carrier_${event.status}`, event.eventId);
  }
  s.tracking = next;
  const status = parcelStatus(next);
  if (last && status !== s.status) await recordStatus(r, status, { carrierEvent: last.status });
}

/** Picked up and moving (an exception keeps how far it got) is IN_TRANSIT; delivered to the warehouse is ARRIVED. */
function parcelStatus(tracking: TrackingState): ReturnStatus {
  if (tracking.status === 'DELIVERED') return 'ARRIVED';
  return tracking.progress >= 1 ? 'IN_TRANSIT' : 'AWAITING_PARCEL';
}

/** A carrier that refuses the void or stays unreachable leaves the label for ops (noted), never holds the return. */
export async function voidLabel(r: ReturnRun): Promise<void> {
  const { input, s } = r;
  try {
    const outcome = await carrier.voidReturnLabel({ returnId: input.returnId });
    note(s, outcome === 'voided' ? 'label_voided' : 'label_in_use');
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.error('return label not voided; void it in the carrier account', { returnId: input.returnId, error: String(error.cause?.message ?? error.message) });
    note(s, 'label_not_voided', error.cause?.message ?? error.message);
  }
}

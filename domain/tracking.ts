import type { CarrierEvent, CarrierEventStatus, ShipmentStatus } from './types';

/** How far along a parcel is; an event never moves a shipment backwards. */
const PROGRESS: Record<Exclude<CarrierEventStatus, 'exception'>, number> = {
  label_created: 0,
  picked_up: 1,
  in_transit: 2,
  out_for_delivery: 3,
  delivered: 4,
};

const STATUS_AFTER: Record<CarrierEventStatus, ShipmentStatus | null> = {
  label_created: null,
  picked_up: 'IN_TRANSIT',
  in_transit: 'IN_TRANSIT',
  out_for_delivery: 'OUT_FOR_DELIVERY',
  delivered: 'DELIVERED',
  exception: 'EXCEPTION',
};

export interface TrackingState {
  status: ShipmentStatus;
  /** Highest progress reached so far (see PROGRESS). */
  progress: number;
  /** Ids of the carrier events already applied, so a redelivered webhook changes nothing. */
  appliedEventIds: string[];
}

export type TrackingDecision =
  | { apply: true; next: TrackingState }
  | { apply: false; reason: 'duplicate' | 'out_of_order' | 'already_delivered' };

const REMEMBERED_EVENT_IDS = 200;

/**
 * Decides whether a carrier event moves the shipment. Duplicates and events older than the
 * parcel's progress (a late "in_transit" after "out_for_delivery") change nothing. An exception
 * keeps the progress, so the parcel's next real movement applies again.
 */
export function applyCarrierEvent(state: TrackingState, event: CarrierEvent): TrackingDecision {
  if (state.appliedEventIds.includes(event.eventId)) return { apply: false, reason: 'duplicate' };
  if (state.status === 'DELIVERED') return { apply: false, reason: 'already_delivered' };

  const appliedEventIds = [...state.appliedEventIds, event.eventId].slice(-REMEMBERED_EVENT_IDS);
  if (event.status === 'exception') {
    return { apply: true, next: { status: 'EXCEPTION', progress: state.progress, appliedEventIds } };
  }
  const progress = PROGRESS[event.status];
  const recovering = state.status === 'EXCEPTION' && progress >= state.progress;
  if (progress <= state.progress && !recovering) return { apply: false, reason: 'out_of_order' };

  const status = STATUS_AFTER[event.status] ?? state.status;
  return { apply: true, next: { status, progress: Math.max(progress, state.progress), appliedEventIds } };
}

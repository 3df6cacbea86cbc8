import { applyCarrierEvent, TrackingState } from '../../domain/tracking';
import type { CarrierEvent, CarrierEventStatus } from '../../domain/types';

/** What a shipment's tracking looks like when the parcel has just been handed over. */
const justShipped: TrackingState = { status: 'SHIPPED', progress: -1, appliedEventIds: [] };

let nextEventNo = 0;
function event(status: CarrierEventStatus, eventId = `evt_${++nextEventNo}`): CarrierEvent {
  return { carrier: 'sandbox', eventId, trackingNumber: 'SBX123', status, occurredAt: '2024-05-01T10:00:00Z' };
}

/** Applies events in turn, keeping the state of those that apply. */
function replay(state: TrackingState, events: CarrierEvent[]): TrackingState {
  return events.reduce((current, next) => {
    const decision = applyCarrierEvent(current, next);
    return decision.apply ? decision.next : current;
  }, state);
}

function applied(state: TrackingState, carrierEvent: CarrierEvent): TrackingState {
  const decision = applyCarrierEvent(state, carrierEvent);
  if (!decision.apply) throw new Error(`expected ${carrierEvent.status} to apply, was refused: ${decision.reason}`);
  return decision.next;
}

describe('applyCarrierEvent', () => {
  it('walks the happy path from label_created to DELIVERED', () => {
    const steps: [CarrierEventStatus, string, number][] = [
      ['label_created', 'SHIPPED', 0],
      ['picked_up', 'IN_TRANSIT', 1],
      ['in_transit', 'IN_TRANSIT', 2],
      ['out_for_delivery', 'OUT_FOR_DELIVERY', 3],
      ['delivered', 'DELIVERED', 4],
    ];
    let state = justShipped;
    for (const [status, expectedStatus, expectedProgress] of steps) {
      const carrierEvent = event(status);
      state = applied(state, carrierEvent);
      expect(state.status).toBe(expectedStatus);
      expect(state.progress).toBe(expectedProgress);
      expect(state.appliedEventIds.at(-1)).toBe(carrierEvent.eventId);
    }
    expect(state.appliedEventIds).toHaveLength(steps.length);
  });

  it('skipping straight to delivered applies', () => {
    expect(applied(justShipped, event('delivered'))).toMatchObject({ status: 'DELIVERED', progress: 4 });
  });

  it('a duplicate event changes nothing, even at a later stage', () => {
    const pickedUp = event('picked_up');
    const state = applied(justShipped, pickedUp);
    expect(applyCarrierEvent(state, pickedUp)).toEqual({ apply: false, reason: 'duplicate' });
    const later = applied(state, event('out_for_delivery'));
    expect(applyCarrierEvent(later, pickedUp)).toEqual({ apply: false, reason: 'duplicate' });
  });

  it('a late in_transit after out_for_delivery changes nothing', () => {
    const state = replay(justShipped, [event('picked_up'), event('out_for_delivery')]);
    expect(applyCarrierEvent(state, event('in_transit'))).toEqual({ apply: false, reason: 'out_of_order' });
  });

  it('a second event of the same stage changes nothing', () => {
    const state = applied(justShipped, event('in_transit'));
    expect(applyCarrierEvent(state, event('in_transit'))).toEqual({ apply: false, reason: 'out_of_order' });
    expect(applyCarrierEvent(state, event('picked_up'))).toEqual({ apply: false, reason: 'out_of_order' });
  });

  it('events arriving in any order end in the same state as the right order', () => {
    const events = [event('label_created'), event('picked_up'), event('in_transit'), event('out_for_delivery')];
    const inOrder = replay(justShipped, events);
    const shuffled = replay(justShipped, [events[3], events[1], events[0], events[2]]);
    expect(shuffled.status).toBe(inOrder.status);
    expect(shuffled.progress).toBe(inOrder.progress);
  });

  it.each<CarrierEventStatus>(['label_created', 'in_transit', 'out_for_delivery', 'delivered', 'exception'])(
    'a %s after delivery changes nothing',
    (status) => {
      const delivered = applied(justShipped, event('delivered'));
      expect(applyCarrierEvent(delivered, event(status))).toEqual({ apply: false, reason: 'already_delivered' });
    },
  );

  it('an exception keeps the progress, and the next real movement recovers', () => {
    const inTransit = replay(justShipped, [event('picked_up'), event('in_transit')]);
    const exception = applied(inTransit, event('exception'));
    expect(exception).toMatchObject({ status: 'EXCEPTION', progress: 2 });

    expect(applied(exception, event('in_transit'))).toMatchObject({ status: 'IN_TRANSIT', progress: 2 });
    expect(applied(exception, event('out_for_delivery'))).toMatchObject({ status: 'OUT_FOR_DELIVERY', progress: 3 });
    expect(applied(exception, event('delivered'))).toMatchObject({ status: 'DELIVERED', progress: 4 });
  });

  it('after an exception an event older than the progress still changes nothing', () => {
    const exception = replay(justShipped, [event('out_for_delivery'), event('exception')]);
    expect(applyCarrierEvent(exception, event('picked_up'))).toEqual({ apply: false, reason: 'out_of_order' });
  });

  it('a repeated exception with a new id applies and stays EXCEPTION', () => {
    const first = applied(justShipped, event('exception'));
    const second = applied(first, event('exception'));
    expect(second).toMatchObject({ status: 'EXCEPTION', progress: -1 });
    expect(second.appliedEventIds).toHaveLength(2);
  });

  it('does not mutate the state it is given', () => {
    const state = applied(justShipped, event('picked_up'));
    const snapshot = JSON.parse(JSON.stringify(state));
    applyCarrierEvent(state, event('delivered'));
    expect(state).toEqual(snapshot);
  });

  it('remembers a bounded number of event ids, keeping the newest', () => {
    let state = justShipped;
    const ids: string[] = [];
    for (let n = 0; n < 250; n++) {
      const exception = event('exception');
      ids.push(exception.eventId);
      state = applied(state, exception);
    }
    expect(state.appliedEventIds).toHaveLength(200);
    expect(state.appliedEventIds).toEqual(ids.slice(-200));
    expect(applyCarrierEvent(state, event('exception', ids[249]))).toEqual({ apply: false, reason: 'duplicate' });
  });
});

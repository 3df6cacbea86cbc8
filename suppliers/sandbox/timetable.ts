import type { Address } from '../../domain/types';
import type { TimetableName } from '../../carriers/sandbox/timetable';

export const DROPSHIP_EVENT_STATUSES = ['shipped', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned'] as const;
export type DropshipEventStatus = (typeof DROPSHIP_EVENT_STATUSES)[number];

type Step = 'shipped' | 'in_transit' | 'out_for_delivery' | 'delivered';

/** Delay of each step after the previous one (shipped: after acceptance). */
const STEP_DELAYS_MS: Record<Exclude<TimetableName, 'manual'>, Record<Step, number>> = {
  fast: { shipped: 150, in_transit: 150, out_for_delivery: 150, delivered: 150 },
  realistic: { shipped: 120_000, in_transit: 60_000, out_for_delivery: 180_000, delivered: 300_000 },
};

const ROUTE: Step[] = ['shipped', 'in_transit', 'out_for_delivery', 'delivered'];

export interface PlannedEvent {
  status: DropshipEventStatus;
  description: string;
  occurredAt: Date;
}

/**
 * An order's journey from `from`: shipped, then its parcel's movements. With `shippedNow` (the
 * ship control) it ships at `from`; otherwise after the timetable's first step. A `manual` order
 * never moves by itself: it ships only when told, and its parcel moves only through injected events.
 */
export function planJourney(input: {
  timetable: TimetableName;
  /** Overrides every step's delay, so tests can run faster than `fast`. */
  stepMs?: number;
  shipTo: Address;
  from: Date;
  shippedNow: boolean;
}): PlannedEvent[] {
  const { timetable, shipTo } = input;
  if (timetable === 'manual') {
    return input.shippedNow ? [{ status: 'shipped', description: describeEvent('shipped', shipTo), occurredAt: input.from }] : [];
  }
  const delays = STEP_DELAYS_MS[timetable];
  let at = input.from.getTime();
  return ROUTE.map((status) => {
    if (!(status === 'shipped' && input.shippedNow)) at += input.stepMs ?? delays[status];
    return { status, description: describeEvent(status, shipTo), occurredAt: new Date(at) };
  });
}

export function describeEvent(status: DropshipEventStatus, shipTo: Address): string {
  switch (status) {
    case 'shipped':
      return 'Shipped by the supplier';
    case 'in_transit':
      return `In transit to ${shipTo.city}`;
    case 'out_for_delivery':
      return `Out for delivery in ${shipTo.city}`;
    case 'delivered':
      return `Delivered to ${shipTo.name}`;
    case 'exception':
      return 'Delivery exception: recipient address needs verification, delivery rescheduled';
    case 'returned':
      return 'Returned to the supplier';
  }
}

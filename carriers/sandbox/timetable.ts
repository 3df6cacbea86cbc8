import type { Address, CarrierEventStatus } from '../../domain/types';

/**
 * How fast parcels move: `fast` for tests and the benchmark, `realistic` for demos,
 * `manual` where only label_created happens by itself and the rest comes through the sandbox hook.
 */
export const TIMETABLES = ['fast', 'realistic', 'manual'] as const;
export type TimetableName = (typeof TIMETABLES)[number];

type Movement = Exclude<CarrierEventStatus, 'label_created'>;

/** Delay of each movement after the previous one. */
const MOVEMENT_DELAYS_MS: Record<Exclude<TimetableName, 'manual'>, Record<Movement, number>> = {
  fast: { picked_up: 150, in_transit: 150, exception: 150, out_for_delivery: 150, delivered: 150 },
  realistic: { picked_up: 30_000, in_transit: 60_000, exception: 60_000, out_for_delivery: 180_000, delivered: 300_000 },
};

const NORMAL_ROUTE: CarrierEventStatus[] = ['label_created', 'picked_up', 'in_transit', 'out_for_delivery', 'delivered'];
const EXCEPTION_ROUTE: CarrierEventStatus[] = ['label_created', 'picked_up', 'in_transit', 'exception', 'out_for_delivery', 'delivered'];
const LOST_ROUTE: CarrierEventStatus[] = ['label_created', 'picked_up', 'in_transit'];
/** A return parcel: the customer drops it off (picked_up) and it is delivered at the warehouse. */
const RETURN_ROUTE: CarrierEventStatus[] = ['label_created', 'picked_up', 'in_transit', 'delivered'];
const UNSENT_ROUTE: CarrierEventStatus[] = ['label_created'];

export interface PlannedEvent {
  status: CarrierEventStatus;
  description: string;
  occurredAt: Date;
}

/** Who a parcel travels between, and whether it is a customer's return. */
export interface Route {
  from: Address;
  to: Address;
  isReturn: boolean;
}

/**
 * The whole tracking history of a parcel, decided when its label is bought. The recipient's
 * `line1` switches scenarios for demos and tests: `EXCEPTION` adds an exception before delivery,
 * `LOST` ends the parcel's history in transit (and `UNDELIVERABLE` gets no label at all, see
 * isUndeliverable). On a return label the sender's (the customer's) `line1` switches instead:
 * `UNSENT` is never dropped off (only label_created), `LOST` ends in transit. The switches are
 * case-sensitive so a real "Lost Creek Rd" ships normally.
 */
export function planTrackingEvents(input: {
  timetable: TimetableName;
  /** Overrides every movement's delay, so tests can run faster than `fast`. */
  stepMs?: number;
  route: Route;
  labelCreatedAt: Date;
}): PlannedEvent[] {
  const { timetable, route } = input;
  const planned = (status: CarrierEventStatus, occurredAt: Date): PlannedEvent => ({
    status,
    description: describeEvent(status, route),
    occurredAt,
  });
  // A manual parcel gets its label; the sandbox hook moves it on.
  if (timetable === 'manual') return [planned('label_created', input.labelCreatedAt)];

  const delays = MOVEMENT_DELAYS_MS[timetable];
  let at = input.labelCreatedAt.getTime();
  return stepsOf(route).map((status) => {
    if (status !== 'label_created') at += input.stepMs ?? delays[status];
    return planned(status, new Date(at));
  });
}

/** Scenario: the carrier refuses a label to a recipient whose `line1` contains `UNDELIVERABLE`. */
export function isUndeliverable(to: Address): boolean {
  return to.line1.includes('UNDELIVERABLE');
}

function stepsOf({ from, to, isReturn }: Route): CarrierEventStatus[] {
  if (isReturn) {
    if (from.line1.includes('UNSENT')) return UNSENT_ROUTE;
    return from.line1.includes('LOST') ? LOST_ROUTE : RETURN_ROUTE;
  }
  if (to.line1.includes('LOST')) return LOST_ROUTE;
  if (to.line1.includes('EXCEPTION')) return EXCEPTION_ROUTE;
  return NORMAL_ROUTE;
}

export function describeEvent(status: CarrierEventStatus, { to, isReturn }: Pick<Route, 'to' | 'isReturn'>): string {
  switch (status) {
    case 'label_created':
      return isReturn ? 'Return label created, awaiting drop-off' : 'Shipping label created, awaiting pickup';
    case 'picked_up':
      return isReturn ? 'Dropped off by the sender' : 'Picked up by the carrier';
    case 'in_transit':
      return `In transit to ${to.city}`;
    case 'exception':
      return 'Delivery exception: recipient address needs verification, delivery rescheduled';
    case 'out_for_delivery':
      return `Out for delivery in ${to.city}`;
    case 'delivered':
      return `Delivered to ${to.name}`;
  }
}

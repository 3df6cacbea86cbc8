import type { OrderStatus, ShipmentStatus } from './types';
import { FINAL_ORDER_STATUSES } from './types';

const BEFORE_SHIPPING: ShipmentStatus[] = ['AWAITING_PICK', 'AWAITING_PACK', 'PACKED', 'LABELLED', 'AWAITING_SUPPLIER'];
/** Ended without the parcel leaving: nothing of it ships, nothing of it is charged. */
const NEVER_SHIPPED: ShipmentStatus[] = ['CANCELLED', 'FAILED'];
const WITH_THE_CARRIER: ShipmentStatus[] = ['SHIPPED', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'EXCEPTION'];

/** A shipment can be cancelled until the parcel has left the building. */
export function isCancellableShipment(status: ShipmentStatus): boolean {
  return BEFORE_SHIPPING.includes(status);
}

/** The parcel left the building (and its share was charged), whether or not it arrived. */
export function hasShipped(status: ShipmentStatus): boolean {
  return !BEFORE_SHIPPING.includes(status) && !NEVER_SHIPPED.includes(status);
}

/** On its way: only such a parcel can be declared lost. */
export function isWithCarrier(status: ShipmentStatus): boolean {
  return WITH_THE_CARRIER.includes(status);
}

export function isFinalShipment(status: ShipmentStatus): boolean {
  return status === 'DELIVERED' || status === 'LOST' || NEVER_SHIPPED.includes(status);
}

export function isFinalOrder(status: OrderStatus): boolean {
  return FINAL_ORDER_STATUSES.includes(status);
}

/**
 * The order's status once it has shipments: the least advanced of its parts decides, and units
 * still waiting for stock keep it BACKORDERED so ops can find it. With no parcel left to deliver
 * the order says why: FAILED (a refusal) before LOST before CANCELLED.
 */
export function orderStatusFromShipments(shipments: ShipmentStatus[], unitsWaitingForStock: number): OrderStatus {
  if (unitsWaitingForStock > 0) return 'BACKORDERED';
  const live = shipments.filter((status) => !NEVER_SHIPPED.includes(status) && status !== 'LOST');
  if (live.length === 0) {
    if (shipments.includes('FAILED')) return 'FAILED';
    return shipments.includes('LOST') ? 'LOST' : 'CANCELLED';
  }
  if (live.every((status) => status === 'DELIVERED')) return 'DELIVERED';
  const shipped = live.filter(hasShipped).length;
  if (shipped === live.length) return 'SHIPPED';
  return shipped > 0 ? 'PARTIALLY_SHIPPED' : 'FULFILLING';
}

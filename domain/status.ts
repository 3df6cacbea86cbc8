import type { OrderStatus, ShipmentStatus } from './types';
import { FINAL_ORDER_STATUSES } from './types';

const BEFORE_SHIPPING: ShipmentStatus[] = ['AWAITING_PICK', 'AWAITING_PACK', 'PACKED', 'LABELLED'];

/** A shipment can be cancelled until the parcel has left the building. */
export function isCancellableShipment(status: ShipmentStatus): boolean {
  return BEFORE_SHIPPING.includes(status);
}

export function hasShipped(status: ShipmentStatus): boolean {
  return !BEFORE_SHIPPING.includes(status) && status !== 'CANCELLED';
}

export function isFinalShipment(status: ShipmentStatus): boolean {
  return status === 'DELIVERED' || status === 'CANCELLED';
}

export function isFinalOrder(status: OrderStatus): boolean {
  return FINAL_ORDER_STATUSES.includes(status);
}

/**
 * The order's status once it has shipments: the least advanced of its parts decides,
 * and units still waiting for stock keep it BACKORDERED so ops can find it.
 */
export function orderStatusFromShipments(shipments: ShipmentStatus[], unitsWaitingForStock: number): OrderStatus {
  if (unitsWaitingForStock > 0) return 'BACKORDERED';
  const live = shipments.filter((status) => status !== 'CANCELLED');
  if (live.length === 0) return 'CANCELLED';
  if (live.every((status) => status === 'DELIVERED')) return 'DELIVERED';
  const shipped = live.filter(hasShipped).length;
  if (shipped === live.length) return 'SHIPPED';
  return shipped > 0 ? 'PARTIALLY_SHIPPED' : 'FULFILLING';
}

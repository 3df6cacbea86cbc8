/** Vocabulary shared by the API, the workflows and the activities. Plain data only. */

export interface Address {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  region: string;
  postalCode: string;
  country: string;
  phone?: string;
}

export type BackorderPolicy = 'wait' | 'partial' | 'reject';
export const BACKORDER_POLICIES: BackorderPolicy[] = ['wait', 'partial', 'reject'];

/** on_shipment: capture each shipment's share when it ships. on_order: capture everything at once. */
export type CaptureMode = 'on_shipment' | 'on_order';
export const CAPTURE_MODES: CaptureMode[] = ['on_shipment', 'on_order'];

export type FulfillmentMode = 'manual' | 'auto';

export const ORDER_STATUSES = [
  'ACCEPTED',
  'BACKORDERED',
  'FULFILLING',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'DELIVERED',
  'CANCELLED',
  'REJECTED',
  'PAYMENT_DECLINED',
  'FAILED',
  'LOST',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const FINAL_ORDER_STATUSES: OrderStatus[] = ['DELIVERED', 'CANCELLED', 'REJECTED', 'PAYMENT_DECLINED', 'FAILED', 'LOST'];

export const SHIPMENT_STATUSES = [
  'AWAITING_PICK',
  'AWAITING_PACK',
  'PACKED',
  'LABELLED',
  'SHIPPED',
  'IN_TRANSIT',
  'OUT_FOR_DELIVERY',
  'EXCEPTION',
  'DELIVERED',
  'CANCELLED',
  /** Refused for good (carrier, payment) or its carrier unreachable past the bound: nothing left, nothing charged. */
  'FAILED',
  /** Never delivered: declared lost by ops or past the lost deadline; refunded or replaced. */
  'LOST',
] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** Tracking states a carrier reports, in the order a parcel normally moves through them. */
export const CARRIER_EVENT_STATUSES = [
  'label_created',
  'picked_up',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'exception',
] as const;
export type CarrierEventStatus = (typeof CARRIER_EVENT_STATUSES)[number];

export interface CarrierEvent {
  carrier: string;
  eventId: string;
  trackingNumber: string;
  status: CarrierEventStatus;
  occurredAt: string;
  description?: string;
}

export interface OrderLine {
  lineNo: number;
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

/** What the order does about a lost parcel: give the money back, or ship the same units again. */
export type LostResolution = 'refund' | 'replace';
export const LOST_RESOLUTIONS: LostResolution[] = ['refund', 'replace'];

/** A quantity of one order line, e.g. what is still to be reserved or what one shipment carries. */
export interface LineQuantity {
  lineNo: number;
  sku: string;
  quantity: number;
}

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
  /** A dropship shipment: the supplier has the order and has not shipped it yet. */
  'AWAITING_SUPPLIER',
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
  /** Routed at intake to this supplier, which ships it; never reserved from our stock. */
  dropshipSupplierId?: string;
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

// ---------- Returns ----------

export const RETURN_REASONS = ['damaged', 'wrong_item', 'not_as_described', 'changed_mind', 'other'] as const;
export type ReturnReason = (typeof RETURN_REASONS)[number];
/** The seller's fault: when every unit of an order comes back for one of these, its shipping is refunded too. */
export const SELLER_FAULT_REASONS: ReturnReason[] = ['damaged', 'wrong_item', 'not_as_described'];

/** What inspection at the dock does with each received unit. */
export const RETURN_DISPOSITIONS = ['restock', 'damaged', 'scrap'] as const;
export type ReturnDisposition = (typeof RETURN_DISPOSITIONS)[number];

export const RETURN_STATUSES = [
  /** Rules did not approve it: waiting for ops to approve or reject, until the approval deadline. */
  'AWAITING_APPROVAL',
  'APPROVED',
  /** Return label bought: waiting for the customer to send the parcel. */
  'AWAITING_PARCEL',
  'IN_TRANSIT',
  /** The carrier delivered it to the warehouse: waiting for receipt and inspection at the dock. */
  'ARRIVED',
  /** Received and inspected: stock put back, refund under way. */
  'RECEIVED',
  'REFUNDED',
  'CLOSED',
  'REJECTED',
  'CANCELLED',
  /** No decision before the approval deadline, or no parcel before the parcel deadline: no refund. */
  'EXPIRED',
  /** The carrier refused the return label, or the gateway refused the refund. */
  'FAILED',
] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
export const FINAL_RETURN_STATUSES: ReturnStatus[] = ['CLOSED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'FAILED'];

/**
 * The contract between the API, the workflows and the activities: workflow ids, inputs,
 * queries, signals and updates. Workflow-safe (no I/O), so both sides import it.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  BackorderPolicy,
  CaptureMode,
  CarrierEvent,
  FulfillmentMode,
  LineQuantity,
  LostResolution,
  OrderLine,
  OrderStatus,
  ShipmentStatus,
} from '../domain/types';

export const orderWorkflowId = (orderId: string): string => `order:${orderId}`;
export const shipmentWorkflowId = (orderId: string, shipmentNo: number): string => `shipment:${orderId}:${shipmentNo}`;
export const shipmentId = (orderId: string, shipmentNo: number): string => `${orderId}-${shipmentNo}`;
export const receiptWorkflowId = (receiptId: string): string => `receipt:${receiptId}`;
/** Wake-ups for stock freed by a release; receipts keep their own `receipt:<id>` ids. */
export const wakeWorkflowId = (source: string): string => `wake:${source}`;

/** ApplicationFailure types that updates reject with; the API turns them into 409/422 codes. */
export const Refusal = {
  orderNotCancellable: 'order_not_cancellable',
  invalidShipmentState: 'invalid_shipment_state',
  itemNotInShipment: 'item_not_in_shipment',
  scanExceedsQuantity: 'scan_exceeds_quantity',
} as const;

/**
 * ApplicationFailure types activities throw for a refusal that no retry can change. Workflows catch
 * them, compensate and move to a state that says why (FAILED with this reason).
 */
export const BusinessFailure = {
  /** The carrier refused the label (parcel over its limits, an address it cannot serve). */
  carrierRefused: 'carrier_refused',
  /** The label arrived after the shipment had been cancelled or failed; it was voided. */
  shipmentClosed: 'shipment_closed',
  /** The gateway refused to move money it was asked to (e.g. an expired authorization). */
  paymentRefused: 'payment_refused',
} as const;

/** Why a shipment failed, as ops filter for it (FailureReason search attribute, projection). */
export const FailureReason = {
  carrierRefused: 'carrier_refused',
  carrierUnavailable: 'carrier_unavailable',
  captureDeclined: 'capture_declined',
  gatewayUnavailable: 'gateway_unavailable',
} as const;

// ---------- Order ----------

export interface OrderInput {
  orderId: string;
  customerId: string;
  channel: string;
  currency: string;
  lines: OrderLine[];
  shippingCents: number;
  totalCents: number;
  backorderPolicy: BackorderPolicy;
  /** ISO time after which units still waiting for stock are cancelled. */
  backorderDeadline: string;
  captureMode: CaptureMode;
  /** Continue as new past this many history events even before Temporal suggests it (tests force it small). */
  historyLimit?: number;
}

export interface ShipmentSummary {
  shipmentNo: number;
  shipmentId: string;
  workflowId: string;
  locationId: string;
  status: ShipmentStatus;
  lines: LineQuantity[];
  amountCents: number;
  trackingNumber?: string;
  /** Why a FAILED shipment failed. */
  failureReason?: string;
}

export interface TimelineEntry {
  at: string;
  type: string;
  detail?: string;
}

export interface OrderView {
  orderId: string;
  status: OrderStatus;
  /** Units not yet reserved, per line: waiting for stock under the backorder policy. */
  waitingForStock: LineQuantity[];
  shipments: ShipmentSummary[];
  payment: { state: 'pending' | 'authorized' | 'declined'; authorizedCents: number; declineCode?: string };
  cancellation?: { reason: string; result?: CancelResult };
  timeline: TimelineEntry[];
}

export interface CancelResult {
  outcome: 'cancelled' | 'partially_cancelled';
  status: OrderStatus;
  cancelledShipments: number[];
  /** Shipments that had already left the warehouse and so go on to delivery. */
  shippedShipments: number[];
  /** Units of backordered lines that will no longer be waited for. */
  cancelledBackorderUnits: number;
}

export interface WakeResult {
  status: OrderStatus;
  waitingUnits: number;
}

export interface ShipmentProgress {
  shipmentNo: number;
  status: ShipmentStatus;
  trackingNumber?: string;
  /** FAILED: why. */
  reason?: string;
  /** LOST: refund it or ship it again. */
  resolution?: LostResolution;
}

export const orderStatusQuery = defineQuery<OrderView>('status');
export const cancelOrderUpdate = defineUpdate<CancelResult, [{ reason: string }]>('cancel');
/** Sent when stock arrives for a SKU the order waits for; completes once the order has tried to reserve. */
export const stockAvailableUpdate = defineUpdate<WakeResult, []>('stockAvailable');
export const shipmentProgressSignal = defineSignal<[ShipmentProgress]>('shipmentProgress');

// ---------- Shipment ----------

export interface PickLine {
  lineNo: number;
  sku: string;
  upc: string;
  name: string;
  bin: string | null;
  quantity: number;
}

export interface ShipmentInput {
  orderId: string;
  shipmentNo: number;
  shipmentId: string;
  allocationNo: number;
  locationId: string;
  fulfillmentMode: FulfillmentMode;
  /** Ordered by bin, so a picker walks the aisles once. */
  lines: PickLine[];
  amountCents: number;
  currency: string;
  captureOnShip: boolean;
}

export interface PackLine extends PickLine {
  packed: number;
}

export interface ShipmentView {
  shipmentId: string;
  orderId: string;
  shipmentNo: number;
  locationId: string;
  status: ShipmentStatus;
  lines: PackLine[];
  trackingNumber?: string;
  labelUrl?: string;
  overdue: boolean;
  failureReason?: string;
}

export interface ScanResult {
  sku: string;
  upc: string;
  /** True once every unit of the shipment has been scanned. */
  packed: boolean;
  remaining: { sku: string; upc: string; quantity: number }[];
}

export interface ShipmentResult {
  shipmentNo: number;
  status: 'DELIVERED' | 'CANCELLED' | 'FAILED' | 'LOST';
}

export interface DeclareLostRequest {
  resolution: LostResolution;
  reason?: string;
  by?: string;
}

export const shipmentStatusQuery = defineQuery<ShipmentView>('status');
export const confirmPickUpdate = defineUpdate<ShipmentView, [{ pickedBy?: string }]>('confirmPick');
export const scanItemUpdate = defineUpdate<ScanResult, [{ upc: string; scannedBy?: string }]>('scan');
export const carrierEventSignal = defineSignal<[CarrierEvent]>('carrierEvent');
export const cancelShipmentSignal = defineSignal<[{ reason: string }]>('cancel');
/** Ops give up on a parcel with the carrier: the order refunds its lines or ships them again. */
export const declareLostUpdate = defineUpdate<ShipmentView, [DeclareLostRequest]>('declareLost');

// ---------- Stock receipts ----------

export interface WakeBackordersInput {
  /** What made stock available: `receipt:<id>`, `release:<orderId>`, `release:<shipmentId>`. */
  source: string;
  skus: string[];
}

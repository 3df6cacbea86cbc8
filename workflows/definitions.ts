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
  OrderLine,
  OrderStatus,
  ShipmentStatus,
} from '../domain/types';

export const orderWorkflowId = (orderId: string): string => `order:${orderId}`;
export const shipmentWorkflowId = (orderId: string, shipmentNo: number): string => `shipment:${orderId}:${shipmentNo}`;
export const shipmentId = (orderId: string, shipmentNo: number): string => `${orderId}-${shipmentNo}`;
export const receiptWorkflowId = (receiptId: string): string => `receipt:${receiptId}`;

/** ApplicationFailure types that updates reject with; the API turns them into 409/422 codes. */
export const Refusal = {
  orderNotCancellable: 'order_not_cancellable',
  invalidShipmentState: 'invalid_shipment_state',
  itemNotInShipment: 'item_not_in_shipment',
  scanExceedsQuantity: 'scan_exceeds_quantity',
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
  status: 'DELIVERED' | 'CANCELLED';
}

export const shipmentStatusQuery = defineQuery<ShipmentView>('status');
export const confirmPickUpdate = defineUpdate<ShipmentView, [{ pickedBy?: string }]>('confirmPick');
export const scanItemUpdate = defineUpdate<ScanResult, [{ upc: string; scannedBy?: string }]>('scan');
export const carrierEventSignal = defineSignal<[CarrierEvent]>('carrierEvent');
export const cancelShipmentSignal = defineSignal<[{ reason: string }]>('cancel');

// ---------- Stock receipts ----------

export interface WakeBackordersInput {
  receiptId: string;
  skus: string[];
}

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
  ReturnReason,
  ReturnStatus,
  ShipmentStatus,
} from '../domain/types';

export const orderWorkflowId = (orderId: string): string => `order:${orderId}`;
export const shipmentWorkflowId = (orderId: string, shipmentNo: number): string => `shipment:${orderId}:${shipmentNo}`;
export const shipmentId = (orderId: string, shipmentNo: number): string => `${orderId}-${shipmentNo}`;
export const receiptWorkflowId = (receiptId: string): string => `receipt:${receiptId}`;
/** Wake-ups for stock freed by a release; receipts keep their own `receipt:<id>` ids. */
export const wakeWorkflowId = (source: string): string => `wake:${source}`;
export const returnWorkflowId = (returnId: string): string => `return:${returnId}`;

/** ApplicationFailure types that updates reject with; the API turns them into 409/422 codes. */
export const Refusal = {
  orderNotCancellable: 'order_not_cancellable',
  invalidShipmentState: 'invalid_shipment_state',
  itemNotInShipment: 'item_not_in_shipment',
  scanExceedsQuantity: 'scan_exceeds_quantity',
  returnNotAwaitingApproval: 'return_not_awaiting_approval',
  returnNotCancellable: 'return_not_cancellable',
  returnNotReceivable: 'return_not_receivable',
  inspectionMismatch: 'inspection_quantities_mismatch',
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
  /** The supplier refused a dropship order (out of stock, a SKU it no longer sells). */
  supplierRefused: 'supplier_refused',
} as const;

/** Why a shipment failed, as ops filter for it (FailureReason search attribute, projection). */
export const FailureReason = {
  carrierRefused: 'carrier_refused',
  carrierUnavailable: 'carrier_unavailable',
  captureDeclined: 'capture_declined',
  gatewayUnavailable: 'gateway_unavailable',
  supplierRefused: 'supplier_refused',
  supplierUnavailable: 'supplier_unavailable',
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
  /** The warehouse it ships from; absent on a dropship shipment. */
  locationId?: string;
  /** The supplier that ships a dropship shipment. */
  supplierId?: string;
  status: ShipmentStatus;
  lines: LineQuantity[];
  amountCents: number;
  trackingNumber?: string;
  /** Why a FAILED shipment failed. */
  failureReason?: string;
  /** Its supplier refused and its lines wait to be asked for again: its failure is not the order's. */
  backordered?: boolean;
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
  /** A kit's line: the kit holds no stock, these are picked, scanned (by their UPCs) and shipped instead. */
  components?: PickComponent[];
}

/** One stocked component of a kit line. */
export interface PickComponent {
  sku: string;
  upc: string;
  name: string;
  bin: string | null;
  /** Units for the whole line: kits x unitsPerKit. */
  quantity: number;
  unitsPerKit: number;
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

export interface PackLine extends Omit<PickLine, 'components'> {
  /** Units scanned; on a kit line, the kits whose every component unit is scanned. */
  packed: number;
  components?: (PickComponent & { packed: number })[];
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

/** A shipment of dropshipped lines: the supplier packs and ships it; its tracking comes through the supplier's webhooks. */
export interface DropshipShipmentInput {
  orderId: string;
  shipmentNo: number;
  shipmentId: string;
  supplierId: string;
  lines: LineQuantity[];
  amountCents: number;
  currency: string;
  captureOnShip: boolean;
}

export interface DropshipShipmentView extends Omit<ShipmentView, 'locationId' | 'lines' | 'labelUrl'> {
  supplierId: string;
  lines: LineQuantity[];
}
/** Named like the shipment's status query: a caller asking any shipment gets its live view. */
export const dropshipStatusQuery = defineQuery<DropshipShipmentView>('status');

/** The supplier's webhook: it shipped the dropship order, with this tracking number and carrier. */
export const dropshipShippedSignal = defineSignal<[{ trackingNumber: string; carrier: string }]>('dropshipShipped');
/** Ops give up on a parcel with the carrier: the order refunds its lines or ships them again. */
export const declareLostUpdate = defineUpdate<ShipmentView, [DeclareLostRequest]>('declareLost');

// ---------- Stock receipts ----------

export interface WakeBackordersInput {
  /** What made stock available: `receipt:<id>`, `release:<orderId>`, `release:<shipmentId>`. */
  source: string;
  skus: string[];
}

// ---------- Returns ----------

/** Settings a return runs under, fixed when it is requested so the workflow stays deterministic. */
export interface ReturnPolicy {
  /** Auto-approve when every line's reason is in this list and the value is at most autoApproveMaxCents. */
  autoApproveReasons: ReturnReason[];
  autoApproveMaxCents: number;
  /** A return nobody approves or rejects within this many hours expires. */
  approvalTimeoutHours: number;
  /** A parcel that has not reached the warehouse this many days after the label expires the return. */
  parcelExpiryDays: number;
  /** Percent of the price kept for units returned as changed_mind. */
  restockingFeePercent: number;
}

export interface ReturnLineInput {
  /** The order line this return line takes units back from. */
  lineNo: number;
  sku: string;
  quantity: number;
  reason: ReturnReason;
  note?: string;
  unitPriceCents: number;
  /** Exchange: a replacement order ships this SKU once the returned unit passes inspection. */
  exchangeSku?: string;
}

export interface ReturnInput {
  returnId: string;
  orderId: string;
  customerId: string;
  channel: string;
  currency: string;
  /** The warehouse the parcel goes back to (where the units were shipped from). */
  locationId: string;
  lines: ReturnLineInput[];
  policy: ReturnPolicy;
  /** Ship exchanges at once, holding their value on the original authorization until inspection. */
  advanceExchange: boolean;
}

export interface ReceivedLine {
  lineNo: number;
  /** restock + damaged + scrap = the units that arrived; units never received are not refunded. */
  restock: number;
  damaged: number;
  scrap: number;
}

export interface ReturnView {
  returnId: string;
  orderId: string;
  status: ReturnStatus;
  lines: (ReturnLineInput & { received?: ReceivedLine })[];
  trackingNumber?: string;
  labelUrl?: string;
  refundCents?: number;
  exchangeOrderId?: string;
  decision?: { approved: boolean; by?: string; note?: string };
  /** CANCELLED, REJECTED, EXPIRED, FAILED: why. */
  reason?: string;
  timeline: TimelineEntry[];
}

export interface ReturnDecision {
  by?: string;
  note?: string;
}

export const returnStatusQuery = defineQuery<ReturnView>('status');
export const approveReturnUpdate = defineUpdate<ReturnView, [ReturnDecision]>('approve');
export const rejectReturnUpdate = defineUpdate<ReturnView, [ReturnDecision]>('reject');
/** Accepted until the parcel is received; voids an unused return label. */
export const cancelReturnUpdate = defineUpdate<ReturnView, [{ reason: string; by?: string }]>('cancel');
/** Receipt and inspection at the dock, one disposition split per line. */
export const receiveReturnUpdate = defineUpdate<ReturnView, [{ lines: ReceivedLine[]; by?: string }]>('receive');
// Carrier events on the return label arrive as carrierEventSignal ('carrierEvent'), like shipments'.

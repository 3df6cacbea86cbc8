/**
 * The contract of the purchase order workflow (`po:<id>`) between the API, the workflow and its
 * activities. Workflow-safe (no I/O), so both sides import it.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export const purchaseOrderWorkflowId = (purchaseOrderId: string): string => `po:${purchaseOrderId}`;

export const PURCHASE_ORDER_STATUSES = ['DRAFT', 'SUBMITTED', 'CONFIRMED', 'PARTIALLY_RECEIVED', 'CLOSED', 'CANCELLED'] as const;
export type PurchaseOrderStatus = (typeof PURCHASE_ORDER_STATUSES)[number];
/** Ordered and not yet all received: their units count as incoming. */
export const OPEN_PURCHASE_ORDER_STATUSES: readonly PurchaseOrderStatus[] = ['SUBMITTED', 'CONFIRMED', 'PARTIALLY_RECEIVED'];

export type SubmitMode = 'auto' | 'approval';
export type PurchaseOrderSource = 'manual' | 'replenishment' | 'jit';

/** Refusal types the updates answer with; the API turns them into 409s and 422s. */
export const PurchaseOrderRefusal = {
  notAwaitingApproval: 'purchase_order_not_awaiting_approval',
  notConfirmable: 'purchase_order_not_confirmable',
  notReceivable: 'purchase_order_not_receivable',
  notCancellable: 'purchase_order_not_cancellable',
  notClosable: 'purchase_order_not_closable',
  lineNotOnPurchaseOrder: 'line_not_on_purchase_order',
  duplicateLine: 'duplicate_line',
  confirmedExceedsOrdered: 'confirmed_exceeds_ordered',
  invalidExpectedDate: 'invalid_expected_date',
  overReceipt: 'over_receipt',
} as const;

/** The most units of a line that may ever be received: the ordered quantity plus the tolerance, rounded down. */
export const receivableLimit = (ordered: number, tolerancePercent: number): number => Math.floor((ordered * (100 + tolerancePercent)) / 100);

/** What a line still waits for: the confirmed quantity where the supplier confirmed, else the ordered one. */
export const expectedQuantity = (line: { quantity: number; confirmedQuantity: number | null }): number => line.confirmedQuantity ?? line.quantity;

export interface PurchaseOrderLineState {
  lineNo: number;
  sku: string;
  supplierSku: string;
  quantity: number;
  confirmedQuantity: number | null;
  received: number;
}

export interface PurchaseOrderInput {
  purchaseOrderId: string;
  submitMode: SubmitMode;
  tolerancePercent: number;
  lines: PurchaseOrderLineState[];
}

/** What the activities leave behind, and what the workflow's query and updates answer. */
export interface PurchaseOrderProgress {
  status: PurchaseOrderStatus;
  lines: PurchaseOrderLineState[];
  /** ISO time the goods are due; set when submitted. */
  expectedAt?: string;
  late: boolean;
}

export interface PurchaseOrderView extends PurchaseOrderProgress {
  purchaseOrderId: string;
}

export interface ConfirmPurchaseOrderRequest {
  lines: { sku: string; quantity: number; expectedDate?: string }[];
  /** The whole PO's due time when lines carry no dates of their own. */
  expectedAt?: string;
  by?: string;
}

export interface ReceivePurchaseOrderRequest {
  lines: { sku: string; quantity: number }[];
  by?: string;
}

export interface EndPurchaseOrderRequest {
  reason: string;
  by?: string;
}

export const purchaseOrderStatusQuery = defineQuery<PurchaseOrderView>('status');
export const approvePurchaseOrderUpdate = defineUpdate<PurchaseOrderView, [{ by?: string }]>('approve');
export const confirmPurchaseOrderUpdate = defineUpdate<PurchaseOrderView, [ConfirmPurchaseOrderRequest]>('confirm');
export const receivePurchaseOrderUpdate = defineUpdate<PurchaseOrderView, [ReceivePurchaseOrderRequest]>('receive');
export const cancelPurchaseOrderUpdate = defineUpdate<PurchaseOrderView, [EndPurchaseOrderRequest]>('cancel');
/** Closes a partly received PO short: what did not arrive is no longer expected. */
export const closePurchaseOrderUpdate = defineUpdate<PurchaseOrderView, [EndPurchaseOrderRequest]>('close');

import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes ops filter on in the Temporal UI, e.g. OrderStatus="BACKORDERED". */
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const ChannelKey = defineSearchAttributeKey('Channel', SearchAttributeType.KEYWORD);
export const SkusKey = defineSearchAttributeKey('Skus', SearchAttributeType.KEYWORD_LIST);
export const ShipmentStatusKey = defineSearchAttributeKey('ShipmentStatus', SearchAttributeType.KEYWORD);
export const ShipmentOverdueKey = defineSearchAttributeKey('ShipmentOverdue', SearchAttributeType.BOOL);
/** Why an order or shipment FAILED, e.g. FailureReason="carrier_refused". */
export const FailureReasonKey = defineSearchAttributeKey('FailureReason', SearchAttributeType.KEYWORD);

/** Returns: ReturnStatus="AWAITING_APPROVAL"; OrderId links a return to its order. */
export const ReturnStatusKey = defineSearchAttributeKey('ReturnStatus', SearchAttributeType.KEYWORD);
export const OrderIdKey = defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD);

/**
 * Adjustments and count corrections waiting for ops: AdjustmentStatus="PENDING_APPROVAL" (with
 * WorkflowType="countCorrectionWorkflow" for cycle-count variances only).
 */
export const AdjustmentStatusKey = defineSearchAttributeKey('AdjustmentStatus', SearchAttributeType.KEYWORD);

/** Purchase orders: PurchaseOrderStatus="DRAFT" (awaiting approval), PurchaseOrderLate=true (past their due time). */
export const PurchaseOrderStatusKey = defineSearchAttributeKey('PurchaseOrderStatus', SearchAttributeType.KEYWORD);
export const PurchaseOrderLateKey = defineSearchAttributeKey('PurchaseOrderLate', SearchAttributeType.BOOL);

export const ALL_SEARCH_ATTRIBUTES = [
  OrderStatusKey,
  CustomerIdKey,
  ChannelKey,
  SkusKey,
  ShipmentStatusKey,
  ShipmentOverdueKey,
  FailureReasonKey,
  ReturnStatusKey,
  OrderIdKey,
  AdjustmentStatusKey,
  PurchaseOrderStatusKey,
  PurchaseOrderLateKey,
];

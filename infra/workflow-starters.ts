import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { Knex } from 'knex';
import type { OrderInput, ReturnInput, ReturnLineInput, WakeBackordersInput } from '../workflows/definitions';
import { orderWorkflowId, receiptWorkflowId, returnWorkflowId } from '../workflows/definitions';
import {
  AdjustmentStatusKey,
  ChannelKey,
  CustomerIdKey,
  OrderIdKey,
  OrderStatusKey,
  PurchaseOrderLateKey,
  PurchaseOrderStatusKey,
  ReturnStatusKey,
  ShipmentStatusKey,
  SkusKey,
} from '../workflows/search-attributes';
import { type AdjustmentInput, adjustmentWorkflowId } from '../workflows/adjustment-definitions';
import { type TransferInput, transferWorkflowId } from '../workflows/transfer-definitions';
import { type PurchaseOrderInput, purchaseOrderWorkflowId } from '../workflows/purchase-order-definitions';

/**
 * Starting a workflow for a row the API already committed. Safe to call any number of times:
 * the workflow id is the business id, so a second start finds the first and changes nothing.
 * The API calls these right after its transaction; the worker's sweep calls them for rows a
 * crash left without a workflow.
 */
export async function startOrderWorkflow(client: Client, taskQueue: string, db: Knex, orderId: string): Promise<void> {
  const input = await orderInputFromDb(db, orderId);
  try {
    await client.workflow.start('orderWorkflow', {
      taskQueue,
      workflowId: orderWorkflowId(orderId),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: OrderStatusKey, value: 'ACCEPTED' },
        { key: CustomerIdKey, value: input.customerId },
        { key: ChannelKey, value: input.channel },
        { key: SkusKey, value: input.lines.map((line) => line.sku) },
      ],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  await db('orders').where({ id: orderId }).whereNull('workflow_started_at').update({ workflow_started_at: db.fn.now() });
}

/** Like startOrderWorkflow, for a return the API committed: the row's policy and lines become the workflow's input. */
export async function startReturnWorkflow(client: Client, taskQueue: string, db: Knex, returnId: string): Promise<void> {
  const { input, status } = await returnInputFromDb(db, returnId);
  try {
    await client.workflow.start('returnWorkflow', {
      taskQueue,
      workflowId: returnWorkflowId(returnId),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: ReturnStatusKey, value: status },
        { key: OrderIdKey, value: input.orderId },
        { key: CustomerIdKey, value: input.customerId },
      ],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  await db('returns').where({ id: returnId }).whereNull('workflow_started_at').update({ workflow_started_at: db.fn.now() });
}

export async function startWakeBackorders(client: Client, taskQueue: string, db: Knex, receiptId: string): Promise<void> {
  const receipt = await db('receipts').where({ id: receiptId }).first();
  if (!receipt) throw new Error(`receipt ${receiptId} not found`);
  const skus = [...new Set((receipt.lines as { sku: string }[]).map((line) => line.sku))].sort();
  const input: WakeBackordersInput = { source: `receipt:${receiptId}`, skus };
  try {
    await client.workflow.start('wakeBackordersWorkflow', {
      taskQueue,
      workflowId: receiptWorkflowId(receiptId),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  await db('receipts').where({ id: receiptId }).whereNull('wake_started_at').update({ wake_started_at: db.fn.now() });
}

export async function orderInputFromDb(db: Knex, orderId: string): Promise<OrderInput> {
  const order = await db('orders').where({ id: orderId }).first();
  if (!order) throw new Error(`order ${orderId} not found`);
  const lines = await db('order_lines').where({ order_id: orderId }).orderBy('line_no');
  return {
    orderId,
    customerId: order.customer_id,
    channel: order.channel,
    currency: order.currency,
    lines: lines.map((line) => ({
      lineNo: line.line_no,
      sku: line.sku,
      quantity: line.quantity,
      unitPriceCents: line.unit_price_cents,
      ...(line.dropship_supplier_id ? { dropshipSupplierId: line.dropship_supplier_id } : {}),
    })),
    shippingCents: order.shipping_cents,
    totalCents: order.total_cents,
    backorderPolicy: order.backorder_policy,
    backorderDeadline: new Date(order.backorder_deadline).toISOString(),
    captureMode: order.capture_mode,
  };
}

async function returnInputFromDb(db: Knex, returnId: string): Promise<{ input: ReturnInput; status: string }> {
  const row = await db('returns').where({ id: returnId }).first();
  if (!row) throw new Error(`return ${returnId} not found`);
  const lines = await db('return_lines').where({ return_id: returnId }).orderBy('line_no');
  const input: ReturnInput = {
    returnId,
    orderId: row.order_id,
    customerId: row.customer_id,
    channel: row.channel,
    currency: row.currency,
    locationId: row.location_id,
    lines: lines.map(
      (line): ReturnLineInput => ({
        lineNo: line.line_no,
        sku: line.sku,
        quantity: line.quantity,
        reason: line.reason,
        unitPriceCents: line.unit_price_cents,
        ...(line.note ? { note: line.note } : {}),
        ...(line.exchange_sku ? { exchangeSku: line.exchange_sku } : {}),
      }),
    ),
    policy: row.policy,
    advanceExchange: row.advance_exchange,
  };
  return { input, status: row.status };
}

/** Like startOrderWorkflow, for an adjustment or count correction the API committed (applied or waiting for ops). */
export async function startAdjustmentWorkflow(client: Client, taskQueue: string, db: Knex, adjustmentId: string): Promise<void> {
  const row = await db('adjustments').where({ id: adjustmentId }).first('kind', 'status', 'needs_approval', 'approval_deadline');
  if (!row) throw new Error(`adjustment ${adjustmentId} not found`);
  const input: AdjustmentInput = {
    adjustmentId,
    kind: row.kind,
    needsApproval: row.needs_approval,
    approvalDeadline: new Date(row.approval_deadline).toISOString(),
  };
  try {
    await client.workflow.start(row.kind === 'count_correction' ? 'countCorrectionWorkflow' : 'adjustmentWorkflow', {
      taskQueue,
      workflowId: adjustmentWorkflowId(adjustmentId),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [{ key: AdjustmentStatusKey, value: row.needs_approval ? 'PENDING_APPROVAL' : 'APPLIED' }],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  await db('adjustments').where({ id: adjustmentId }).whereNull('workflow_started_at').update({ workflow_started_at: db.fn.now() });
}

/**
 * Like startOrderWorkflow, for a transfer the API committed with its units held at the source. Its
 * status is kept in ShipmentStatus (a transfer is a shipment between locations) and its SKUs in Skus.
 */
export async function startTransferWorkflow(client: Client, taskQueue: string, db: Knex, transferId: string): Promise<void> {
  const row = await db('transfers as t').join('locations as loc', 'loc.id', 't.from_location_id').where('t.id', transferId).first('t.*', 'loc.fulfillment_mode');
  if (!row) throw new Error(`transfer ${transferId} not found`);
  const lines = await db('transfer_lines').where({ transfer_id: transferId }).orderBy('line_no');
  const input: TransferInput = {
    transferId,
    fromLocationId: row.from_location_id,
    toLocationId: row.to_location_id,
    autoShip: row.fulfillment_mode === 'auto',
    lines: lines.map((line) => ({ lineNo: line.line_no, sku: line.sku, quantity: line.quantity, shipped: line.shipped, received: line.received, writtenOff: line.written_off })),
  };
  try {
    await client.workflow.start('transferWorkflow', {
      taskQueue,
      workflowId: transferWorkflowId(transferId),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: ShipmentStatusKey, value: row.status },
        { key: SkusKey, value: input.lines.map((line) => line.sku) },
      ],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  await db('transfers').where({ id: transferId }).whereNull('workflow_started_at').update({ workflow_started_at: db.fn.now() });
}

/** Like startOrderWorkflow, for a purchase order drafted by the API, replenishment or a JIT backorder. */
export async function startPurchaseOrderWorkflow(client: Client, taskQueue: string, db: Knex, purchaseOrderId: string): Promise<void> {
  const row = await db('purchase_orders').where({ id: purchaseOrderId }).first('status', 'submit_mode', 'receipt_tolerance_percent', 'late');
  if (!row) throw new Error(`purchase order ${purchaseOrderId} not found`);
  const lines = await db('purchase_order_lines').where({ purchase_order_id: purchaseOrderId }).orderBy('line_no');
  const input: PurchaseOrderInput = {
    purchaseOrderId,
    submitMode: row.submit_mode,
    tolerancePercent: row.receipt_tolerance_percent,
    lines: lines.map((line) => ({
      lineNo: line.line_no,
      sku: line.sku,
      supplierSku: line.supplier_sku,
      quantity: line.quantity,
      confirmedQuantity: line.confirmed_quantity,
      received: line.received,
    })),
  };
  try {
    await client.workflow.start('purchaseOrderWorkflow', {
      taskQueue,
      workflowId: purchaseOrderWorkflowId(purchaseOrderId),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: PurchaseOrderStatusKey, value: row.status },
        { key: PurchaseOrderLateKey, value: row.late },
        { key: SkusKey, value: input.lines.map((line) => line.sku) },
      ],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  await db('purchase_orders').where({ id: purchaseOrderId }).whereNull('workflow_started_at').update({ workflow_started_at: db.fn.now() });
}

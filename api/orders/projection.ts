import type { Knex } from 'knex';
import { pageByCreation } from '../cursor';
import { iso, isoOrNull } from '../iso-date-time';
import type { Order, OrderSummary } from '../schemas';

/** The orders projection (written by the API at creation, by the workflows' activities after). */
export async function loadOrder(db: Knex, orderId: string): Promise<Order | undefined> {
  const row = await db('orders').where({ id: orderId }).first();
  if (!row) return undefined;
  const [lines, shipments, events, payments, returns] = await Promise.all([
    db('order_lines').where({ order_id: orderId }).orderBy('line_no'),
    db('shipments').where({ order_id: orderId }).orderBy('shipment_no'),
    db('order_events').where({ order_id: orderId }).orderBy('id'),
    db('payments').where({ order_id: orderId }).orderBy('id'),
    db('returns').where({ order_id: orderId }).orderBy(['created_at', 'id']).select('id', 'status', 'refunded_cents', 'created_at'),
  ]);
  return {
    ...orderSummary(row, lines),
    shipments: shipments.map((shipment) => ({
      id: shipment.id,
      shipmentNo: shipment.shipment_no,
      locationId: shipment.location_id,
      supplierId: shipment.supplier_id,
      status: shipment.status,
      trackingNumber: shipment.tracking_number,
      labelUrl: shipment.label_url,
      overdue: shipment.overdue,
      failureReason: shipment.failure_reason,
    })),
    events: events.map((event) => ({ type: event.type, detail: event.detail, at: iso(event.created_at) })),
    payments: payments.map((payment) => ({
      kind: payment.kind,
      status: payment.status,
      amountCents: payment.amount_cents,
      at: iso(payment.created_at),
    })),
    returns: returns.map((row) => ({
      id: row.id,
      status: row.status,
      refundedCents: row.refunded_cents,
      createdAt: iso(row.created_at),
    })),
  };
}

export interface OrderFilters {
  status?: string;
  customerId?: string;
  channel?: string;
  /** The caller's scope: only these channels' orders (a client key's channels). */
  channelIn?: readonly string[] | null;
  /** The caller's scope: only this customer's orders (a customer-bound client key). */
  scopeCustomerId?: string | null;
  createdFrom?: string;
  createdTo?: string;
  limit?: number;
  cursor?: string;
}

/**
 * Newest first. The cursor carries the last row's created_at to the microsecond (a JS Date would
 * round it to the millisecond and skip or repeat rows) and its id, which breaks ties.
 */
export async function listOrders(db: Knex, filters: OrderFilters): Promise<{ data: OrderSummary[]; nextCursor: string | null }> {
  const { rows, nextCursor } = await pageByCreation(db, 'orders', filters, (query) => {
    if (filters.status) query.where('status', filters.status);
    if (filters.customerId) query.where('customer_id', filters.customerId);
    if (filters.channel) query.where('channel', filters.channel);
    if (filters.channelIn) query.whereIn('channel', [...filters.channelIn]);
    if (filters.scopeCustomerId) query.where('customer_id', filters.scopeCustomerId);
    if (filters.createdFrom) query.where('created_at', '>=', filters.createdFrom);
    if (filters.createdTo) query.where('created_at', '<', filters.createdTo);
  });
  const lines = await db('order_lines')
    .whereIn('order_id', rows.map((row) => row.id))
    .orderBy(['order_id', 'line_no']);
  return { data: rows.map((row) => orderSummary(row, lines.filter((line) => line.order_id === row.id))), nextCursor };
}

// Rows come from knex untyped; the mappers are where they take the API's shape.
function orderSummary(row: any, lines: any[]): OrderSummary {
  return {
    id: row.id,
    status: row.status,
    failureReason: row.failure_reason,
    customerId: row.customer_id,
    channel: row.channel,
    externalRef: row.external_ref,
    currency: row.currency,
    itemsCents: row.items_cents,
    shippingCents: row.shipping_cents,
    totalCents: row.total_cents,
    refundedCents: row.refunded_cents,
    backorder: { policy: row.backorder_policy, deadline: isoOrNull(row.backorder_deadline) },
    captureMode: row.capture_mode,
    shippingAddress: row.shipping_address,
    lines: lines.map((line) => ({
      lineNo: line.line_no,
      sku: line.sku,
      quantity: line.quantity,
      unitPriceCents: line.unit_price_cents,
      qtyShipped: line.qty_shipped,
      qtyCancelled: line.qty_cancelled,
      qtyLost: line.qty_lost,
      qtyReturned: line.qty_returned,
      refundedCents: line.refunded_cents,
    })),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

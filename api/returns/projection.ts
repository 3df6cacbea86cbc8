import type { Knex } from 'knex';
import { pageByCreation } from '../cursor';
import { iso, isoOrNull } from '../iso-date-time';
import type { ListReturnsQuery, Return, ReturnSummary } from './schemas';

/** The returns projection (written by the API at the request, by the return workflow's activities after). */
export async function loadReturn(db: Knex, returnId: string): Promise<Return | undefined> {
  const row = await db('returns').where({ id: returnId }).first();
  if (!row) return undefined;
  const [lines, payments] = await Promise.all([
    db('return_lines').where({ return_id: returnId }).orderBy('line_no'),
    db('payments').where({ return_id: returnId }).orderBy('id'),
  ]);
  return {
    ...returnSummary(row, lines),
    payments: payments.map((payment) => ({
      kind: payment.kind,
      status: payment.status,
      amountCents: payment.amount_cents,
      at: iso(payment.created_at),
    })),
  };
}

export interface ReturnFilters extends ListReturnsQuery {
  /** The caller's scope: only these channels' returns (a client key's channels). */
  channelIn?: readonly string[] | null;
  /** The caller's scope: only this customer's returns (a customer-bound client key). */
  scopeCustomerId?: string | null;
  /** The caller's scope: only returns going back to these locations (a warehouse key's). */
  locationIn?: readonly string[] | null;
}

/** Newest first, paged by (created_at to the microsecond, id) as orders are. */
export async function listReturns(db: Knex, filters: ReturnFilters): Promise<{ data: ReturnSummary[]; nextCursor: string | null }> {
  const { rows, nextCursor } = await pageByCreation(db, 'returns', filters, (query) => {
    if (filters.status) query.where('status', filters.status);
    if (filters.orderId) query.where('order_id', filters.orderId);
    if (filters.customerId) query.where('customer_id', filters.customerId);
    if (filters.locationId) query.where('location_id', filters.locationId);
    if (filters.channelIn) query.whereIn('channel', [...filters.channelIn]);
    if (filters.scopeCustomerId) query.where('customer_id', filters.scopeCustomerId);
    if (filters.locationIn) query.whereIn('location_id', [...filters.locationIn]);
    if (filters.createdFrom) query.where('created_at', '>=', filters.createdFrom);
    if (filters.createdTo) query.where('created_at', '<', filters.createdTo);
  });
  const lines = await db('return_lines')
    .whereIn('return_id', rows.map((row) => row.id))
    .orderBy(['return_id', 'line_no']);
  return { data: rows.map((row) => returnSummary(row, lines.filter((line) => line.return_id === row.id))), nextCursor };
}

// Rows come from knex untyped; the mappers are where they take the API's shape.
function returnSummary(row: any, lines: any[]): ReturnSummary {
  return {
    id: row.id,
    orderId: row.order_id,
    customerId: row.customer_id,
    channel: row.channel,
    locationId: row.location_id,
    status: row.status,
    currency: row.currency,
    requestedCents: row.requested_cents,
    refundedCents: row.refunded_cents,
    advanceExchange: row.advance_exchange,
    exchangeOrderId: row.exchange_order_id,
    carrier: row.carrier,
    trackingNumber: row.tracking_number,
    labelUrl: row.label_url,
    decidedBy: row.decided_by,
    decisionNote: row.decision_note,
    reason: row.reason,
    receivedAt: isoOrNull(row.received_at),
    closedAt: isoOrNull(row.closed_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    lines: lines.map((line) => ({
      lineNo: line.line_no,
      sku: line.sku,
      quantity: line.quantity,
      reason: line.reason,
      note: line.note,
      unitPriceCents: line.unit_price_cents,
      exchangeSku: line.exchange_sku,
      qtyReceived: line.qty_received,
      qtyRestocked: line.qty_restocked,
      qtyDamaged: line.qty_damaged,
      qtyScrapped: line.qty_scrapped,
      refundedCents: line.refunded_cents,
    })),
  };
}

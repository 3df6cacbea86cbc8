import type { Knex } from 'knex';
import { expectedQuantity, OPEN_PURCHASE_ORDER_STATUSES, type PurchaseOrderStatus } from '../../workflows/purchase-order-definitions';
import { iso } from '../iso-date-time';
import type { PurchaseOrder } from './schemas';

const isoOrNull = (value: Date | null) => (value ? iso(value) : null);
const dateOnly = (value: Date | string | null) => (value === null ? null : typeof value === 'string' ? value.slice(0, 10) : value.toISOString().slice(0, 10));

/** Where the supplier reads the PO: a link that carries its token instead of an API key. */
export const documentPath = (id: string, token: string, pdf = false) => `/v1/purchase-orders/${id}/document${pdf ? '.pdf' : ''}?token=${token}`;

/** The PO as the API shows it (from Postgres, which its workflow's activities write), or undefined. */
export async function loadPurchaseOrder(db: Knex, id: string): Promise<PurchaseOrder | undefined> {
  const row = await db('purchase_orders').where({ id }).first();
  if (!row) return undefined;
  const lines = await db('purchase_order_lines').where({ purchase_order_id: id }).orderBy('line_no');
  const events = await db('purchase_order_events').where({ purchase_order_id: id }).orderBy('id').select('kind', 'note', 'created_at');
  const open = OPEN_PURCHASE_ORDER_STATUSES.includes(row.status as PurchaseOrderStatus);
  return {
    id: row.id,
    supplierId: row.supplier_id,
    locationId: row.location_id,
    status: row.status,
    submit: row.submit_mode,
    source: row.source,
    reason: row.reason,
    currency: row.currency,
    receiptTolerancePercent: row.receipt_tolerance_percent,
    expectedAt: isoOrNull(row.expected_at),
    late: row.late,
    documentUrl: row.document_token ? documentPath(row.id, row.document_token) : null,
    totalCents: lines.reduce((sum, line) => sum + line.quantity * line.unit_cost_cents, 0),
    lines: lines.map((line) => ({
      lineNo: line.line_no,
      sku: line.sku,
      supplierSku: line.supplier_sku,
      quantity: line.quantity,
      unitCostCents: line.unit_cost_cents,
      packOverrideReason: line.pack_override_reason,
      confirmedQuantity: line.confirmed_quantity,
      confirmedDate: dateOnly(line.confirmed_date),
      received: line.received,
      incoming: open ? Math.max(0, expectedQuantity({ quantity: line.quantity, confirmedQuantity: line.confirmed_quantity }) - line.received) : 0,
    })),
    timeline: events.map((event) => ({ kind: event.kind, note: event.note, at: iso(event.created_at) })),
    createdAt: iso(row.created_at),
    submittedAt: isoOrNull(row.submitted_at),
    confirmedAt: isoOrNull(row.confirmed_at),
    closedAt: isoOrNull(row.closed_at),
  };
}

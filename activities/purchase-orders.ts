import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { kitSkusAmong } from '../db/kits';
import { purchasingSettingsFrom } from '../infra/config';
import {
  expectedQuantity,
  OPEN_PURCHASE_ORDER_STATUSES,
  type PurchaseOrderLineState,
  type PurchaseOrderProgress,
  PurchaseOrderRefusal,
  type PurchaseOrderSource,
  type PurchaseOrderStatus,
  receivableLimit,
  type SubmitMode,
} from '../workflows/purchase-order-definitions';
import type { StockWaker } from './backorders';
import { addLayer } from './cost-layers';
import { emitEvent } from './outbound-events';
import { RequestRefused } from './refused';

export interface DraftPurchaseOrder {
  supplierId: string;
  locationId: string;
  lines: { sku: string; quantity: number; unitCostCents?: number; packOverrideReason?: string }[];
  source: PurchaseOrderSource;
  /** Why the PO was drafted (replenishment's explanation, a buyer's note). */
  reason?: string;
  /** auto: submitted as soon as its workflow starts; approval (the default): waits for the approve update. */
  submit?: SubmitMode;
  /** The same key again returns the PO it drafted first, and writes nothing. */
  idempotencyKey?: string;
  createdBy?: string | null;
  /** Past the ordered quantity a line may be received; PURCHASE_RECEIPT_TOLERANCE_PERCENT unless given. */
  tolerancePercent?: number;
}

interface SupplierRow {
  id: string;
  active: boolean;
  currency: string;
  lead_time_days: number;
}

/**
 * Checks a draft and writes it (the PO row DRAFT and its lines), in the caller's transaction or a
 * new one; starts nothing (startPurchaseOrderWorkflow does). Refusals are RequestRefused, nothing
 * written: supplier_not_found, supplier_inactive, location_not_found, location_inactive,
 * duplicate_line, unknown_sku, product_inactive, kit_not_purchasable, not_supplied (no supplier
 * product row), not_pack_multiple and below_minimum_order_quantity (unless the line gives a
 * packOverrideReason).
 */
export async function createDraftPurchaseOrder(db: Knex | Knex.Transaction, draft: DraftPurchaseOrder): Promise<{ purchaseOrderId: string }> {
  const write = async (trx: Knex.Transaction): Promise<{ purchaseOrderId: string }> => {
    if (draft.idempotencyKey) {
      const earlier = await trx('purchase_orders').where({ idempotency_key: draft.idempotencyKey }).first('id');
      if (earlier) return { purchaseOrderId: earlier.id };
    }
    const { supplier, costs } = await checkDraft(trx, draft);
    const id = `po_${randomBytes(12).toString('hex')}`;
    const inserted = await trx('purchase_orders')
      .insert({
        id,
        supplier_id: supplier.id,
        location_id: draft.locationId,
        status: 'DRAFT',
        submit_mode: draft.submit ?? 'approval',
        source: draft.source,
        reason: draft.reason ?? null,
        currency: supplier.currency,
        receipt_tolerance_percent: draft.tolerancePercent ?? purchasingSettingsFrom(process.env).receiptTolerancePercent,
        created_by: draft.createdBy ?? null,
        idempotency_key: draft.idempotencyKey ?? null,
      })
      .onConflict('idempotency_key')
      .ignore()
      .returning('id');
    if (inserted.length === 0) {
      // A concurrent draft with the key committed first.
      return { purchaseOrderId: (await trx('purchase_orders').where({ idempotency_key: draft.idempotencyKey }).first('id')).id };
    }
    await trx('purchase_order_lines').insert(
      draft.lines.map((line, index) => ({
        purchase_order_id: id,
        line_no: index + 1,
        sku: line.sku,
        supplier_sku: costs.get(line.sku)!.supplier_sku,
        quantity: line.quantity,
        unit_cost_cents: line.unitCostCents ?? costs.get(line.sku)!.unit_cost_cents,
        pack_override_reason: line.packOverrideReason ?? null,
      })),
    );
    await note(trx, id, 'drafted', `drafted (${draft.source}${draft.reason ? `: ${draft.reason}` : ''})`, 'drafted');
    return { purchaseOrderId: id };
  };
  return db.isTransaction ? write(db as Knex.Transaction) : db.transaction(write);
}

interface SupplierProductRow {
  sku: string;
  supplier_sku: string;
  unit_cost_cents: number;
  pack_size: number;
  minimum_order_quantity: number;
}

async function checkDraft(db: Knex, draft: DraftPurchaseOrder): Promise<{ supplier: SupplierRow; costs: Map<string, SupplierProductRow> }> {
  const supplier: SupplierRow | undefined = await db('suppliers').where({ id: draft.supplierId }).first('id', 'active', 'currency', 'lead_time_days');
  if (!supplier) throw new RequestRefused('supplier_not_found', `supplier ${draft.supplierId} not found`, 422, { supplierId: draft.supplierId });
  if (!supplier.active) throw new RequestRefused('supplier_inactive', `supplier ${draft.supplierId} is deactivated`, 422, { supplierId: draft.supplierId });
  const location = await db('locations').where({ id: draft.locationId }).first('active', 'kind');
  if (!location) throw new RequestRefused('location_not_found', `location ${draft.locationId} not found`, 422, { locationId: draft.locationId });
  if (!location.active || location.kind === 'quarantine') {
    throw new RequestRefused('location_inactive', `location ${draft.locationId} cannot receive purchases`, 422, { locationId: draft.locationId });
  }
  if (draft.lines.length === 0) throw new RequestRefused('no_lines', 'a purchase order needs at least one line');
  const skus = draft.lines.map((line) => line.sku);
  const duplicate = skus.find((sku, index) => skus.indexOf(sku) !== index);
  if (duplicate) throw new RequestRefused('duplicate_line', `${duplicate} appears on more than one line`, 422, { sku: duplicate });
  const products: { sku: string; active: boolean }[] = await db('products').whereIn('sku', skus).select('sku', 'active');
  const unknown = skus.filter((sku) => !products.some((product) => product.sku === sku));
  if (unknown.length > 0) throw new RequestRefused('unknown_sku', `unknown sku: ${unknown.join(', ')}`, 422, { skus: unknown });
  const inactive = products.filter((product) => !product.active).map((product) => product.sku);
  if (inactive.length > 0) throw new RequestRefused('product_inactive', `deactivated: ${inactive.join(', ')}`, 422, { skus: inactive });
  const kits = await kitSkusAmong(db, skus);
  if (kits.length > 0) throw new RequestRefused('kit_not_purchasable', `${kits.join(', ')}: buy the components`, 422, { skus: kits });
  const rows: SupplierProductRow[] = await db('supplier_products')
    .where({ supplier_id: supplier.id })
    .whereIn('sku', skus)
    .select('sku', 'supplier_sku', 'unit_cost_cents', 'pack_size', 'minimum_order_quantity');
  const costs = new Map(rows.map((row) => [row.sku, row]));
  const unsupplied = skus.filter((sku) => !costs.has(sku));
  if (unsupplied.length > 0) {
    throw new RequestRefused('not_supplied', `supplier ${supplier.id} has no terms for ${unsupplied.join(', ')}`, 422, { skus: unsupplied });
  }
  for (const line of draft.lines) {
    const terms = costs.get(line.sku)!;
    if (line.packOverrideReason) continue;
    if (line.quantity % terms.pack_size !== 0) {
      throw new RequestRefused('not_pack_multiple', `${line.sku}: ${line.quantity} is not a multiple of the pack size ${terms.pack_size}`, 422, {
        sku: line.sku,
        packSize: terms.pack_size,
      });
    }
    if (line.quantity < terms.minimum_order_quantity) {
      throw new RequestRefused('below_minimum_order_quantity', `${line.sku}: ${line.quantity} is below the minimum of ${terms.minimum_order_quantity}`, 422, {
        sku: line.sku,
        minimumOrderQuantity: terms.minimum_order_quantity,
      });
    }
  }
  return { supplier, costs };
}

interface PurchaseOrderRow {
  id: string;
  status: PurchaseOrderStatus;
  supplier_id: string;
  location_id: string;
  expected_at: Date | null;
  late: boolean;
  receipt_tolerance_percent: number;
}

interface LineRow {
  line_no: number;
  sku: string;
  supplier_sku: string;
  quantity: number;
  confirmed_quantity: number | null;
  unit_cost_cents: number;
  received: number;
}

export function purchaseOrderLineStates(lines: LineRow[]): PurchaseOrderLineState[] {
  return [...lines]
    .sort((a, b) => a.line_no - b.line_no)
    .map((line) => ({
      lineNo: line.line_no,
      sku: line.sku,
      supplierSku: line.supplier_sku,
      quantity: line.quantity,
      confirmedQuantity: line.confirmed_quantity,
      received: line.received,
    }));
}

const progressOf = (po: PurchaseOrderRow, lines: LineRow[]): PurchaseOrderProgress => ({
  status: po.status,
  lines: purchaseOrderLineStates(lines),
  late: po.late,
  ...(po.expected_at ? { expectedAt: new Date(po.expected_at).toISOString() } : {}),
});

async function lockPurchaseOrder(trx: Knex.Transaction, id: string): Promise<{ po: PurchaseOrderRow; lines: LineRow[] }> {
  const po: PurchaseOrderRow | undefined = await trx('purchase_orders').where({ id }).forUpdate().first();
  if (!po) throw new Error(`purchase order ${id} not found`);
  return { po, lines: await trx('purchase_order_lines').where({ purchase_order_id: id }).orderBy('line_no') };
}

async function note(trx: Knex, purchaseOrderId: string, kind: string, text: string, key: string): Promise<void> {
  await trx('purchase_order_events')
    .insert({ purchase_order_id: purchaseOrderId, kind, note: text, key: `${purchaseOrderId}:${key}` })
    .onConflict('key')
    .ignore();
}

/** The new status, its timeline note and its outbound event (purchase_order.<status>), in the caller's transaction. */
async function moveTo(trx: Knex.Transaction, po: PurchaseOrderRow, status: PurchaseOrderStatus, fields: object, text: string, key: string): Promise<PurchaseOrderRow> {
  const [updated] = await trx('purchase_orders')
    .where({ id: po.id })
    .update({ status, updated_at: trx.fn.now(), ...fields })
    .returning('*');
  await note(trx, po.id, status.toLowerCase(), text, key);
  if (status !== po.status) {
    await emitEvent(trx, { type: `purchase_order.${status.toLowerCase()}`, key: `purchase_order:${po.id}:${key}`, data: { purchaseOrderId: po.id, status } });
  }
  return updated;
}

const bySku = <T extends { sku: string }>(rows: T[]): T[] => [...rows].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
const outstanding = (lines: LineRow[]) =>
  lines.reduce((sum, line) => sum + Math.max(0, expectedQuantity({ quantity: line.quantity, confirmedQuantity: line.confirmed_quantity }) - line.received), 0);

export function purchaseOrderActivities(db: Knex, wake: StockWaker) {
  return {
    /**
     * DRAFT → SUBMITTED, once: the due time is the supplier's lead time from now, the document gets
     * its token (the supplier reads it at /v1/purchase-orders/:id/document?token=…), and each line's
     * level row exists so its units show as incoming.
     */
    async submitPurchaseOrder(input: { purchaseOrderId: string }): Promise<PurchaseOrderProgress> {
      return db.transaction(async (trx) => {
        const { po, lines } = await lockPurchaseOrder(trx, input.purchaseOrderId);
        if (po.status !== 'DRAFT') return progressOf(po, lines);
        const supplier = await trx('suppliers').where({ id: po.supplier_id }).first('lead_time_days');
        for (const line of bySku(lines)) {
          await trx('inventory_levels').insert({ sku: line.sku, location_id: po.location_id }).onConflict(['sku', 'location_id']).ignore();
        }
        const submitted = await moveTo(
          trx,
          po,
          'SUBMITTED',
          {
            submitted_at: trx.fn.now(),
            expected_at: trx.raw('coalesce(expected_at, now() + make_interval(days => ?))', [supplier.lead_time_days]),
            document_token: randomBytes(24).toString('hex'),
          },
          'submitted to the supplier',
          'submitted',
        );
        return progressOf(submitted, lines);
      });
    },

    /**
     * The supplier's confirmation `confirmationNo` (the workflow validated its lines): confirmed
     * quantities and dates; the due time becomes the latest confirmed date, and a late PO confirmed
     * for later is no longer late. A no-op once receipts began or the PO ended.
     */
    async confirmPurchaseOrder(input: {
      purchaseOrderId: string;
      confirmationNo: number;
      lines: { sku: string; quantity: number; expectedDate?: string }[];
      expectedAt?: string;
    }): Promise<PurchaseOrderProgress> {
      return db.transaction(async (trx) => {
        const { po, lines } = await lockPurchaseOrder(trx, input.purchaseOrderId);
        if (po.status !== 'SUBMITTED' && po.status !== 'CONFIRMED') return progressOf(po, lines);
        for (const line of input.lines) {
          await trx('purchase_order_lines')
            .where({ purchase_order_id: po.id, sku: line.sku })
            .update({ confirmed_quantity: line.quantity, confirmed_date: line.expectedDate ?? null });
        }
        const dates = input.lines.flatMap((line) => (line.expectedDate ? [`${line.expectedDate}T23:59:59.999Z`] : []));
        const expectedAt = input.expectedAt ?? dates.sort().at(-1);
        const late = po.late && !(expectedAt && new Date(expectedAt).getTime() > Date.now());
        const confirmed = await moveTo(
          trx,
          po,
          'CONFIRMED',
          { confirmed_at: trx.fn.now(), late, ...(expectedAt ? { expected_at: expectedAt } : {}) },
          `confirmed by the supplier: ${input.lines.map((line) => `${line.sku} x${line.quantity}`).join(', ')}${expectedAt ? `, due ${expectedAt}` : ''}`,
          `confirmed:${input.confirmationNo}`,
        );
        return progressOf(confirmed, await trx('purchase_order_lines').where({ purchase_order_id: po.id }));
      });
    },

    /**
     * Puts receipt `receiptNo` into the PO location's stock, once (its ledger rows' keys say whether
     * it was): per line a `receipt` row referencing the PO and a FIFO layer at the line's unit cost.
     * Everything expected received closes the PO. More than the tolerance allows is refused.
     */
    async receivePurchaseOrder(input: { purchaseOrderId: string; receiptNo: number; lines: { sku: string; quantity: number }[] }): Promise<PurchaseOrderProgress> {
      return db.transaction(async (trx) => {
        const { po, lines } = await lockPurchaseOrder(trx, input.purchaseOrderId);
        const keyOf = (lineNo: number) => `po:${po.id}:${lineNo}:${input.receiptNo}`;
        const byLine = new Map(lines.map((line) => [line.sku, line]));
        const received = input.lines.filter((line) => line.quantity > 0).map((line) => ({ ...line, row: byLine.get(line.sku)! }));
        const done = await trx('inventory_movements').whereIn('idempotency_key', received.map((line) => keyOf(line.row.line_no))).first('id');
        if (done || received.length === 0) return progressOf(po, lines);
        if (po.status === 'DRAFT' || po.status === 'CANCELLED') {
          throw ApplicationFailure.nonRetryable(`purchase order ${po.id} is ${po.status}`, PurchaseOrderRefusal.notReceivable);
        }
        for (const { row, quantity } of bySku(received)) {
          const limit = receivableLimit(row.quantity, po.receipt_tolerance_percent);
          if (row.received + quantity > limit) {
            throw ApplicationFailure.nonRetryable(`${row.sku}: receiving ${quantity} would pass the ${limit} receivable`, PurchaseOrderRefusal.overReceipt);
          }
          await trx('inventory_levels')
            .insert({ sku: row.sku, location_id: po.location_id, on_hand: quantity })
            .onConflict(['sku', 'location_id'])
            .merge({ on_hand: trx.raw('inventory_levels.on_hand + excluded.on_hand'), updated_at: trx.fn.now() });
          const [movement] = await trx('inventory_movements')
            .insert({
              sku: row.sku,
              location_id: po.location_id,
              quantity,
              kind: 'receipt',
              reference_type: 'purchase_order',
              reference_id: po.id,
              idempotency_key: keyOf(row.line_no),
            })
            .returning('id');
          await addLayer(trx, { movementId: Number(movement.id), sku: row.sku, locationId: po.location_id, quantity, unitCostCents: row.unit_cost_cents });
          await trx('purchase_order_lines').where({ purchase_order_id: po.id, line_no: row.line_no }).increment('received', quantity);
        }
        const after: LineRow[] = await trx('purchase_order_lines').where({ purchase_order_id: po.id });
        const complete = outstanding(after) === 0;
        const status: PurchaseOrderStatus = po.status === 'CLOSED' || complete ? 'CLOSED' : 'PARTIALLY_RECEIVED';
        const text = `received ${received.map((line) => `${line.sku} x${line.quantity}`).join(', ')}${status === 'CLOSED' ? '; everything expected has arrived' : ''}`;
        const updated = await moveTo(trx, po, status, status === 'CLOSED' && po.status !== 'CLOSED' ? { closed_at: trx.fn.now() } : {}, text, `receipt:${input.receiptNo}`);
        return progressOf(updated, after);
      });
    },

    /** Past its due time with units outstanding: flagged late, with a note on its timeline. */
    async markPurchaseOrderLate(input: { purchaseOrderId: string }): Promise<PurchaseOrderProgress> {
      return db.transaction(async (trx) => {
        const { po, lines } = await lockPurchaseOrder(trx, input.purchaseOrderId);
        if (po.late || !OPEN_PURCHASE_ORDER_STATUSES.includes(po.status)) return progressOf(po, lines);
        const [late] = await trx('purchase_orders').where({ id: po.id }).update({ late: true, updated_at: trx.fn.now() }).returning('*');
        const dueAt = new Date(po.expected_at!).toISOString();
        await note(trx, po.id, 'late', `late: due ${dueAt}, ${outstanding(lines)} units not received`, `late:${dueAt}`);
        await emitEvent(trx, { type: 'purchase_order.late', key: `purchase_order:${po.id}:late:${dueAt}`, data: { purchaseOrderId: po.id, expectedAt: dueAt } });
        return progressOf(late, lines);
      });
    },

    /**
     * Cancels a PO nothing was received on, or closes a partly received one short; what was not
     * received is no longer incoming. A no-op when the PO is already past that.
     */
    async endPurchaseOrder(input: { purchaseOrderId: string; to: 'CANCELLED' | 'CLOSED'; reason: string }): Promise<PurchaseOrderProgress> {
      return db.transaction(async (trx) => {
        const { po, lines } = await lockPurchaseOrder(trx, input.purchaseOrderId);
        const allowed = input.to === 'CANCELLED' ? ['DRAFT', 'SUBMITTED', 'CONFIRMED'].includes(po.status) : po.status === 'PARTIALLY_RECEIVED';
        if (!allowed) return progressOf(po, lines);
        const fields = input.to === 'CANCELLED' ? { cancel_reason: input.reason } : { closed_at: trx.fn.now() };
        const ended = await moveTo(trx, po, input.to, fields, `${input.to === 'CANCELLED' ? 'cancelled' : 'closed short'}: ${input.reason}`, input.to.toLowerCase());
        return progressOf(ended, lines);
      });
    },

    /** Units a receipt brought into stock are offered to the orders waiting for them, oldest first. */
    async wakeForPurchaseOrderReceipt(input: { purchaseOrderId: string; receiptNo: number; skus: string[] }): Promise<void> {
      await wake(`po:${input.purchaseOrderId}:${input.receiptNo}`, input.skus);
    },
  };
}

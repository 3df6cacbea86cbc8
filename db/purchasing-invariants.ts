import type { Knex } from 'knex';
import { incomingUnits } from '../api/purchasing/incoming';
import { expectedQuantity, OPEN_PURCHASE_ORDER_STATUSES, receivableLimit } from '../workflows/purchase-order-definitions';

/**
 * 9. Purchase orders. Per PO line: received <= ordered + the PO's tolerance; its `receipt` ledger rows
 *    (referencing the PO) add up to received, each with a FIFO layer at the line's unit cost, so a
 *    received unit is counted exactly once; a PARTIALLY_RECEIVED PO has received something and a
 *    DRAFT or CANCELLED one nothing. Incoming per (sku, location) is ordered (confirmed where
 *    confirmed) - received over the open POs, and every such pair has a level row showing it.
 */
export async function purchaseOrderLinesMatchLedger(db: Knex): Promise<string[]> {
  const lines: {
    purchase_order_id: string;
    status: string;
    sku: string;
    quantity: number;
    received: number;
    unit_cost_cents: number;
    receipt_tolerance_percent: number;
    moved: string;
    costed: string;
  }[] = await db('purchase_order_lines as pol')
    .join('purchase_orders as po', 'po.id', 'pol.purchase_order_id')
    .select(
      'pol.purchase_order_id',
      'po.status',
      'pol.sku',
      'pol.quantity',
      'pol.received',
      'pol.unit_cost_cents',
      'po.receipt_tolerance_percent',
      db.raw(`(SELECT COALESCE(SUM(m.quantity), 0) FROM inventory_movements m
                WHERE m.reference_type = 'purchase_order' AND m.reference_id = po.id AND m.sku = pol.sku AND m.kind = 'receipt') AS moved`),
      db.raw(`(SELECT COALESCE(SUM(cl.quantity), 0) FROM inventory_movements m JOIN cost_layers cl ON cl.movement_id = m.id
                WHERE m.reference_type = 'purchase_order' AND m.reference_id = po.id AND m.sku = pol.sku
                  AND cl.unit_cost_cents = pol.unit_cost_cents) AS costed`),
    );
  const found: string[] = [];
  for (const line of lines) {
    const where = `invariant 9 (purchase orders): ${line.purchase_order_id} ${line.sku}`;
    const limit = receivableLimit(line.quantity, line.receipt_tolerance_percent);
    if (line.received > limit) found.push(`${where} received ${line.received}, more than the ${limit} ordered plus tolerance allow`);
    if (Number(line.moved) !== line.received) found.push(`${where} received ${line.received} but its receipt ledger rows add up to ${line.moved}`);
    if (Number(line.costed) !== line.received) found.push(`${where} received ${line.received} but layers at ${line.unit_cost_cents} cents hold ${line.costed}`);
    if ((line.status === 'DRAFT' || line.status === 'CANCELLED') && line.received > 0) found.push(`${where} is ${line.status} with ${line.received} received`);
  }
  const partial = await db('purchase_orders as po')
    .where('po.status', 'PARTIALLY_RECEIVED')
    .whereNotExists(db('purchase_order_lines as pol').whereRaw('pol.purchase_order_id = po.id').andWhere('pol.received', '>', 0))
    .pluck('po.id');
  for (const id of partial) found.push(`invariant 9 (purchase orders): ${id} is PARTIALLY_RECEIVED with nothing received`);
  return found;
}

/** 9. Incoming as the levels show it equals what open POs still expect, line by line, and has a level row. */
export async function incomingMatchesOpenPurchaseOrders(db: Knex): Promise<string[]> {
  const lines: { sku: string; location_id: string; quantity: number; confirmed_quantity: number | null; received: number }[] = await db('purchase_order_lines as pol')
    .join('purchase_orders as po', 'po.id', 'pol.purchase_order_id')
    .whereIn('po.status', OPEN_PURCHASE_ORDER_STATUSES as string[])
    .select('pol.sku', 'po.location_id', 'pol.quantity', 'pol.confirmed_quantity', 'pol.received');
  const expected = new Map<string, number>();
  for (const line of lines) {
    const key = `${line.sku}|${line.location_id}`;
    expected.set(key, (expected.get(key) ?? 0) + Math.max(0, expectedQuantity({ quantity: line.quantity, confirmedQuantity: line.confirmed_quantity }) - line.received));
  }
  const shown = await incomingUnits(db);
  const levels = new Set(
    ((await db('inventory_levels').select('sku', 'location_id')) as { sku: string; location_id: string }[]).map((row) => `${row.sku}|${row.location_id}`),
  );
  const found: string[] = [];
  for (const key of new Set([...expected.keys(), ...shown.keys()])) {
    const [sku, locationId] = key.split('|');
    if ((expected.get(key) ?? 0) !== (shown.get(key) ?? 0)) {
      found.push(`invariant 9 (purchase orders): ${sku} at ${locationId} shows incoming ${shown.get(key) ?? 0}, open POs expect ${expected.get(key) ?? 0}`);
    }
    if ((expected.get(key) ?? 0) > 0 && !levels.has(key)) found.push(`invariant 9 (purchase orders): ${sku} at ${locationId} is incoming but has no level row to show it`);
  }
  return found;
}

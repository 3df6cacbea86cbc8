/**
 * A designed history for the analytics report tests, written the way the engine's activities write
 * it and dated in the past: each stock movement is a ledger row, its level change and its FIFO
 * layer (addLayer) or consumption (consumeLayers), then re-dated to when it happened. Orders are
 * finished (DELIVERED), so no workflow is expected for them. Seed in date order per SKU and location.
 */
import type { Knex } from 'knex';
import { addLayer, consumeLayers, productCost } from '../../activities/cost-layers';
import { shipmentId } from '../../workflows/definitions';
import { uniqueUpc } from '../helpers/api';

let sequence = 0;
const nextKey = (what: string) => `history:${what}:${process.pid}:${Date.now()}:${sequence++}`;

export const daysAgo = (days: number, from = new Date()) => new Date(from.getTime() - days * 86_400_000);
export const at = (day: string, time = '12:00:00') => new Date(`${day}T${time}Z`);

export async function seedProducts(db: Knex, skus: string[], unitPriceCents = 1000, unitCostCents = 100): Promise<void> {
  await db('products').insert(
    skus.map((sku) => ({
      sku,
      name: `Product ${sku}`,
      upc: uniqueUpc(),
      unit_price_cents: unitPriceCents,
      unit_cost_cents: unitCostCents,
      weight_grams: 100,
    })),
  );
}

export async function seedLocation(db: Knex, id: string): Promise<void> {
  await db('locations').insert({
    id,
    name: `Warehouse ${id}`,
    fulfillment_mode: 'auto',
    priority: 10,
    address: JSON.stringify({ line1: '1 Dock Rd', city: 'Springfield', country: 'US' }),
  });
}

/** One ledger row at `when`, with its level change and its layer (in) or consumptions (out). */
async function move(
  trx: Knex,
  row: { sku: string; locationId: string; quantity: number; kind: string; reason?: string; referenceType: string; referenceId: string; when: Date; key?: string },
  unitCostCents?: number,
  ownerId?: string,
): Promise<number> {
  const level = { sku: row.sku, location_id: row.locationId };
  if (row.quantity < 0) await trx('inventory_levels').where(level).increment('on_hand', row.quantity);
  else {
    await trx('inventory_levels')
      .insert({ ...level, on_hand: row.quantity })
      .onConflict(['sku', 'location_id'])
      .merge({ on_hand: trx.raw('inventory_levels.on_hand + excluded.on_hand') });
  }
  const [movement] = await trx('inventory_movements')
    .insert({
      sku: row.sku,
      location_id: row.locationId,
      quantity: row.quantity,
      kind: row.kind,
      reason_code: row.reason ?? null,
      reference_type: row.referenceType,
      reference_id: row.referenceId,
      idempotency_key: row.key ?? nextKey(row.kind),
      created_at: row.when,
    })
    .returning('id');
  const layer = { movementId: movement.id, sku: row.sku, locationId: row.locationId };
  if (row.quantity > 0) {
    await addLayer(trx, { ...layer, quantity: row.quantity, unitCostCents: unitCostCents ?? 0, ownerId });
    await trx('cost_layers').where({ movement_id: movement.id }).update({ received_at: row.when });
    return 0;
  }
  const { costCents } = await consumeLayers(trx, { ...layer, quantity: -row.quantity });
  await trx('cost_consumptions').where({ movement_id: movement.id }).update({ consumed_at: row.when });
  return costCents;
}

/** Units received at `when`; with an owner, consigned units held for them. */
export function receive(db: Knex, receipt: { sku: string; locationId: string; quantity: number; unitCostCents: number; when: Date; ownerId?: string }) {
  return db.transaction((trx) =>
    move(trx, { ...receipt, kind: 'receipt', referenceType: 'receipt', referenceId: nextKey('receipt') }, receipt.unitCostCents, receipt.ownerId),
  );
}

/** Units out by hand (damaged, lost, theft...): a ledger row without an adjustment record, as stock seeded by tests has. */
export function writeOff(db: Knex, row: { sku: string; locationId: string; quantity: number; reason: string; when: Date }) {
  return db.transaction((trx) =>
    move(trx, { ...row, quantity: -row.quantity, kind: 'adjustment', referenceType: 'adjustment', referenceId: nextKey('adjustment') }),
  );
}

export interface HistoricOrder {
  id: string;
  channel: string;
  locationId: string;
  createdAt: Date;
  shippedAt: Date;
  /** Default: a day after shipping. */
  deliveredAt?: Date;
  carrier?: string;
  service?: string;
  /** Default: two days after shipping. */
  deliveryDeadline?: Date;
  /** The timeline says it waited for stock. */
  backordered?: boolean;
  /** Units of each line the first allocation reserved (default all; the rest came with a second one). */
  lines: { sku: string; quantity: number; unitPriceCents: number; firstAllocation?: number }[];
}

/** An order placed, shipped whole in one parcel from one location, and delivered; returns each line's COGS. */
export async function shippedOrder(db: Knex, order: HistoricOrder): Promise<number[]> {
  const deliveredAt = order.deliveredAt ?? new Date(order.shippedAt.getTime() + 86_400_000);
  const items = order.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
  return db.transaction(async (trx) => {
    await trx('orders').insert({
      id: order.id,
      customer_id: `${order.id}-customer`,
      channel: order.channel,
      status: 'DELIVERED',
      backorder_policy: 'reject',
      currency: 'USD',
      items_cents: items,
      shipping_cents: 0,
      total_cents: items,
      payment_token: 'tok_visa',
      capture_mode: 'on_shipment',
      shipping_address: JSON.stringify({ name: 'A', line1: 'B', city: 'C', region: 'D', postalCode: 'E', country: 'US' }),
      workflow_started_at: order.createdAt,
      closed_at: deliveredAt,
      created_at: order.createdAt,
      updated_at: deliveredAt,
    });
    await trx('order_lines').insert(
      order.lines.map((line, index) => ({
        order_id: order.id,
        line_no: index + 1,
        sku: line.sku,
        quantity: line.quantity,
        unit_price_cents: line.unitPriceCents,
        qty_shipped: line.quantity,
      })),
    );
    const id = shipmentId(order.id, 1);
    await trx('shipments').insert({
      id,
      order_id: order.id,
      shipment_no: 1,
      location_id: order.locationId,
      status: 'DELIVERED',
      amount_cents: items,
      carrier: order.carrier ?? 'sandbox',
      service: order.service ?? 'ground',
      delivery_deadline: order.deliveryDeadline ?? new Date(order.shippedAt.getTime() + 2 * 86_400_000),
      shipped_at: order.shippedAt,
      delivered_at: deliveredAt,
      created_at: order.createdAt,
      updated_at: deliveredAt,
    });
    if (order.backordered) {
      await trx('order_events').insert({ order_id: order.id, event_key: 'backordered', type: 'order.backordered', created_at: order.createdAt });
    }
    const cogs: number[] = [];
    for (const [index, line] of order.lines.entries()) {
      const first = line.firstAllocation ?? line.quantity;
      const reservation = { order_id: order.id, line_no: index + 1, sku: line.sku, location_id: order.locationId, status: 'consumed', shipment_id: id };
      await trx('reservations').insert([
        ...(first > 0 ? [{ ...reservation, allocation_no: 1, quantity: first }] : []),
        ...(first < line.quantity ? [{ ...reservation, allocation_no: 2, quantity: line.quantity - first }] : []),
      ]);
      const cost = await move(trx, {
        sku: line.sku,
        locationId: order.locationId,
        quantity: -line.quantity,
        kind: 'shipment',
        referenceType: 'shipment',
        referenceId: id,
        when: order.shippedAt,
      });
      await trx('shipment_lines').insert({ shipment_id: id, line_no: index + 1, sku: line.sku, quantity: line.quantity, cogs_cents: cost });
      cogs.push(cost);
    }
    return cogs;
  });
}

/**
 * Units of a shipped order line received back and restocked at `locationId`, at the cost they left
 * with; the return is closed and the order line counts them.
 */
export async function restockedReturn(
  db: Knex,
  back: { returnId: string; orderId: string; lineNo: number; locationId: string; quantity: number; reason: string; unitCostCents: number; when: Date },
): Promise<void> {
  await db.transaction(async (trx) => {
    const order = await trx('orders').where({ id: back.orderId }).first('customer_id', 'channel');
    const line = await trx('order_lines').where({ order_id: back.orderId, line_no: back.lineNo }).first('sku', 'unit_price_cents');
    await trx('returns').insert({
      id: back.returnId,
      order_id: back.orderId,
      customer_id: order.customer_id,
      channel: order.channel,
      location_id: back.locationId,
      status: 'CLOSED',
      currency: 'USD',
      requested_cents: back.quantity * line.unit_price_cents,
      policy: JSON.stringify({}),
      received_at: back.when,
      closed_at: back.when,
      workflow_started_at: back.when,
      created_at: back.when,
      updated_at: back.when,
    });
    await trx('return_lines').insert({
      return_id: back.returnId,
      line_no: back.lineNo,
      order_id: back.orderId,
      sku: line.sku,
      quantity: back.quantity,
      reason: back.reason,
      unit_price_cents: line.unit_price_cents,
      qty_received: back.quantity,
      qty_restocked: back.quantity,
    });
    await trx('order_lines').where({ order_id: back.orderId, line_no: back.lineNo }).increment('qty_returned', back.quantity);
    await move(
      trx,
      { sku: line.sku, locationId: back.locationId, quantity: back.quantity, kind: 'return', reason: 'restock', referenceType: 'return', referenceId: back.returnId, when: back.when },
      back.unitCostCents,
    );
  });
}

/**
 * A cycle count answered at `when`: expected what the books said, counted `counted`; a variance is
 * corrected by an applied count-correction adjustment and its ledger row, as the count workflow does.
 */
export async function countedTask(
  db: Knex,
  task: { id: string; sku: string; locationId: string; expected: number; counted: number; when: Date },
): Promise<void> {
  const variance = task.counted - task.expected;
  await db.transaction(async (trx) => {
    await trx('count_tasks').insert({ id: task.id, location_id: task.locationId, sku: task.sku, class: 'A', origin: 'requested', created_at: task.when });
    let adjustmentId: string | null = null;
    if (variance !== 0) {
      adjustmentId = `${task.id}-adj`;
      await trx('adjustments').insert({
        id: adjustmentId,
        kind: 'count_correction',
        reason_code: 'cycle_count',
        status: 'APPLIED',
        value_cents: 0,
        needs_approval: false,
        approval_deadline: task.when,
        count_task_id: task.id,
        applied_at: task.when,
        closed_at: task.when,
        workflow_started_at: task.when,
        created_at: task.when,
        updated_at: task.when,
      });
      await trx('adjustment_lines').insert({ adjustment_id: adjustmentId, line_no: 1, sku: task.sku, location_id: task.locationId, quantity: variance, value_cents: 0 });
      await move(
        trx,
        {
          sku: task.sku,
          locationId: task.locationId,
          quantity: variance,
          kind: 'count_correction',
          reason: 'cycle_count',
          referenceType: 'adjustment',
          referenceId: adjustmentId,
          when: task.when,
          key: `adjustment:${adjustmentId}:1`,
        },
        await productCost(trx, task.sku),
      );
      const movement = await trx('inventory_movements').where({ idempotency_key: `adjustment:${adjustmentId}:1` }).first('id');
      await trx('adjustment_lines').where({ adjustment_id: adjustmentId }).update({ movement_id: movement.id });
    }
    await trx('count_tasks').where({ id: task.id }).update({
      status: 'COUNTED',
      expected_quantity: task.expected,
      counted_quantity: task.counted,
      variance,
      adjustment_id: adjustmentId,
      counted_by: 'counter-1',
      counted_at: task.when,
    });
  });
}

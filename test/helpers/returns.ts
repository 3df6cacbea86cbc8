/**
 * Orders whose parcels have already arrived, written straight to the database the way the order
 * and shipment workflows leave them (order DELIVERED and closed, shipments DELIVERED, the ledger's
 * shipment rows), so return requests can be tested without driving an order through delivery.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { ShipmentStatus } from '../../domain/types';
import { startOrderWorkflow } from '../../infra/workflow-starters';
import { shipmentId } from '../../workflows/definitions';
import type { ApiTest } from './api';

export interface OrderWithParcels {
  customerId: string;
  channel?: string;
  lines: { sku: string; quantity: number; unitPriceCents?: number }[];
  /** Default: one parcel from `locationId` with every unit, delivered now. */
  shipments?: {
    locationId: string;
    lines: { lineNo: number; quantity: number }[];
    status?: ShipmentStatus;
    deliveredAt?: Date;
  }[];
  locationId?: string;
}

/**
 * An order with the parcels given. One with a parcel still on its way is SHIPPED and gets a workflow
 * on the test's task queue (which no worker polls), as the invariants expect of an unfinished order.
 */
export async function insertOrderWithParcels(t: ApiTest, spec: OrderWithParcels): Promise<string> {
  const orderId = `ord_${randomBytes(12).toString('hex')}`;
  const lines = spec.lines.map((line, index) => ({
    order_id: orderId,
    line_no: index + 1,
    sku: line.sku,
    quantity: line.quantity,
    unit_price_cents: line.unitPriceCents ?? 1000,
  }));
  const shipments = spec.shipments ?? [
    { locationId: spec.locationId ?? '', lines: lines.map((line) => ({ lineNo: line.line_no, quantity: line.quantity })) },
  ];
  const itemsCents = lines.reduce((sum, line) => sum + line.quantity * line.unit_price_cents, 0);
  const shipped = (lineNo: number) =>
    shipments
      .filter((shipment) => (shipment.status ?? 'DELIVERED') !== 'CANCELLED')
      .flatMap((shipment) => shipment.lines)
      .filter((line) => line.lineNo === lineNo)
      .reduce((sum, line) => sum + line.quantity, 0);
  const allDelivered = shipments.every((shipment) => (shipment.status ?? 'DELIVERED') === 'DELIVERED');

  await t.db.transaction(async (trx) => {
    await trx('orders').insert({
      id: orderId,
      customer_id: spec.customerId,
      channel: spec.channel ?? 'web',
      status: allDelivered ? 'DELIVERED' : 'SHIPPED',
      backorder_policy: 'wait',
      backorder_deadline: new Date(Date.now() + 86_400_000),
      currency: 'USD',
      items_cents: itemsCents,
      shipping_cents: 0,
      total_cents: itemsCents,
      payment_token: 'tok_visa',
      capture_mode: 'on_shipment',
      shipping_address: JSON.stringify({ name: 'A', line1: 'B', city: 'C', region: 'D', postalCode: 'E', country: 'US' }),
      closed_at: allDelivered ? trx.fn.now() : null,
    });
    await trx('order_lines').insert(lines.map((line) => ({ ...line, qty_shipped: shipped(line.line_no) })));
    for (const [index, shipment] of shipments.entries()) {
      const id = shipmentId(orderId, index + 1);
      const status = shipment.status ?? 'DELIVERED';
      const deliveredAt = status === 'DELIVERED' ? (shipment.deliveredAt ?? new Date()) : null;
      await trx('shipments').insert({
        id,
        order_id: orderId,
        shipment_no: index + 1,
        location_id: shipment.locationId,
        status,
        amount_cents: 0,
        shipped_at: deliveredAt ?? new Date(),
        delivered_at: deliveredAt,
      });
      await trx('shipment_lines').insert(
        shipment.lines.map((line) => ({ shipment_id: id, line_no: line.lineNo, sku: lines[line.lineNo - 1].sku, quantity: line.quantity })),
      );
      for (const line of shipment.lines) await shipFromStock(trx, id, lines[line.lineNo - 1].sku, shipment.locationId, line.quantity);
    }
  });
  if (!allDelivered) await startOrderWorkflow(t.temporal, t.config.temporal.taskQueue, t.db, orderId);
  return orderId;
}

/** The units come into stock and leave with the parcel: on_hand is unchanged, the ledger explains both. */
async function shipFromStock(trx: Knex, shipment: string, sku: string, locationId: string, quantity: number): Promise<void> {
  await trx('inventory_levels').insert({ sku, location_id: locationId, on_hand: 0 }).onConflict(['sku', 'location_id']).ignore();
  await trx('inventory_movements').insert([
    {
      sku,
      location_id: locationId,
      quantity,
      kind: 'adjustment',
      reason_code: 'test_seed',
      reference_type: 'adjustment',
      reference_id: `seed:${shipment}`,
      idempotency_key: `seed:${shipment}:${sku}`,
    },
    {
      sku,
      location_id: locationId,
      quantity: -quantity,
      kind: 'shipment',
      reference_type: 'shipment',
      reference_id: shipment,
      idempotency_key: `test-shipment:${shipment}:${sku}`,
    },
  ]);
}

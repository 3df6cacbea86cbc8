import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { type SupplierAdapter, SupplierRefusedError } from '../suppliers/adapter';
import type { Address, LostResolution } from '../domain/types';
import { BusinessFailure, type DropshipShipmentInput } from '../workflows/definitions';
import { recordOrderEvent } from './orders';
import { emitEvent } from './outbound-events';
import { type ShipmentSettings, writeShipmentStatus } from './shipments';

export interface PlacedDropshipOrder {
  supplierOrderId: string;
  /** Delivery is due this many hours after placement; later, the shipment is overdue. */
  deliveryWithinHours: number;
  lostAfterHours: number;
  lostResolution: LostResolution;
}

/**
 * Dropship shipments: the supplier is the sender. The order is placed once (the shipment id is the
 * supplier's idempotency key), nothing is reserved or moved in our ledger, and when the supplier
 * ships, the order lines count what shipped and what we owe the supplier is recorded once.
 */
export function dropshipActivities(db: Knex, supplier: SupplierAdapter, settings: ShipmentSettings) {
  return {
    /** Writes the shipment (once) and places its order with the supplier; a refusal is a non-retryable supplier_refused. */
    async placeDropshipOrder(input: DropshipShipmentInput): Promise<PlacedDropshipOrder> {
      await createDropshipShipment(db, supplier.name, input);
      const order: { shipping_address: Address } = await db('orders').where({ id: input.orderId }).first('shipping_address');
      const supplierSkus: { sku: string; supplier_sku: string }[] = await db('supplier_products')
        .where({ supplier_id: input.supplierId })
        .whereIn('sku', input.lines.map((line) => line.sku))
        .select('sku', 'supplier_sku');
      const unlisted = input.lines.filter((line) => !supplierSkus.some((row) => row.sku === line.sku)).map((line) => line.sku);
      if (unlisted.length > 0) {
        return refuse(db, input, 'unknown_supplier_sku', `supplier ${input.supplierId} no longer lists ${unlisted.join(', ')}`);
      }
      const lines = input.lines.map((line) => ({
        supplierSku: supplierSkus.find((row) => row.sku === line.sku)!.supplier_sku,
        quantity: line.quantity,
      }));
      let placed;
      try {
        placed = await supplier.placeDropshipOrder({
          idempotencyKey: input.shipmentId,
          reference: input.shipmentId,
          account: input.supplierId,
          shipTo: order.shipping_address,
          lines,
        });
      } catch (error) {
        if (error instanceof SupplierRefusedError) return refuse(db, input, error.code, error.message);
        throw error;
      }
      await db('dropship_orders')
        .where({ shipment_id: input.shipmentId, status: 'PLACING' })
        .update({ supplier_order_id: placed.supplierOrderId, status: 'PLACED', placed_at: db.fn.now(), updated_at: db.fn.now() });
      return {
        supplierOrderId: placed.supplierOrderId,
        deliveryWithinHours: settings.deliveryDeadlineHours,
        lostAfterHours: settings.lostAfterHours,
        lostResolution: settings.lostResolution,
      };
    },

    /** 'shipped' when the supplier already sent the parcel: it goes on to delivery. */
    async cancelDropshipOrder(input: { shipmentId: string }): Promise<'cancelled' | 'shipped'> {
      const row = await db('dropship_orders').where({ shipment_id: input.shipmentId }).first('supplier_order_id', 'status');
      if (row.status === 'SHIPPED') return 'shipped';
      if (row.status === 'CANCELLED' || row.status === 'REFUSED') return 'cancelled';
      const outcome = await supplier.cancelDropshipOrder(row.supplier_order_id);
      if (outcome === 'cancelled') {
        await db('dropship_orders')
          .where({ shipment_id: input.shipmentId })
          .whereIn('status', ['PLACING', 'PLACED'])
          .update({ status: 'CANCELLED', cancelled_at: db.fn.now(), updated_at: db.fn.now() });
      }
      return outcome;
    },

    /**
     * The supplier shipped: the order lines count the units, the payable at the supplier's unit
     * costs is recorded, and the shipment is SHIPPED with the supplier's tracking number. Once: the
     * dropship order's status guards a retry.
     */
    async recordDropshipShipped(input: {
      shipmentId: string;
      orderId: string;
      supplierId: string;
      trackingNumber: string;
      carrier: string;
    }): Promise<void> {
      await db.transaction(async (trx) => {
        const row = await trx('dropship_orders').where({ shipment_id: input.shipmentId }).forUpdate().first('status');
        if (row.status === 'SHIPPED') return;
        await trx('dropship_orders')
          .where({ shipment_id: input.shipmentId })
          .update({ status: 'SHIPPED', carrier: input.carrier, tracking_number: input.trackingNumber, shipped_at: trx.fn.now(), updated_at: trx.fn.now() });
        await trx('shipments')
          .where({ id: input.shipmentId })
          .update({ carrier: `dropship:${supplier.name}`, tracking_number: input.trackingNumber, service: input.carrier });
        const lines: { line_no: number; sku: string; quantity: number; supplier_sku: string; unit_cost_cents: number }[] = await trx(
          'shipment_lines as sl',
        )
          .join('supplier_products as sp', function bySupplier() {
            this.on('sp.sku', '=', 'sl.sku').andOn('sp.supplier_id', '=', trx.raw('?', [input.supplierId]));
          })
          .where('sl.shipment_id', input.shipmentId)
          .orderBy('sl.line_no')
          .select('sl.line_no', 'sl.sku', 'sl.quantity', 'sp.supplier_sku', 'sp.unit_cost_cents');
        for (const line of lines) {
          await trx('order_lines').where({ order_id: input.orderId, line_no: line.line_no }).increment('qty_shipped', line.quantity);
          await trx('shipment_lines')
            .where({ shipment_id: input.shipmentId, line_no: line.line_no })
            .update({ cogs_cents: line.quantity * line.unit_cost_cents });
        }
        const { currency } = await trx('suppliers').where({ id: input.supplierId }).first('currency');
        const amountCents = lines.reduce((sum, line) => sum + line.quantity * line.unit_cost_cents, 0);
        await trx('supplier_payables').insert({
          supplier_id: input.supplierId,
          shipment_id: input.shipmentId,
          order_id: input.orderId,
          amount_cents: amountCents,
          currency,
          lines: JSON.stringify(
            lines.map((line) => ({ sku: line.sku, supplierSku: line.supplier_sku, quantity: line.quantity, unitCostCents: line.unit_cost_cents })),
          ),
        });
        await writeShipmentStatus(trx, input, 'SHIPPED', { trackingNumber: input.trackingNumber, supplierId: input.supplierId });
      });
    },
  };
}

/** The shipment row, its lines and the supplier order row, once; the status AWAITING_SUPPLIER says who has it. */
async function createDropshipShipment(db: Knex, adapter: string, input: DropshipShipmentInput): Promise<void> {
  await db.transaction(async (trx) => {
    const inserted = await trx('shipments')
      .insert({
        id: input.shipmentId,
        order_id: input.orderId,
        shipment_no: input.shipmentNo,
        supplier_id: input.supplierId,
        status: 'AWAITING_SUPPLIER',
        amount_cents: input.amountCents,
      })
      .onConflict('id')
      .ignore()
      .returning('id');
    if (inserted.length === 0) return;
    await trx('shipment_lines').insert(
      input.lines.map((line) => ({ shipment_id: input.shipmentId, line_no: line.lineNo, sku: line.sku, quantity: line.quantity })),
    );
    await trx('dropship_orders').insert({ shipment_id: input.shipmentId, order_id: input.orderId, supplier_id: input.supplierId, adapter });
    const detail = { shipmentId: input.shipmentId, supplierId: input.supplierId, units: input.lines.reduce((sum, line) => sum + line.quantity, 0) };
    await recordOrderEvent(trx, input.orderId, `shipment:${input.shipmentId}:created`, 'shipment_created', detail);
    await emitEvent(trx, {
      type: 'shipment.awaiting_supplier',
      key: `shipment:${input.shipmentId}:AWAITING_SUPPLIER`,
      data: { shipmentId: input.shipmentId, orderId: input.orderId, status: 'AWAITING_SUPPLIER', supplierId: input.supplierId, carrier: null, trackingNumber: null },
    });
  });
}

/** Records why the supplier said no, then fails the activity for good: placing again cannot help. */
async function refuse(db: Knex, input: DropshipShipmentInput, code: string, message: string): Promise<never> {
  await db('dropship_orders')
    .where({ shipment_id: input.shipmentId })
    .whereIn('status', ['PLACING', 'REFUSED'])
    .update({ status: 'REFUSED', refusal_code: code, refusal_message: message.slice(0, 500), updated_at: db.fn.now() });
  throw ApplicationFailure.create({ type: BusinessFailure.supplierRefused, nonRetryable: true, message, details: [{ code }] });
}

import type { Knex } from 'knex';
import type { CarrierAdapter, Parcel } from '../carriers/adapter';
import type { Address, CarrierEvent, ShipmentStatus } from '../domain/types';
import type { ShipmentInput } from '../workflows/definitions';
import { releaseActive } from './inventory';
import { recordOrderEvent } from './orders';

export interface LabelOutcome {
  trackingNumber: string;
  labelUrl: string;
  /** The shipment is overdue if not delivered this many hours after the label. */
  deliveryWithinHours: number;
  /** Carrier events that arrived before the tracking number was stored, to apply now. */
  earlyEvents: CarrierEvent[];
}

const TIMESTAMP_FOR: Partial<Record<ShipmentStatus, string>> = {
  AWAITING_PACK: 'picked_at',
  PACKED: 'packed_at',
  SHIPPED: 'shipped_at',
  DELIVERED: 'delivered_at',
  CANCELLED: 'cancelled_at',
};

export function shipmentActivities(db: Knex, carrier: CarrierAdapter, deliveryDeadlineHours: number) {
  async function setStatus(
    trx: Knex,
    shipment: { shipmentId: string; orderId: string },
    status: ShipmentStatus,
    detail: Record<string, unknown> = {},
  ): Promise<void> {
    const timestamps: Record<string, Knex.Raw> = {};
    const column = TIMESTAMP_FOR[status];
    if (column) timestamps[column] = trx.raw('coalesce(??, now())', [column]);
    if (status === 'PACKED') timestamps.picked_at = trx.raw('coalesce(picked_at, now())');
    await trx('shipments')
      .where({ id: shipment.shipmentId })
      .update({ status, updated_at: trx.fn.now(), ...timestamps });
    await recordOrderEvent(trx, shipment.orderId, `shipment:${shipment.shipmentId}:${status}`, `shipment_${status.toLowerCase()}`, {
      shipmentId: shipment.shipmentId,
      ...detail,
    });
  }

  return {
    /**
     * Writes the shipment and ties the reservations of its allocation to it. In an `auto`
     * warehouse the automation picks and packs as the shipment is created.
     */
    async createShipment(input: ShipmentInput): Promise<void> {
      const automated = input.fulfillmentMode === 'auto';
      await db.transaction(async (trx) => {
        const inserted = await trx('shipments')
          .insert({
            id: input.shipmentId,
            order_id: input.orderId,
            shipment_no: input.shipmentNo,
            location_id: input.locationId,
            status: automated ? 'PACKED' : 'AWAITING_PICK',
            amount_cents: input.amountCents,
            ...(automated ? { picked_at: trx.fn.now(), packed_at: trx.fn.now() } : {}),
          })
          .onConflict('id')
          .ignore()
          .returning('id');
        if (inserted.length === 0) return;
        await trx('shipment_lines').insert(
          input.lines.map((line) => ({ shipment_id: input.shipmentId, line_no: line.lineNo, sku: line.sku, quantity: line.quantity })),
        );
        await trx('reservations')
          .where({ order_id: input.orderId, allocation_no: input.allocationNo, location_id: input.locationId, status: 'active' })
          .update({ shipment_id: input.shipmentId, updated_at: trx.fn.now() });
        await recordOrderEvent(trx, input.orderId, `shipment:${input.shipmentId}:created`, 'shipment_created', {
          shipmentId: input.shipmentId,
          locationId: input.locationId,
          units: input.lines.reduce((sum, line) => sum + line.quantity, 0),
        });
        if (automated) {
          await recordOrderEvent(trx, input.orderId, `shipment:${input.shipmentId}:PACKED`, 'shipment_packed', {
            shipmentId: input.shipmentId,
            by: 'automation',
          });
        }
      });
    },

    async recordShipmentStatus(input: { shipmentId: string; orderId: string; status: ShipmentStatus; by?: string }): Promise<void> {
      await db.transaction((trx) => setStatus(trx, input, input.status, input.by ? { by: input.by } : {}));
    },

    /** Buys the label once (the carrier dedupes on the key too) and picks up events that raced ahead of it. */
    async buyLabel(input: { shipmentId: string; orderId: string }): Promise<LabelOutcome> {
      let shipment = await db('shipments').where({ id: input.shipmentId }).first();
      if (!shipment.tracking_number) {
        const label = await carrier.purchaseLabel({
          idempotencyKey: `label:${input.shipmentId}`,
          reference: input.shipmentId,
          ...(await addressesAndParcel(db, input.shipmentId)),
        });
        await db.transaction(async (trx) => {
          await trx('shipments')
            .where({ id: input.shipmentId })
            .whereNull('tracking_number')
            .update({
              carrier: carrier.name,
              service: label.service,
              tracking_number: label.trackingNumber,
              label_id: label.labelId,
              label_url: label.labelUrl,
              label_cost_cents: label.costCents,
              delivery_deadline: trx.raw(`now() + make_interval(hours => ?)`, [deliveryDeadlineHours]),
            });
          await setStatus(trx, input, 'LABELLED', { trackingNumber: label.trackingNumber });
        });
        shipment = await db('shipments').where({ id: input.shipmentId }).first();
      }
      // The label is stored first, then unmatched events are read: a webhook either found the
      // tracking number or is visible here (see the webhook route).
      const early = await db('webhook_events')
        .where({ carrier: shipment.carrier, tracking_number: shipment.tracking_number, signature_valid: true })
        .orderBy('id');
      await db('webhook_events')
        .whereIn('id', early.map((row) => row.id))
        .whereNull('shipment_id')
        .update({ shipment_id: input.shipmentId });
      return {
        trackingNumber: shipment.tracking_number,
        labelUrl: shipment.label_url,
        deliveryWithinHours: deliveryDeadlineHours,
        earlyEvents: early.map((row) => carrierEventFrom(row.carrier, row.payload)),
      };
    },

    /** 'in_use' when the carrier already has the parcel: then it ships, cancelled or not. */
    async voidLabel(input: { shipmentId: string }): Promise<'voided' | 'in_use'> {
      const shipment = await db('shipments').where({ id: input.shipmentId }).first();
      if (!shipment.label_id || shipment.label_voided_at) return 'voided';
      const outcome = await carrier.voidLabel(shipment.label_id);
      if (outcome === 'voided') await db('shipments').where({ id: input.shipmentId }).update({ label_voided_at: db.fn.now() });
      return outcome;
    },

    /**
     * The parcel leaves: reservations become consumed, on_hand drops with one ledger row per line,
     * and the order lines count what shipped. Guarded by the reservations' status, so a retry
     * after a crash ships nothing twice.
     */
    async shipShipment(input: { shipmentId: string; orderId: string }): Promise<void> {
      await db.transaction(async (trx) => {
        const active = await trx('reservations')
          .where({ shipment_id: input.shipmentId, status: 'active' })
          .orderBy(['sku', 'location_id'])
          .forUpdate();
        for (const reservation of active) {
          await trx('inventory_levels')
            .where({ sku: reservation.sku, location_id: reservation.location_id })
            .update({
              on_hand: trx.raw('on_hand - ?', [reservation.quantity]),
              reserved: trx.raw('reserved - ?', [reservation.quantity]),
              updated_at: trx.fn.now(),
            });
          await trx('inventory_movements').insert({
            sku: reservation.sku,
            location_id: reservation.location_id,
            quantity: -reservation.quantity,
            kind: 'shipment',
            reference_type: 'shipment',
            reference_id: input.shipmentId,
            idempotency_key: `ship:${input.shipmentId}:${reservation.line_no}:${reservation.location_id}`,
          });
          await trx('order_lines')
            .where({ order_id: input.orderId, line_no: reservation.line_no })
            .increment('qty_shipped', reservation.quantity);
          await trx('reservations').where({ id: reservation.id }).update({ status: 'consumed', updated_at: trx.fn.now() });
        }
        if (active.length > 0) await setStatus(trx, input, 'SHIPPED');
      });
    },

    /** A shipment cancelled before it left: its stock goes back to available. */
    async cancelShipment(input: { shipmentId: string; orderId: string; reason: string }): Promise<void> {
      await db.transaction(async (trx) => {
        await releaseActive(trx, input.orderId, input.shipmentId);
        await setStatus(trx, input, 'CANCELLED', { reason: input.reason });
      });
    },

    /**
     * Stores the carrier events the workflow decided to apply, in order, and the status they lead
     * to. The unique key on (carrier, event id) makes each one count once, even on a retry.
     */
    async recordTrackingEvents(input: {
      shipmentId: string;
      orderId: string;
      events: CarrierEvent[];
      status: ShipmentStatus;
    }): Promise<void> {
      await db.transaction(async (trx) => {
        for (const event of input.events) {
          await trx('tracking_events')
            .insert({
              shipment_id: input.shipmentId,
              carrier: event.carrier,
              event_id: event.eventId,
              status: event.status,
              description: event.description ?? null,
              occurred_at: event.occurredAt,
            })
            .onConflict(['carrier', 'event_id'])
            .ignore();
          await trx('webhook_events')
            .where({ carrier: event.carrier, event_id: event.eventId, signature_valid: true })
            .whereNull('applied_at')
            .update({ applied_at: trx.fn.now() });
        }
        const current = await trx('shipments').where({ id: input.shipmentId }).first('status');
        if (current.status !== input.status) {
          await setStatus(trx, input, input.status, { carrierEvent: input.events[input.events.length - 1].status });
        }
      });
    },

    async markShipmentOverdue(input: { shipmentId: string; orderId: string }): Promise<void> {
      await db.transaction(async (trx) => {
        await trx('shipments').where({ id: input.shipmentId }).update({ overdue: true, updated_at: trx.fn.now() });
        await recordOrderEvent(trx, input.orderId, `shipment:${input.shipmentId}:overdue`, 'shipment_overdue', {
          shipmentId: input.shipmentId,
        });
      });
    },
  };
}

async function addressesAndParcel(db: Knex, shipmentId: string): Promise<{ from: Address; to: Address; parcel: Parcel }> {
  const shipment = await db('shipments as s')
    .join('orders as o', 'o.id', 's.order_id')
    .join('locations as l', 'l.id', 's.location_id')
    .where('s.id', shipmentId)
    .first('o.shipping_address', 'l.address');
  const items = await db('shipment_lines as sl')
    .join('products as p', 'p.sku', 'sl.sku')
    .where('sl.shipment_id', shipmentId)
    .select('sl.quantity', 'p.weight_grams', 'p.length_mm', 'p.width_mm', 'p.height_mm');
  const largest = (column: 'length_mm' | 'width_mm' | 'height_mm') =>
    Math.max(0, ...items.map((item) => item[column] ?? 0)) || undefined;
  return {
    from: shipment.address,
    to: shipment.shipping_address,
    parcel: {
      weightGrams: items.reduce((sum, item) => sum + item.quantity * item.weight_grams, 0),
      lengthMm: largest('length_mm'),
      widthMm: largest('width_mm'),
      heightMm: largest('height_mm'),
    },
  };
}

function carrierEventFrom(carrier: string, payload: Record<string, string>): CarrierEvent {
  return {
    carrier,
    eventId: payload.id,
    trackingNumber: payload.trackingNumber,
    status: payload.status as CarrierEvent['status'],
    occurredAt: payload.occurredAt,
    description: payload.description,
  };
}

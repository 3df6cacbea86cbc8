import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { type CarrierAdapter, CarrierRejectedError, type Parcel, type ParcelLimits } from '../carriers/adapter';
import { packParcels, type PackedParcel } from '../domain/packing';
import type { Address, CarrierEvent, LostResolution, ShipmentStatus } from '../domain/types';
import { loadConfig } from '../infra/config';
import { BusinessFailure, type ShipmentInput } from '../workflows/definitions';
import { consumeLayers } from './cost-layers';
import { recordOrderEvent } from './orders';
import { emitEvent } from './outbound-events';

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
  FAILED: 'cancelled_at',
};

/** The shipments projection and the order's timeline, in the caller's transaction. */
export async function writeShipmentStatus(
  trx: Knex,
  shipment: { shipmentId: string; orderId: string },
  status: ShipmentStatus,
  detail: Record<string, unknown> = {},
): Promise<void> {
  const timestamps: Record<string, Knex.Raw> = {};
  const column = TIMESTAMP_FOR[status];
  if (column) timestamps[column] = trx.raw('coalesce(??, now())', [column]);
  if (status === 'PACKED') timestamps.picked_at = trx.raw('coalesce(picked_at, now())');
  const [row] = await trx('shipments')
    .where({ id: shipment.shipmentId })
    .update({ status, updated_at: trx.fn.now(), ...timestamps })
    .returning(['location_id', 'carrier', 'tracking_number']);
  await recordOrderEvent(trx, shipment.orderId, `shipment:${shipment.shipmentId}:${status}`, `shipment_${status.toLowerCase()}`, {
    shipmentId: shipment.shipmentId,
    ...detail,
  });
  // Keyed like the timeline entry: one event per shipment and status.
  await emitEvent(trx, {
    type: `shipment.${status.toLowerCase()}`,
    key: `shipment:${shipment.shipmentId}:${status}`,
    data: {
      shipmentId: shipment.shipmentId,
      orderId: shipment.orderId,
      status,
      locationId: row?.location_id ?? null,
      carrier: row?.carrier ?? null,
      trackingNumber: row?.tracking_number ?? null,
      ...detail,
    },
  });
}

export interface ShipmentSettings {
  /** A parcel not delivered this many hours after its label is overdue. */
  deliveryDeadlineHours: number;
  /** An overdue parcel still not delivered this many hours later is lost. */
  lostAfterHours: number;
  /** What the order does about a parcel that became lost by itself. */
  lostResolution: LostResolution;
  /** Unmatched verified webhook events are picked up by a label this long (default WEBHOOK_UNMATCHED_TTL_MINUTES). */
  webhookUnmatchedTtlMinutes?: number;
}

/** At most this many early (unmatched) events are picked up by one label. */
const MAX_EARLY_EVENTS = 50;

export function shipmentActivities(db: Knex, carrier: CarrierAdapter, settings: ShipmentSettings) {
  const { deliveryDeadlineHours } = settings;
  const unmatchedTtlMinutes = settings.webhookUnmatchedTtlMinutes ?? loadConfig().carrier.webhookUnmatchedTtlMinutes;
  return {
    /**
     * Writes the shipment and ties the reservations of its allocation to it. In an `auto`
     * warehouse the automation picks and packs as the shipment is created. Answers with the lost
     * parcel settings in force, which the workflow keeps.
     */
    async createShipment(input: ShipmentInput): Promise<Pick<ShipmentSettings, 'lostAfterHours' | 'lostResolution'>> {
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
        const status = automated ? 'PACKED' : 'AWAITING_PICK';
        await emitEvent(trx, {
          type: `shipment.${status.toLowerCase()}`,
          key: `shipment:${input.shipmentId}:${status}`,
          data: { shipmentId: input.shipmentId, orderId: input.orderId, status, locationId: input.locationId, carrier: null, trackingNumber: null },
        });
      });
      return { lostAfterHours: settings.lostAfterHours, lostResolution: settings.lostResolution };
    },

    async recordShipmentStatus(input: { shipmentId: string; orderId: string; status: ShipmentStatus; by?: string }): Promise<void> {
      await db.transaction((trx) => writeShipmentStatus(trx, input, input.status, input.by ? { by: input.by } : {}));
    },

    /**
     * Packs the shipment's units within the carrier's parcel limits and buys one multi-piece label
     * for them, once (the carrier dedupes on the key too); then picks up events that raced ahead of
     * it. The label is stored only while the shipment is open: if the workflow closed it meanwhile
     * (CANCELLED or FAILED), the label just bought is voided and the answer is shipment_closed.
     * A carrier refusal (a parcel over its limits, an undeliverable address) is carrier_refused;
     * neither is retried.
     */
    async buyLabel(input: { shipmentId: string; orderId: string }): Promise<LabelOutcome> {
      let shipment = await db('shipments').where({ id: input.shipmentId }).first();
      if (!shipment.tracking_number) {
        const { from, to, parcels } = await addressesAndParcels(db, input.shipmentId, carrier.parcelLimits);
        const label = await refusalsAsFailures(() =>
          carrier.purchaseLabel({
            idempotencyKey: `label:${input.shipmentId}`,
            reference: input.shipmentId,
            from,
            to,
            parcels: parcels.map(carrierParcel),
          }),
        );
        const stored = await db.transaction(async (trx) => {
          const updated = await trx('shipments')
            .where({ id: input.shipmentId })
            .whereNull('tracking_number')
            .whereNotIn('status', CLOSED_STATUSES)
            .update({
              carrier: carrier.name,
              service: label.service,
              tracking_number: label.trackingNumber,
              label_id: label.labelId,
              label_url: label.labelUrl,
              label_cost_cents: label.costCents,
              delivery_deadline: trx.raw(`now() + make_interval(hours => ?)`, [deliveryDeadlineHours]),
            });
          if (updated === 0) {
            // Either an earlier attempt stored this same label, or the shipment was closed.
            const current = await trx('shipments').where({ id: input.shipmentId }).first('tracking_number');
            return current.tracking_number ? 'stored_before' : 'closed';
          }
          await trx('shipment_parcels').insert(
            label.pieces.map((piece, index) => ({
              shipment_id: input.shipmentId,
              parcel_no: index + 1,
              tracking_number: piece.trackingNumber,
              weight_grams: parcels[index]?.weightGrams ?? null,
              length_mm: parcels[index]?.lengthMm ?? null,
              width_mm: parcels[index]?.widthMm ?? null,
              height_mm: parcels[index]?.heightMm ?? null,
              label_url: piece.labelUrl ?? null,
              contents: JSON.stringify(parcels[index]?.contents ?? []),
            })),
          );
          await writeShipmentStatus(trx, input, 'LABELLED', { trackingNumber: label.trackingNumber, parcels: label.pieces.length });
          return 'stored';
        });
        if (stored === 'closed') {
          const outcome = await refusalsAsFailures(() => carrier.voidLabel(label.labelId));
          throw ApplicationFailure.create({
            type: BusinessFailure.shipmentClosed,
            nonRetryable: true,
            message:
              `shipment ${input.shipmentId} was closed before its label ${label.trackingNumber} arrived: ` +
              (outcome === 'voided' ? 'the label was voided' : 'the carrier already has the parcel, its label could not be voided'),
            details: [{ labelId: label.labelId, trackingNumber: label.trackingNumber, void: outcome }],
          });
        }
        shipment = await db('shipments').where({ id: input.shipmentId }).first();
      }
      // The label is stored first, then unmatched events are read: a webhook either found the
      // tracking number or is visible here (see the webhook route).
      // Only the same carrier's events for this tracking number, received within the TTL, and a bounded number of them.
      const early = await db('webhook_events')
        .where({ carrier: shipment.carrier, tracking_number: shipment.tracking_number, signature_valid: true })
        .where('received_at', '>', db.raw(`now() - make_interval(mins => ?)`, [unmatchedTtlMinutes]))
        .orderBy('id')
        .limit(MAX_EARLY_EVENTS);
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

    /** 'in_use' when the carrier already has the parcel: then it ships, cancelled or not. A refusal is carrier_refused. */
    async voidLabel(input: { shipmentId: string }): Promise<'voided' | 'in_use'> {
      const shipment = await db('shipments').where({ id: input.shipmentId }).first();
      if (!shipment.label_id || shipment.label_voided_at) return 'voided';
      const outcome = await refusalsAsFailures(() => carrier.voidLabel(shipment.label_id));
      if (outcome === 'voided') await db('shipments').where({ id: input.shipmentId }).update({ label_voided_at: db.fn.now() });
      return outcome;
    },

    /**
     * The parcel leaves: reservations become consumed, on_hand drops with one ledger row per line
     * taking its FIFO cost layers (the line's COGS), and the order lines count what shipped. Guarded by the reservations' status, so a retry
     * after a crash ships nothing twice.
     */
    async shipShipment(input: { shipmentId: string; orderId: string }): Promise<void> {
      await db.transaction(async (trx) => {
        const active = await trx('reservations')
          .where({ shipment_id: input.shipmentId, status: 'active' })
          .orderBy(['sku', 'location_id'])
          .forUpdate();
        const kitLinesCounted = new Set<number>();
        for (const reservation of active) {
          await trx('inventory_levels')
            .where({ sku: reservation.sku, location_id: reservation.location_id })
            .update({
              on_hand: trx.raw('on_hand - ?', [reservation.quantity]),
              reserved: trx.raw('reserved - ?', [reservation.quantity]),
              updated_at: trx.fn.now(),
            });
          const [movement] = await trx('inventory_movements')
            .insert({
              sku: reservation.sku,
              location_id: reservation.location_id,
              quantity: -reservation.quantity,
              kind: 'shipment',
              reference_type: 'shipment',
              reference_id: input.shipmentId,
              // A kit line has one row per component.
              idempotency_key: reservation.units_per_kit === null
                ? `ship:${input.shipmentId}:${reservation.line_no}:${reservation.location_id}`
                : `ship:${input.shipmentId}:${reservation.line_no}:${reservation.sku}:${reservation.location_id}`,
            })
            .returning('id');
          // COGS: consigned units at what is now owed to their owner (the consumption rows say whom).
          const { costCents } = await consumeLayers(trx, {
            movementId: movement.id,
            sku: reservation.sku,
            locationId: reservation.location_id,
            quantity: reservation.quantity,
          });
          await trx('shipment_lines')
            .where({ shipment_id: input.shipmentId, line_no: reservation.line_no })
            .update({ cogs_cents: trx.raw('coalesce(cogs_cents, 0) + ?', [costCents]) });
          // A kit line counts kits: each of its component rows carries the same number, counted once.
          const kitLine = reservation.units_per_kit !== null;
          if (!kitLine || !kitLinesCounted.has(reservation.line_no)) {
            kitLinesCounted.add(reservation.line_no);
            await trx('order_lines')
              .where({ order_id: input.orderId, line_no: reservation.line_no })
              .increment('qty_shipped', kitLine ? reservation.quantity / reservation.units_per_kit : reservation.quantity);
          }
          await trx('reservations').where({ id: reservation.id }).update({ status: 'consumed', updated_at: trx.fn.now() });
        }
        if (active.length > 0) await writeShipmentStatus(trx, input, 'SHIPPED');
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
          await writeShipmentStatus(trx, input, input.status, { carrierEvent: input.events[input.events.length - 1].status });
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

/** The workflow closes a shipment (this status first, then voidLabel) when it gives up on its label. */
const CLOSED_STATUSES: ShipmentStatus[] = ['CANCELLED', 'FAILED'];

/**
 * A carrier's refusal becomes a non-retryable carrier_refused failure: asking again cannot help.
 * Transient faults (5xx, timeouts, connection resets) stay plain errors, which Temporal retries.
 */
export async function refusalsAsFailures<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CarrierRejectedError) {
      throw ApplicationFailure.create({
        type: BusinessFailure.carrierRefused,
        nonRetryable: true,
        message: error.message,
        details: [{ code: error.code }],
      });
    }
    throw error;
  }
}

/** The shipment's units, packed into parcels within the carrier's limits (a unit over them gets its own parcel, which the carrier refuses). */
async function addressesAndParcels(
  db: Knex,
  shipmentId: string,
  limits: ParcelLimits,
): Promise<{ from: Address; to: Address; parcels: PackedParcel[] }> {
  const shipment = await db('shipments as s')
    .join('orders as o', 'o.id', 's.order_id')
    .join('locations as l', 'l.id', 's.location_id')
    .where('s.id', shipmentId)
    .first('o.shipping_address', 'l.address');
  const items = await db('shipment_lines as sl')
    .join('products as p', 'p.sku', 'sl.sku')
    .where('sl.shipment_id', shipmentId)
    .orderBy('sl.line_no')
    .select('sl.sku', 'sl.quantity', 'p.weight_grams', 'p.length_mm', 'p.width_mm', 'p.height_mm');
  return { from: shipment.address, to: shipment.shipping_address, parcels: packProductUnits(items, limits) };
}

/** Rows of units with their product's weight and size (products columns), packed within the carrier's limits. */
export function packProductUnits(
  items: { sku: string; quantity: number; weight_grams: number; length_mm: number | null; width_mm: number | null; height_mm: number | null }[],
  limits: ParcelLimits,
): PackedParcel[] {
  return packParcels(
    items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unitWeightGrams: item.weight_grams,
      lengthMm: item.length_mm,
      widthMm: item.width_mm,
      heightMm: item.height_mm,
    })),
    limits,
  );
}

/** What the carrier is told about a parcel: its weight and outer dimensions, not its contents. */
export function carrierParcel(parcel: PackedParcel): Parcel {
  const { weightGrams, lengthMm, widthMm, heightMm } = parcel;
  return lengthMm === undefined ? { weightGrams } : { weightGrams, lengthMm, widthMm, heightMm };
}

export function carrierEventFrom(carrier: string, payload: Record<string, string>): CarrierEvent {
  return {
    carrier,
    eventId: payload.id,
    trackingNumber: payload.trackingNumber,
    status: payload.status as CarrierEvent['status'],
    occurredAt: payload.occurredAt,
    description: payload.description,
  };
}

import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import type { CarrierAdapter, ParcelLimits } from '../carriers/adapter';
import type { PackedParcel } from '../domain/packing';
import { type Address, type CarrierEvent, FINAL_RETURN_STATUSES, type ReturnStatus } from '../domain/types';
import { loadConfig } from '../infra/config';
import type { PaymentGateway } from '../payments/gateway';
import type { StockWaker } from './backorders';
import { exchangeActivities } from './exchanges';
import { recordOrderEvent } from './orders';
import { returnReceiptActivities } from './return-receipt';
import { returnRefundActivities } from './return-refunds';
import { carrierEventFrom, carrierParcel, packProductUnits, refusalsAsFailures } from './shipments';

export interface ReturnStatusChange {
  returnId: string;
  orderId: string;
  status: ReturnStatus;
  /** The workflow's count of status changes: a late attempt never overwrites a newer status. */
  version: number;
  /** CANCELLED, REJECTED, EXPIRED, FAILED: why. */
  reason?: string;
  decision?: { approved: boolean; by?: string; note?: string };
  detail?: Record<string, unknown>;
  /** Carrier events the workflow applied since its last write: marked applied in webhook_events. */
  appliedEvents?: { carrier: string; eventId: string }[];
}

export interface ReturnLabelOutcome {
  trackingNumber: string;
  labelUrl: string;
  /** Carrier events that arrived before the tracking number was stored, to apply now. */
  earlyEvents: CarrierEvent[];
}

/** The label arrived after the return was closed (cancelled meanwhile): it was voided. */
const RETURN_CLOSED = 'return_closed';
/** At most this many early (unmatched) events are picked up by one label. */
const MAX_EARLY_EVENTS = 50;

/** Everything a return workflow does outside itself; each step is idempotent by a unique key or a guarded row. */
export function returnActivities(db: Knex, carrier: CarrierAdapter, gateway: PaymentGateway, wake: StockWaker) {
  return {
    ...returnReceiptActivities(db, wake),
    ...returnRefundActivities(db, gateway),
    ...exchangeActivities(db),

    /** The returns projection and the order's timeline, in step with the workflow (versioned: a late write never wins). */
    async recordReturnStatus(change: ReturnStatusChange): Promise<void> {
      const final = FINAL_RETURN_STATUSES.includes(change.status);
      await db.transaction(async (trx) => {
        await trx('returns')
          .where({ id: change.returnId })
          .andWhere('status_version', '<', change.version)
          .update({
            status: change.status,
            status_version: change.version,
            ...(change.reason !== undefined ? { reason: change.reason.slice(0, 200) } : {}),
            ...(change.decision ? { decided_by: change.decision.by ?? null, decision_note: change.decision.note ?? null } : {}),
            closed_at: final ? trx.fn.now() : null,
            updated_at: trx.fn.now(),
          });
        await recordOrderEvent(trx, change.orderId, `return:${change.returnId}:${change.version}`, `return_${change.status.toLowerCase()}`, {
          returnId: change.returnId,
          ...(change.reason !== undefined ? { reason: change.reason } : {}),
          ...change.detail,
        });
        for (const event of change.appliedEvents ?? []) {
          await trx('webhook_events')
            .where({ carrier: event.carrier, event_id: event.eventId, signature_valid: true })
            .whereNull('applied_at')
            .update({ applied_at: trx.fn.now(), return_id: change.returnId });
        }
      });
    },

    /**
     * Buys the prepaid label the customer sends the parcel back with, once (the carrier dedupes on
     * the key too), and stores it on the return before answering, so the carrier's webhooks find
     * the return; then picks up events that raced ahead of it. A return closed meanwhile gets its
     * label voided and the answer return_closed. A carrier refusal is carrier_refused; neither is retried.
     */
    async buyReturnLabel(input: { returnId: string }): Promise<ReturnLabelOutcome> {
      let row = await db('returns').where({ id: input.returnId }).first();
      if (!row.tracking_number) {
        const { from, to, parcels } = await returnParcels(db, input.returnId, carrier.parcelLimits);
        const label = await refusalsAsFailures(() =>
          carrier.purchaseReturnLabel({
            idempotencyKey: `return-label:${input.returnId}`,
            reference: input.returnId,
            from,
            to,
            parcels: parcels.map(carrierParcel),
          }),
        );
        const stored = await db('returns')
          .where({ id: input.returnId })
          .whereNull('tracking_number')
          .whereNotIn('status', FINAL_RETURN_STATUSES)
          .update({
            carrier: carrier.name,
            tracking_number: label.trackingNumber,
            label_id: label.labelId,
            label_url: label.labelUrl,
            updated_at: db.fn.now(),
          });
        row = await db('returns').where({ id: input.returnId }).first();
        if (stored === 0 && !row.tracking_number) {
          const outcome = await refusalsAsFailures(() => carrier.voidLabel(label.labelId));
          throw ApplicationFailure.create({
            type: RETURN_CLOSED,
            nonRetryable: true,
            message: `return ${input.returnId} was ${row.status} before its label ${label.trackingNumber} arrived: ${outcome === 'voided' ? 'voided' : 'not voidable'}`,
          });
        }
      }
      // The label is stored first, then unmatched events are read: a webhook either found the
      // tracking number or is visible here. Same carrier, within the TTL, a bounded number.
      const early = await db('webhook_events')
        .where({ carrier: row.carrier, tracking_number: row.tracking_number, signature_valid: true })
        .whereNull('shipment_id')
        .where('received_at', '>', db.raw(`now() - make_interval(mins => ?)`, [loadConfig().carrier.webhookUnmatchedTtlMinutes]))
        .orderBy('id')
        .limit(MAX_EARLY_EVENTS);
      await db('webhook_events')
        .whereIn('id', early.map((event) => event.id))
        .whereNull('return_id')
        .update({ return_id: input.returnId });
      return {
        trackingNumber: row.tracking_number,
        labelUrl: row.label_url,
        earlyEvents: early.map((event) => carrierEventFrom(event.carrier, event.payload)),
      };
    },

    /** 'in_use' when the carrier already has the parcel. Voiding twice, or a return without a label, is 'voided'. */
    async voidReturnLabel(input: { returnId: string }): Promise<'voided' | 'in_use'> {
      const row = await db('returns').where({ id: input.returnId }).first('label_id', 'label_voided_at');
      if (!row.label_id || row.label_voided_at) return 'voided';
      const outcome = await refusalsAsFailures(() => carrier.voidLabel(row.label_id));
      if (outcome === 'voided') await db('returns').where({ id: input.returnId }).update({ label_voided_at: db.fn.now() });
      return outcome;
    },
  };
}

/** From the customer (the order's shipping address) to the warehouse, the requested units packed within the carrier's limits. */
async function returnParcels(
  db: Knex,
  returnId: string,
  limits: ParcelLimits,
): Promise<{ from: Address; to: Address; parcels: PackedParcel[] }> {
  const addresses = await db('returns as r')
    .join('orders as o', 'o.id', 'r.order_id')
    .join('locations as l', 'l.id', 'r.location_id')
    .where('r.id', returnId)
    .first('o.shipping_address', 'l.address');
  const items = await db('return_lines as rl')
    .join('products as p', 'p.sku', 'rl.sku')
    .where('rl.return_id', returnId)
    .orderBy('rl.line_no')
    .select('rl.sku', 'rl.quantity', 'p.weight_grams', 'p.length_mm', 'p.width_mm', 'p.height_mm');
  return { from: addresses.shipping_address, to: addresses.address, parcels: packProductUnits(items, limits) };
}

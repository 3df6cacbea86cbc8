import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { PaymentTotals, settlement } from '../domain/payments';
import type { CaptureMode } from '../domain/types';
import { type PaymentGateway, PaymentGatewayError } from '../payments/gateway';
import { BusinessFailure } from '../workflows/definitions';

const field = { authorization: 'authorized', capture: 'captured', void: 'voided', refund: 'refunded' } as const;

export type AuthorizationOutcome =
  | { approved: true; authorizationId: string; amountCents: number }
  | { approved: false; declineCode: string; message: string };

export type CaptureOutcome = { approved: true } | { approved: false; declineCode: string };

/** The gateway refused for good: a named failure Temporal does not retry. */
async function refusalsAreFinal<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof PaymentGatewayError)) throw error;
    throw ApplicationFailure.create({ type: BusinessFailure.paymentRefused, message: error.message, nonRetryable: true, details: [{ code: error.code }] });
  }
}

/**
 * Every money movement is recorded in `payments` under the same idempotency key it was sent to
 * the gateway with: a retry after a crash finds the row (or the gateway's first answer) and
 * never moves money twice.
 */
export function paymentActivities(db: Knex, gateway: PaymentGateway) {
  async function authorizationOf(orderId: string): Promise<{ id: string; currency: string }> {
    const row = await db('payments').where({ order_id: orderId, kind: 'authorization', status: 'succeeded' }).first();
    if (!row) throw new Error(`order ${orderId} has no approved authorization`);
    return { id: row.gateway_reference, currency: row.currency };
  }

  /** Moves money once per key; answers with the decline code when the gateway declined a capture. */
  async function move(
    kind: 'capture' | 'void' | 'refund',
    input: { orderId: string; shipmentId?: string; amountCents: number; idempotencyKey: string },
  ): Promise<CaptureOutcome> {
    if (input.amountCents <= 0) return { approved: true };
    const recorded = await db('payments').where({ idempotency_key: input.idempotencyKey }).first();
    if (recorded) return recorded.status === 'succeeded' ? { approved: true } : { approved: false, declineCode: recorded.decline_code };
    const authorization = await authorizationOf(input.orderId);
    const request = { idempotencyKey: input.idempotencyKey, authorizationId: authorization.id, amountCents: input.amountCents };
    const result = await refusalsAreFinal(async () =>
      kind === 'capture'
        ? await gateway.capture(request)
        : { approved: true as const, reference: (await (kind === 'void' ? gateway.void(request) : gateway.refund(request))).reference },
    );
    await db.transaction(async (trx) => {
      const inserted = await trx('payments')
        .insert({
          order_id: input.orderId,
          shipment_id: input.shipmentId ?? null,
          kind,
          status: result.approved ? 'succeeded' : 'declined',
          amount_cents: input.amountCents,
          currency: authorization.currency,
          gateway_reference: result.approved ? result.reference : null,
          decline_code: result.approved ? null : result.declineCode,
          idempotency_key: input.idempotencyKey,
        })
        .onConflict('idempotency_key')
        .ignore()
        .returning('id');
      // The order's refunded total moves with the row that records the refund, so a retry never counts it twice.
      if (kind === 'refund' && result.approved && inserted.length > 0) {
        await trx('orders').where({ id: input.orderId }).increment('refunded_cents', input.amountCents);
      }
    });
    return result.approved ? { approved: true } : { approved: false, declineCode: result.declineCode };
  }

  return {
    async authorizePayment(input: { orderId: string; amountCents: number; currency: string }): Promise<AuthorizationOutcome> {
      const idempotencyKey = `authorize:${input.orderId}`;
      let row = await db('payments').where({ idempotency_key: idempotencyKey }).first();
      if (!row) {
        const order = await db('orders').where({ id: input.orderId }).first('payment_token');
        const result = await gateway.authorize({
          idempotencyKey,
          reference: input.orderId,
          amountCents: input.amountCents,
          currency: input.currency,
          paymentToken: order.payment_token,
        });
        await db('payments')
          .insert({
            order_id: input.orderId,
            kind: 'authorization',
            status: result.approved ? 'succeeded' : 'declined',
            amount_cents: input.amountCents,
            currency: input.currency,
            gateway_reference: result.approved ? result.authorizationId : null,
            decline_code: result.approved ? null : result.declineCode,
            idempotency_key: idempotencyKey,
          })
          .onConflict('idempotency_key')
          .ignore();
        row = await db('payments').where({ idempotency_key: idempotencyKey }).first();
      }
      return row.status === 'succeeded'
        ? { approved: true, authorizationId: row.gateway_reference, amountCents: row.amount_cents }
        : { approved: false, declineCode: row.decline_code, message: `payment declined: ${row.decline_code}` };
    },

    /** Captures a shipment's share (key per shipment) or the whole order (key per order). */
    async capturePayment(input: { orderId: string; shipmentId?: string; amountCents: number }): Promise<CaptureOutcome> {
      const idempotencyKey = `capture:${input.shipmentId ?? input.orderId}`;
      return move('capture', { ...input, idempotencyKey });
    },

    /** Gives back what a lost parcel was charged; once per shipment. */
    async refundShipment(input: { orderId: string; shipmentId: string; amountCents: number }): Promise<void> {
      await move('refund', { ...input, idempotencyKey: `refund:lost:${input.shipmentId}` });
    },

    /**
     * Gives back what will not be charged once nothing more will ship: voids the rest of the
     * authorization, or refunds what was captured up front for goods that never left.
     * Amounts come from the recorded payments, so calling it again gives back nothing twice.
     */
    async settlePayment(input: {
      orderId: string;
      captureMode: CaptureMode;
      shippedValueCents: number;
      settlementNo: number;
    }): Promise<{ voidedCents: number; refundedCents: number }> {
      // Refunds of returns pay back delivered units: they never count against what did not ship.
      const rows: { kind: keyof typeof field; cents: number }[] = await db('payments')
        .where({ order_id: input.orderId, status: 'succeeded' })
        .whereNull('return_id')
        .select('kind')
        .sum({ cents: 'amount_cents' })
        .groupBy('kind');
      const totals: PaymentTotals = { authorized: 0, captured: 0, voided: 0, refunded: 0 };
      for (const row of rows) totals[field[row.kind]] = Number(row.cents);
      if (totals.authorized === 0) return { voidedCents: 0, refundedCents: 0 };

      const { voidCents, refundCents } = settlement(totals, input.shippedValueCents, input.captureMode);
      await move('void', { orderId: input.orderId, amountCents: voidCents, idempotencyKey: `void:${input.orderId}:${input.settlementNo}` });
      await move('refund', {
        orderId: input.orderId,
        amountCents: refundCents,
        idempotencyKey: `refund:${input.orderId}:${input.settlementNo}`,
      });
      return { voidedCents: voidCents, refundedCents: refundCents };
    },
  };
}

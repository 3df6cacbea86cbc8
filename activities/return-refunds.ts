import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { everyUnitReturnedForSellerFault, refundAmount, type RefundBreakdown } from '../domain/returns';
import type { ReturnReason } from '../domain/types';
import { type PaymentGateway, PaymentGatewayError } from '../payments/gateway';
import { BusinessFailure, type ReturnPolicy } from '../workflows/definitions';
import { recordOrderEvent } from './orders';

/** Restocked units of a return line that the replacement order takes instead of money. */
export interface ExchangedUnits {
  lineNo: number;
  quantity: number;
  /** The exchange product's price the workflow quoted. */
  unitPriceCents: number;
}

/** What the order's money allows, read under the order's row lock. */
interface OrderMoney {
  orderId: string;
  shippingCents: number;
  capturedCents: number;
  /** Refunded, plus refunds decided by other returns and not yet sent. */
  alreadyRefundedCents: number;
  policy: ReturnPolicy;
}

interface Decision {
  cents: number;
  lines: { lineNo: number; cents: number }[];
}

/** The timeline entry that fixes a refund's amount before the gateway is asked. */
const DECISION_EVENT = 'return_refund';

export function returnRefundActivities(db: Knex, gateway: PaymentGateway) {
  return {
    /**
     * The money for the units received (domain/returns.ts refundAmount: the price paid, less the
     * restocking fee on changed_mind, plus shipping when every unit came back for the seller's
     * fault, never more than captured less refunded). Exchanged units are paid for with the
     * replacement instead: only a cheaper replacement's difference comes back. Once per return.
     */
    async refundReturn(input: { returnId: string; exchanged: ExchangedUnits[] }): Promise<{ refundedCents: number }> {
      return refundOnce(db, gateway, input.returnId, `refund:return:${input.returnId}`, (trx, money) => returnRefund(trx, input, money));
    },

    /**
     * Replacement units that never shipped (out of stock until the deadline, cancelled, lost) give
     * back the credit they took from the refund. Asked once the replacement order has ended.
     */
    async refundExchangeShortfall(input: {
      returnId: string;
      exchangeOrderId: string;
      credits: { sku: string; lineNo: number; unitCreditCents: number }[];
    }): Promise<{ refundedCents: number }> {
      return refundOnce(db, gateway, input.returnId, `refund:exchange:${input.returnId}`, async (trx, money) => {
        const lines: { sku: string; quantity: number; qty_shipped: number }[] = await trx('order_lines')
          .where({ order_id: input.exchangeOrderId })
          .select('sku', 'quantity', 'qty_shipped');
        const owed = input.credits.map((credit) => {
          const line = lines.find((candidate) => candidate.sku === credit.sku);
          const quantity = line ? line.quantity - line.qty_shipped : 0;
          return { lineNo: credit.lineNo, reason: 'other' as const, quantity, unitPriceCents: credit.unitCreditCents };
        });
        return decision(refundAmount({ ...noFees(money), lines: owed }));
      });
    },
  };
}

function noFees(money: OrderMoney) {
  return {
    restockingFeePercent: 0,
    shippingCents: 0,
    allUnitsOfOrderReturnedForSellerFault: false,
    capturedCents: money.capturedCents,
    alreadyRefundedCents: money.alreadyRefundedCents,
  };
}

async function returnRefund(trx: Knex.Transaction, input: { returnId: string; exchanged: ExchangedUnits[] }, money: OrderMoney): Promise<Decision> {
  const lines: { line_no: number; reason: ReturnReason; qty_received: number; unit_price_cents: number }[] = await trx('return_lines')
    .where({ return_id: input.returnId })
    .orderBy('line_no');
  const refunded = lines.flatMap((line) => {
    const exchanged = input.exchanged.find((units) => units.lineNo === line.line_no);
    const kept = exchanged?.quantity ?? 0;
    const value = { lineNo: line.line_no, reason: line.reason, unitPriceCents: line.unit_price_cents };
    const difference = exchanged ? Math.max(0, line.unit_price_cents - exchanged.unitPriceCents) : 0;
    return [
      { ...value, quantity: line.qty_received - kept },
      ...(difference > 0 ? [{ ...value, quantity: kept, unitPriceCents: difference }] : []),
    ];
  });
  return decision(
    refundAmount({
      lines: refunded,
      restockingFeePercent: money.policy.restockingFeePercent,
      shippingCents: money.shippingCents,
      allUnitsOfOrderReturnedForSellerFault: await allBackForSellerFault(trx, money.orderId),
      capturedCents: money.capturedCents,
      alreadyRefundedCents: money.alreadyRefundedCents,
    }),
  );
}

/** Every delivered unit of the order received back, over all its returns, for a seller-fault reason. */
async function allBackForSellerFault(trx: Knex.Transaction, orderId: string): Promise<boolean> {
  const delivered: { line_no: number; delivered: number }[] = await trx('shipment_lines as sl')
    .join('shipments as s', 's.id', 'sl.shipment_id')
    .where({ 's.order_id': orderId, 's.status': 'DELIVERED' })
    .groupBy('sl.line_no')
    .select('sl.line_no', trx.raw('sum(sl.quantity)::int AS delivered'));
  const accepted: { line_no: number; qty_received: number; reason: ReturnReason }[] = await trx('return_lines as rl')
    .join('returns as r', 'r.id', 'rl.return_id')
    .where('rl.order_id', orderId)
    .whereNotNull('r.received_at')
    .select('rl.line_no', 'rl.qty_received', 'rl.reason');
  return everyUnitReturnedForSellerFault(
    delivered.map((line) => ({ lineNo: line.line_no, delivered: line.delivered })),
    accepted.map((line) => ({ lineNo: line.line_no, quantity: line.qty_received, reason: line.reason })),
  );
}

/** One entry per line (a line may have a refunded and an exchanged part); shipping counts in the total only. */
function decision(breakdown: RefundBreakdown): Decision {
  const lines: Decision['lines'] = [];
  for (const { lineNo, cents } of breakdown.linesCents) {
    const same = lines.find((line) => line.lineNo === lineNo);
    if (same) same.cents += cents;
    else lines.push({ lineNo, cents });
  }
  return { cents: breakdown.totalCents, lines: lines.filter((line) => line.cents > 0) };
}

/**
 * Decides the amount once, under the order's row lock, and writes the decision on the order's
 * timeline (its key is the refund's idempotency key); then sends exactly that amount. A retry after
 * a crash finds the decision and sends the same amount under the same key, so the gateway moves the
 * money once. Other returns of the order count decisions not yet sent, so together they never
 * exceed what was captured. The refunded totals move with the payments row that records the money.
 */
async function refundOnce(
  db: Knex,
  gateway: PaymentGateway,
  returnId: string,
  key: string,
  decide: (trx: Knex.Transaction, money: OrderMoney) => Promise<Decision>,
): Promise<{ refundedCents: number }> {
  const { orderId, decided } = await db.transaction(async (trx) => {
    const row = await trx('returns').where({ id: returnId }).first('order_id', 'policy');
    const order = await trx('orders').where({ id: row.order_id }).forUpdate().first('refunded_cents', 'shipping_cents');
    const earlier = await trx('order_events').where({ order_id: row.order_id, event_key: key }).first('detail');
    if (earlier) return { orderId: row.order_id as string, decided: earlier.detail as Decision };
    const money: OrderMoney = {
      orderId: row.order_id,
      shippingCents: order.shipping_cents,
      capturedCents: await capturedCents(trx, row.order_id),
      alreadyRefundedCents: order.refunded_cents + (await pendingRefundCents(trx, row.order_id)),
      policy: row.policy,
    };
    const made = await decide(trx, money);
    if (made.cents > 0) await recordOrderEvent(trx, row.order_id, key, DECISION_EVENT, { returnId, ...made });
    return { orderId: row.order_id as string, decided: made };
  });
  if (decided.cents > 0) await sendRefund(db, gateway, { orderId, returnId, key, decided });
  return { refundedCents: decided.cents };
}

async function capturedCents(trx: Knex.Transaction, orderId: string): Promise<number> {
  const row = await trx('payments').where({ order_id: orderId, kind: 'capture', status: 'succeeded' }).sum({ cents: 'amount_cents' }).first();
  return Number(row?.cents ?? 0);
}

async function pendingRefundCents(trx: Knex.Transaction, orderId: string): Promise<number> {
  const row = await trx('order_events as e')
    .where({ 'e.order_id': orderId, 'e.type': DECISION_EVENT })
    .whereNotExists(trx('payments as p').whereRaw('p.idempotency_key = e.event_key'))
    .first(trx.raw(`coalesce(sum((e.detail->>'cents')::int), 0)::int AS cents`));
  return Number(row?.cents ?? 0);
}

/** The gateway's refusal undoes the decision (it no longer holds money back) and is final: the workflow fails the return. */
async function sendRefund(
  db: Knex,
  gateway: PaymentGateway,
  refund: { orderId: string; returnId: string; key: string; decided: Decision },
): Promise<void> {
  const { orderId, returnId, key, decided } = refund;
  if (await db('payments').where({ idempotency_key: key }).first('id')) return;
  const authorization = await db('payments').where({ order_id: orderId, kind: 'authorization', status: 'succeeded' }).first();
  let reference: string;
  try {
    ({ reference } = await gateway.refund({ idempotencyKey: key, authorizationId: authorization.gateway_reference, amountCents: decided.cents }));
  } catch (error) {
    if (!(error instanceof PaymentGatewayError)) throw error;
    await db('order_events').where({ order_id: orderId, event_key: key }).delete();
    throw ApplicationFailure.create({ type: BusinessFailure.paymentRefused, message: error.message, nonRetryable: true, details: [{ code: error.code }] });
  }
  await db.transaction(async (trx) => {
    const inserted = await trx('payments')
      .insert({
        order_id: orderId,
        return_id: returnId,
        kind: 'refund',
        status: 'succeeded',
        amount_cents: decided.cents,
        currency: authorization.currency,
        gateway_reference: reference,
        idempotency_key: key,
      })
      .onConflict('idempotency_key')
      .ignore()
      .returning('id');
    if (inserted.length === 0) return;
    await trx('orders').where({ id: orderId }).increment('refunded_cents', decided.cents);
    await trx('returns').where({ id: returnId }).increment('refunded_cents', decided.cents);
    for (const line of decided.lines) {
      await trx('return_lines').where({ return_id: returnId, line_no: line.lineNo }).increment('refunded_cents', line.cents);
      await trx('order_lines').where({ order_id: orderId, line_no: line.lineNo }).increment('refunded_cents', line.cents);
    }
  });
}

import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { loadConfig } from '../infra/config';
import { orderInputFromDb } from '../infra/workflow-starters';
import type { OrderInput } from '../workflows/definitions';
import { recordOrderEvent } from './orders';

export interface ReplacementLine {
  sku: string;
  quantity: number;
  /** What the replacement charges per unit (see workflows/return-exchange.ts). */
  unitPriceCents: number;
}

/** Derived from the return, so a retried creation finds the first one; the hash only when the return id is too long. */
export function exchangeOrderId(returnId: string): string {
  const id = `ord_${returnId}`;
  return id.length <= 40 ? id : `ord_${createHash('sha256').update(returnId).digest('hex').slice(0, 24)}`;
}

export function exchangeActivities(db: Knex) {
  return {
    /** Today's price of each exchange product of the return; the workflow keeps the answer, so it is asked once. */
    async quoteExchange(input: { returnId: string }): Promise<{ lineNo: number; sku: string; unitPriceCents: number }[]> {
      const rows = await db('return_lines as rl')
        .join('products as p', 'p.sku', 'rl.exchange_sku')
        .where('rl.return_id', input.returnId)
        .orderBy('rl.line_no')
        .select('rl.line_no', 'rl.exchange_sku', 'p.unit_price_cents');
      return rows.map((row) => ({ lineNo: row.line_no, sku: row.exchange_sku, unitPriceCents: row.unit_price_cents }));
    },

    /**
     * The replacement order, once: same customer, channel, address, payment token and capture mode
     * as the original, no shipping charge, linked both ways (orders.exchange_for_return_id,
     * returns.exchange_order_id). It is written as started: the return workflow starts its order
     * workflow as a child, so the sweep must not. Answers with the order workflow's input.
     */
    async createExchangeOrder(input: { returnId: string; lines: ReplacementLine[] }): Promise<OrderInput> {
      const orderId = exchangeOrderId(input.returnId);
      await db.transaction(async (trx) => {
        const row = await trx('returns').where({ id: input.returnId }).forUpdate().first('order_id', 'exchange_order_id');
        if (row.exchange_order_id) return;
        const original = await trx('orders').where({ id: row.order_id }).first();
        const itemsCents = input.lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
        await trx('orders').insert({
          id: orderId,
          customer_id: original.customer_id,
          channel: original.channel,
          status: 'ACCEPTED',
          backorder_policy: 'wait',
          backorder_deadline: new Date(Date.now() + loadConfig().fulfillment.backorderWaitHours * 3_600_000),
          currency: original.currency,
          items_cents: itemsCents,
          shipping_cents: 0,
          total_cents: itemsCents,
          payment_token: original.payment_token,
          capture_mode: original.capture_mode,
          shipping_address: original.shipping_address,
          exchange_for_return_id: input.returnId,
          workflow_started_at: trx.fn.now(),
        });
        await trx('order_lines').insert(
          input.lines.map((line, index) => ({
            order_id: orderId,
            line_no: index + 1,
            sku: line.sku,
            quantity: line.quantity,
            unit_price_cents: line.unitPriceCents,
          })),
        );
        await recordOrderEvent(trx, orderId, 'accepted', 'accepted', { exchangeForReturnId: input.returnId, originalOrderId: original.id });
        await trx('returns').where({ id: input.returnId }).update({ exchange_order_id: orderId, updated_at: trx.fn.now() });
        await recordOrderEvent(trx, original.id, `return:${input.returnId}:exchange`, 'return_exchange_created', {
          returnId: input.returnId,
          exchangeOrderId: orderId,
        });
      });
      return orderInputFromDb(db, orderId);
    },
  };
}

import type { Knex } from 'knex';
import { isFinalOrder } from '../domain/status';
import type { OrderStatus } from '../domain/types';
import { emitEvent } from './outbound-events';

export interface OrderStatusChange {
  orderId: string;
  status: OrderStatus;
  /** Unique per order; a retried activity writes its timeline entry once. */
  eventKey: string;
  /** The workflow's count of status changes: a late attempt never overwrites a newer status. */
  version: number;
  /** Why the order failed (FAILED), for ops filtering the projection. */
  failureReason?: string;
  detail?: Record<string, unknown>;
  /** Units of each line that will never ship, as absolute numbers (retry-safe). */
  cancelledQuantities?: { lineNo: number; quantity: number }[];
}

export function orderActivities(db: Knex) {
  return {
    /** Keeps the orders projection and its timeline in step with the workflow. */
    async recordOrderStatus(change: OrderStatusChange): Promise<void> {
      await db.transaction(async (trx) => {
        const before = await trx('orders').where({ id: change.orderId }).forUpdate().first('status', 'customer_id', 'channel');
        const written = await trx('orders')
          .where({ id: change.orderId })
          .andWhere('status_version', '<', change.version)
          .update({
            status: change.status,
            status_version: change.version,
            failure_reason: change.failureReason ?? null,
            updated_at: trx.fn.now(),
            closed_at: isFinalOrder(change.status) ? trx.fn.now() : null,
          });
        if (written > 0) await recordCancelled(trx, change);
        if (written > 0 && before.status !== change.status) await emitOrderStatus(trx, change, before);
        await recordOrderEvent(trx, change.orderId, change.eventKey, change.status.toLowerCase(), change.detail);
      });
    },
  };
}

/** order.<status> for webhook endpoints, in the transaction that recorded the change. */
async function emitOrderStatus(trx: Knex, change: OrderStatusChange, before: { status: OrderStatus; customer_id: string; channel: string }): Promise<void> {
  await emitEvent(trx, {
    type: `order.${change.status.toLowerCase()}`,
    key: `order:${change.orderId}:${change.eventKey}`,
    data: {
      orderId: change.orderId,
      status: change.status,
      previousStatus: before.status,
      customerId: before.customer_id,
      channel: before.channel,
      ...(change.failureReason ? { failureReason: change.failureReason } : {}),
    },
  });
}

/** Absolute numbers, so repeating the write changes nothing. */
async function recordCancelled(trx: Knex, change: OrderStatusChange): Promise<void> {
  for (const line of change.cancelledQuantities ?? []) {
    await trx('order_lines').where({ order_id: change.orderId, line_no: line.lineNo }).update({ qty_cancelled: line.quantity });
  }
}

export async function recordOrderEvent(
  db: Knex,
  orderId: string,
  eventKey: string,
  type: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db('order_events')
    .insert({ order_id: orderId, event_key: eventKey, type, detail: JSON.stringify(detail) })
    .onConflict(['order_id', 'event_key'])
    .ignore();
}

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
        // One statement: the newer version wins, and the row as it was tells whether the status changed.
        const { rows: written } = await trx.raw(
          `UPDATE orders o
              SET status = ?, status_version = ?, failure_reason = ?, updated_at = now(),
                  closed_at = CASE WHEN ? THEN now() END
             FROM orders before
            WHERE o.id = ? AND before.id = o.id AND o.status_version < ?
        RETURNING before.status, o.customer_id, o.channel`,
          [change.status, change.version, change.failureReason ?? null, isFinalOrder(change.status), change.orderId, change.version],
        );
        const before: { status: OrderStatus; customer_id: string; channel: string } | undefined = written[0];
        if (before) await recordCancelled(trx, change);
        if (before && before.status !== change.status) await emitOrderStatus(trx, change, before);
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

import type { Knex } from 'knex';
import { isFinalOrder } from '../domain/status';
import type { OrderStatus } from '../domain/types';

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
        await recordOrderEvent(trx, change.orderId, change.eventKey, change.status.toLowerCase(), change.detail);
      });
    },
  };
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

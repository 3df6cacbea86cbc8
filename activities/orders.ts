import type { Knex } from 'knex';
import { isFinalOrder } from '../domain/status';
import type { OrderStatus } from '../domain/types';

export interface OrderStatusChange {
  orderId: string;
  status: OrderStatus;
  /** Unique per order; a retried activity writes its timeline entry once. */
  eventKey: string;
  detail?: Record<string, unknown>;
  /** Units of each line that will never ship, as absolute numbers (retry-safe). */
  cancelledQuantities?: { lineNo: number; quantity: number }[];
}

export function orderActivities(db: Knex) {
  return {
    /** Keeps the orders projection and its timeline in step with the workflow. */
    async recordOrderStatus(change: OrderStatusChange): Promise<void> {
      await db.transaction(async (trx) => {
        await trx('orders')
          .where({ id: change.orderId })
          .update({
            status: change.status,
            updated_at: trx.fn.now(),
            closed_at: isFinalOrder(change.status) ? trx.fn.now() : null,
          });
        for (const line of change.cancelledQuantities ?? []) {
          await trx('order_lines')
            .where({ order_id: change.orderId, line_no: line.lineNo })
            .update({ qty_cancelled: line.quantity });
        }
        await recordOrderEvent(trx, change.orderId, change.eventKey, change.status.toLowerCase(), change.detail);
      });
    },
  };
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

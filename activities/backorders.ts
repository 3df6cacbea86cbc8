import { Context } from '@temporalio/activity';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Knex } from 'knex';
import { orderWorkflowId, stockAvailableUpdate, WakeBackordersInput } from '../workflows/definitions';

export function backorderActivities(db: Knex, temporal: Client) {
  return {
    /**
     * Offers new stock to backordered orders strictly oldest first: each order's update returns
     * only after it has tried to reserve, so a younger order never takes stock an older one could
     * use. Stops when the received SKUs have nothing left to give. Heartbeats its position, so a
     * retry resumes where it stopped (waking an order twice is harmless anyway).
     */
    async wakeBackorderedOrders(input: WakeBackordersInput): Promise<{ woken: number }> {
      const resumeAfter: number = Context.current().info.heartbeatDetails ?? 0;
      const waiting = await db('orders as o')
        .where('o.status', 'BACKORDERED')
        .whereExists(db('order_lines as ol').whereRaw('ol.order_id = o.id').whereIn('ol.sku', input.skus))
        .orderBy([{ column: 'o.created_at' }, { column: 'o.id' }])
        .select('o.id');
      let woken = 0;
      for (const [index, order] of waiting.entries()) {
        if (index < resumeAfter) continue;
        if (!(await anyAvailable(db, input.skus))) break;
        try {
          await temporal.workflow.getHandle(orderWorkflowId(order.id)).executeUpdate(stockAvailableUpdate);
          woken += 1;
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
        Context.current().heartbeat(index + 1);
      }
      return { woken };
    },
  };
}

async function anyAvailable(db: Knex, skus: string[]): Promise<boolean> {
  const row = await db('inventory_levels as l')
    .join('locations as loc', 'loc.id', 'l.location_id')
    .whereIn('l.sku', skus)
    .andWhere('loc.active', true)
    .andWhereRaw('l.on_hand > l.reserved')
    .first('l.sku');
  return Boolean(row);
}

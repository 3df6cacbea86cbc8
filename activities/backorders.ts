import { Context } from '@temporalio/activity';
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { Knex } from 'knex';
import { kitsContaining } from '../db/kits';
import { orderWorkflowId, stockAvailableUpdate, WakeBackordersInput, wakeWorkflowId } from '../workflows/definitions';

/** Starts the wake-up of orders waiting for these SKUs, once per source however often it is called. */
export type StockWaker = (source: string, skus: string[]) => Promise<void>;

/** Orders woken per page of the waiting list. */
const PAGE = 100;

export function stockWaker(temporal: Client): StockWaker {
  return async (source, skus) => {
    if (skus.length === 0) return;
    const input: WakeBackordersInput = { source, skus: [...new Set(skus)].sort() };
    try {
      await temporal.workflow.start('wakeBackordersWorkflow', {
        taskQueue: Context.current().info.taskQueue,
        workflowId: wakeWorkflowId(source),
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  };
}

export function backorderActivities(db: Knex, temporal: Client) {
  return {
    /**
     * Offers available stock to backordered orders strictly oldest first: each order's update
     * returns only after it has tried to reserve, so a younger order never takes stock an older one
     * could use. Stops when the SKUs have nothing left to give. Heartbeats the last order it woke
     * as a key (created_at, id), so a retry resumes after it however the list changed meanwhile
     * (waking an order twice is harmless anyway).
     */
    async wakeBackorderedOrders(input: WakeBackordersInput): Promise<{ woken: number }> {
      let after: [string, string] | undefined = Context.current().info.heartbeatDetails;
      let woken = 0;
      // Stock of a component is stock of the kits made of it: their orders wait for it too.
      const wanted = [...input.skus, ...(await kitsContaining(db, input.skus))];
      for (;;) {
        const page = await waitingOrders(db, wanted, after);
        for (const order of page) {
          if (!(await anyAvailable(db, input.skus))) return { woken };
          try {
            await temporal.workflow.getHandle(orderWorkflowId(order.id)).executeUpdate(stockAvailableUpdate);
            woken += 1;
          } catch (error) {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          }
          after = [order.created_at_key, order.id];
          Context.current().heartbeat(after);
        }
        if (page.length < PAGE) return { woken };
      }
    },
  };
}

/** The next page of orders waiting for any of these SKUs, oldest first, after the given key. */
async function waitingOrders(db: Knex, skus: string[], after?: [string, string]): Promise<{ id: string; created_at_key: string }[]> {
  const query = db('orders as o')
    .where('o.status', 'BACKORDERED')
    .whereExists(db('order_lines as ol').whereRaw('ol.order_id = o.id').whereIn('ol.sku', skus))
    .orderBy([{ column: 'o.created_at' }, { column: 'o.id' }])
    .limit(PAGE)
    // Microseconds as text: a JS Date would round the key and skip or repeat orders.
    .select('o.id', db.raw(`to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_key`));
  if (after) query.whereRaw('(o.created_at, o.id) > (?::timestamptz, ?)', after);
  return query;
}

/** Whether any of these SKUs has stock on hand beyond what is reserved, at a location that allocates. */
export async function anyAvailable(db: Knex, skus: string[]): Promise<boolean> {
  const row = await db('inventory_levels as l')
    .join('locations as loc', 'loc.id', 'l.location_id')
    .whereIn('l.sku', skus)
    .andWhere('loc.active', true)
    .andWhereNot('loc.kind', 'quarantine')
    .andWhereRaw('l.on_hand > l.reserved')
    .first('l.sku');
  return Boolean(row);
}

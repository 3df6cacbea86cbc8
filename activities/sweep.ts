import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { deleteExpiredIdempotencyKeys } from '../db/idempotency-keys';
import { deleteOldWebhookFailures } from '../db/webhook-failures';
import {
  startAdjustmentWorkflow,
  startOrderWorkflow,
  startPurchaseOrderWorkflow,
  startReturnWorkflow,
  startTransferWorkflow,
  startWakeBackorders,
} from '../infra/workflow-starters';

export interface SweepInput {
  /** Rows younger than this belong to an API request that may still be starting them. */
  olderThanSeconds: number;
  pageSize?: number;
}

export interface SweepResult {
  orders: number;
  receipts: number;
  /** Absent from sweeps of code from before returns. */
  returns?: number;
  /** Absent from sweeps of code from before adjustments. */
  adjustments?: number;
  /** Absent from sweeps of code from before transfers. */
  transfers?: number;
  /** Absent from sweeps of code from before purchasing. */
  purchaseOrders?: number;
  /** Idempotency keys past their retention, deleted (absent from sweeps of older code). */
  expiredKeys?: number;
}

const KEYS_PER_PAGE = 500;

export function sweepActivities(db: Knex, temporal: Client) {
  return {
    /** Run by the sweep Schedule, once a minute across all replicas: unstarted rows, then expired idempotency keys. */
    async sweepUnstartedWork(input: SweepInput): Promise<SweepResult> {
      const context = Context.current();
      const started = await sweepUnstartedWork(db, temporal, context.info.taskQueue, input, () => context.heartbeat());
      let expiredKeys = 0;
      let page: number;
      do {
        page = await deleteExpiredIdempotencyKeys(db, KEYS_PER_PAGE);
        expiredKeys += page;
        context.heartbeat();
      } while (page === KEYS_PER_PAGE);
      do {
        page = await deleteOldWebhookFailures(db, KEYS_PER_PAGE);
        context.heartbeat();
      } while (page === KEYS_PER_PAGE);
      return { ...started, expiredKeys };
    },
  };
}

/**
 * The API commits a row, then starts its workflow. A crash between the two leaves a row with no
 * workflow; this finds such rows, a page at a time oldest first, and starts them (starting twice is
 * harmless: workflow ids are business ids).
 */
export async function sweepUnstartedWork(
  db: Knex,
  temporal: Client,
  taskQueue: string,
  input: SweepInput,
  onPage: () => void = () => undefined,
): Promise<SweepResult> {
  const pageSize = input.pageSize ?? 100;
  const cutoff = db.raw(`now() - make_interval(secs => ?)`, [input.olderThanSeconds]);
  type Table = 'orders' | 'receipts' | 'returns' | 'adjustments' | 'transfers' | 'purchase_orders';
  const unstarted = (table: Table, startedColumn: string, after?: { created_at: Date; id: string }) => {
    const query = db(table).whereNull(startedColumn).andWhere('created_at', '<=', cutoff).orderBy(['created_at', 'id']).limit(pageSize);
    if (after) query.whereRaw('(created_at, id) > (?, ?)', [after.created_at, after.id]);
    return query.select('id', 'created_at');
  };
  const sweep = async (table: Table, startedColumn: string, start: (id: string) => Promise<void>) => {
    let started = 0;
    let after: { created_at: Date; id: string } | undefined;
    for (;;) {
      const page = await unstarted(table, startedColumn, after);
      for (const row of page) {
        await start(row.id);
        started += 1;
      }
      if (page.length < pageSize) return started;
      // Started rows leave the filter anyway; the key only guards against one that keeps failing to.
      after = page[page.length - 1];
      onPage();
    }
  };
  return {
    orders: await sweep('orders', 'workflow_started_at', (id) => startOrderWorkflow(temporal, taskQueue, db, id)),
    receipts: await sweep('receipts', 'wake_started_at', (id) => startWakeBackorders(temporal, taskQueue, db, id)),
    returns: await sweep('returns', 'workflow_started_at', (id) => startReturnWorkflow(temporal, taskQueue, db, id)),
    adjustments: await sweep('adjustments', 'workflow_started_at', (id) => startAdjustmentWorkflow(temporal, taskQueue, db, id)),
    transfers: await sweep('transfers', 'workflow_started_at', (id) => startTransferWorkflow(temporal, taskQueue, db, id)),
    purchaseOrders: await sweep('purchase_orders', 'workflow_started_at', (id) => startPurchaseOrderWorkflow(temporal, taskQueue, db, id)),
  };
}

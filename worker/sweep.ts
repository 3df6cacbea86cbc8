import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { startOrderWorkflow, startWakeBackorders } from '../infra/workflow-starters';

/**
 * The API commits a row, then starts its workflow. A crash between the two leaves a row with no
 * workflow; this finds such rows and starts them (starting twice is harmless: ids are business ids).
 */
export async function sweepUnstartedWork(
  db: Knex,
  temporal: Client,
  taskQueue: string,
  olderThanSeconds: number,
): Promise<{ orders: number; receipts: number }> {
  const cutoff = db.raw(`now() - make_interval(secs => ?)`, [olderThanSeconds]);
  const orders = await db('orders').whereNull('workflow_started_at').andWhere('created_at', '<=', cutoff).orderBy('created_at').pluck('id');
  for (const orderId of orders) await startOrderWorkflow(temporal, taskQueue, db, orderId);
  const receipts = await db('receipts').whereNull('wake_started_at').andWhere('created_at', '<=', cutoff).orderBy('created_at').pluck('id');
  for (const receiptId of receipts) await startWakeBackorders(temporal, taskQueue, db, receiptId);
  return { orders: orders.length, receipts: receipts.length };
}

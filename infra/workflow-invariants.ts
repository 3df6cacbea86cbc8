import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Knex } from 'knex';
import { checkInvariants, DEFAULT_SETTLED_BEFORE_SECONDS } from '../db/invariants';
import { FINAL_ORDER_STATUSES } from '../domain/types';

/**
 * The half of invariant 5 (see the header of db/invariants.ts) that needs Temporal: the orders
 * projection in Postgres is compared with the order workflows Temporal knows.
 */

export interface InvariantOptions {
  /** When given, order workflows are compared with the orders projection (invariant 5). */
  temporal?: Client;
  /** Orders created (or closed) more recently than this may still be starting (or ending) their workflow; default 30. */
  settledBeforeSeconds?: number;
}

/** How many orders invariant 5 describes in Temporal at most, and how many at once. */
const WORKFLOW_SAMPLE_SIZE = 2000;
const DESCRIBE_CONCURRENCY = 16;

/**
 * Every invariant: the database checks of db/invariants.ts and, when a Temporal client is given,
 * the workflow check below. One readable line per violation; empty when all hold.
 */
export async function checkAllInvariants(db: Knex, options: InvariantOptions = {}): Promise<string[]> {
  const settledBeforeSeconds = options.settledBeforeSeconds ?? DEFAULT_SETTLED_BEFORE_SECONDS;
  const violations = await checkInvariants(db, { settledBeforeSeconds });
  if (!options.temporal) return violations;
  return [...violations, ...(await checkWorkflowInvariants(db, options.temporal, settledBeforeSeconds))];
}

/**
 * 5. Unfinished orders have a live workflow ops can see, and finished orders' workflows have ended.
 * An order counts once its workflow_started_at is set; a finished one once it closed long enough ago
 * for its workflow to have completed after writing the final status.
 * Beyond WORKFLOW_SAMPLE_SIZE orders a deterministic sample (ordered by md5 of the id, so it is
 * spread over time) is described, to keep the check fast on large databases.
 */
export async function checkWorkflowInvariants(
  db: Knex,
  temporal: Client,
  settledBeforeSeconds = DEFAULT_SETTLED_BEFORE_SECONDS,
): Promise<string[]> {
  return workflowsMatchOrders(db, temporal, settledBeforeSeconds);
}

const placeholders = (values: readonly unknown[]): string => values.map(() => '?').join(', ');

async function workflowsMatchOrders(db: Knex, temporal: Client, settledBeforeSeconds: number): Promise<string[]> {
  const finals = placeholders(FINAL_ORDER_STATUSES);
  const sample: { id: string; status: string; final: boolean }[] = (
    await db.raw(
      `SELECT id, status, status IN (${finals}) AS final FROM orders
        WHERE (status NOT IN (${finals}) AND workflow_started_at IS NOT NULL)
           OR (status IN (${finals}) AND greatest(updated_at, closed_at) < now() - make_interval(secs => ?))
        ORDER BY md5(id) LIMIT ${WORKFLOW_SAMPLE_SIZE}`,
      [...FINAL_ORDER_STATUSES, ...FINAL_ORDER_STATUSES, ...FINAL_ORDER_STATUSES, settledBeforeSeconds],
    )
  ).rows;
  const workflowStatuses = await mapWithConcurrency(sample, DESCRIBE_CONCURRENCY, (order) =>
    workflowStatus(temporal, `order:${order.id}`),
  );

  const violations: string[] = [];
  const unfinishedWithoutWorkflow = new Map<string, string>();
  sample.forEach((order, index) => {
    const status = workflowStatuses[index];
    const alive = status === 'RUNNING' || status === 'PAUSED';
    if (order.final && alive) {
      violations.push(`invariant 5 (workflows): order ${order.id} is ${order.status} but its workflow order:${order.id} is still running`);
    }
    if (!order.final && !alive) unfinishedWithoutWorkflow.set(order.id, status);
  });
  if (unfinishedWithoutWorkflow.size === 0) return violations;

  // A workflow writes its final status before it completes; one that finished meanwhile is fine.
  const stillUnfinished = await db('orders')
    .whereIn('id', [...unfinishedWithoutWorkflow.keys()])
    .whereNotIn('status', FINAL_ORDER_STATUSES)
    .orderBy('id')
    .select<{ id: string; status: string }[]>('id', 'status');
  for (const order of stillUnfinished) {
    const status = unfinishedWithoutWorkflow.get(order.id);
    violations.push(
      status === 'NOT_FOUND'
        ? `invariant 5 (workflows): order ${order.id} is ${order.status} but there is no workflow order:${order.id}`
        : `invariant 5 (workflows): order ${order.id} is ${order.status} but its workflow order:${order.id} is ${status}`,
    );
  }
  return violations;
}

async function workflowStatus(temporal: Client, workflowId: string): Promise<string> {
  try {
    return (await temporal.workflow.getHandle(workflowId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
    throw error;
  }
}

async function mapWithConcurrency<T, R>(items: T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]);
    }
  });
  await Promise.all(lanes);
  return results;
}

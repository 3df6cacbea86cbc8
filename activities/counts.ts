import { randomBytes } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { type AbcClass, classifyAbc, DEFAULT_ABC_THRESHOLDS } from '../domain/abc';
import { type CountIntervals, dueForCount } from '../domain/count-schedule';
import type { AdjustmentStatus } from '../workflows/adjustment-definitions';
import { createAdjustment } from './adjustments';
import { RequestRefused } from './refused';
import { fifoValue } from './cost-layers';

export interface CycleCountPlanInput {
  intervalDays: CountIntervals;
  /** Classes come from the value shipped over this many days. */
  abcWindowDays: number;
}

export interface CycleCountPlanResult {
  locations: number;
  tasksCreated: number;
}

export const countTaskId = (): string => `cnt_${randomBytes(12).toString('hex')}`;

/**
 * ABC class of every SKU by the value shipped over the window: units on the ledger's shipment rows
 * at the product's cost. SKUs that shipped nothing are C.
 */
export async function abcClasses(db: Knex, windowDays: number): Promise<Map<string, AbcClass>> {
  const shipped: { sku: string; value: string }[] = await db('products as p')
    .leftJoin('inventory_movements as m', function joinShipments() {
      this.on('m.sku', 'p.sku')
        .andOnVal('m.kind', 'shipment')
        .andOn('m.created_at', '>', db.raw('now() - make_interval(days => ?)', [windowDays]));
    })
    .groupBy('p.sku', 'p.unit_cost_cents')
    .select('p.sku', db.raw('COALESCE(SUM(-m.quantity), 0) * p.unit_cost_cents AS value'));
  return classifyAbc(
    shipped.map((row) => ({ sku: row.sku, valueCents: Number(row.value) })),
    DEFAULT_ABC_THRESHOLDS,
  );
}

/** One location's due SKUs become open count tasks, each at the SKU's bin; a SKU with an open task is skipped. */
async function planLocation(db: Knex, locationId: string, classes: Map<string, AbcClass>, intervals: CountIntervals, now: Date): Promise<number> {
  const stocked: { sku: string; bin_code: string | null; last_count_at: Date | null; open_task: boolean }[] = await db('inventory_levels as l')
    .join('products as p', 'p.sku', 'l.sku')
    .leftJoin('bin_assignments as b', function joinBin() {
      this.on('b.sku', 'l.sku').andOn('b.location_id', 'l.location_id');
    })
    .where({ 'l.location_id': locationId, 'p.active': true })
    .orderBy('l.sku')
    .select(
      'l.sku',
      'b.bin_code',
      db.raw('(SELECT max(created_at) FROM count_tasks c WHERE c.sku = l.sku AND c.location_id = l.location_id) AS last_count_at'),
      db.raw("EXISTS (SELECT 1 FROM count_tasks c WHERE c.sku = l.sku AND c.location_id = l.location_id AND c.status = 'OPEN') AS open_task"),
    );
  const candidates = stocked.map((row) => ({
    sku: row.sku,
    bin: row.bin_code,
    abc: classes.get(row.sku) ?? ('C' as AbcClass),
    lastCountAt: row.last_count_at ? new Date(row.last_count_at) : null,
    openTask: row.open_task,
  }));
  const due = dueForCount(candidates, now, intervals) as typeof candidates;
  if (due.length === 0) return 0;
  // The partial unique index keeps one open task per (location, sku): a repeated run adds nothing.
  const created = await db('count_tasks')
    .insert(due.map((task) => ({ id: countTaskId(), location_id: locationId, bin_code: task.bin, sku: task.sku, class: task.abc, origin: 'scheduled' })))
    .onConflict()
    .ignore()
    .returning('id');
  return created.length;
}

export function countActivities(db: Knex) {
  return {
    /**
     * Run by the cycle-count Schedule: classes from the last window's shipments, then per active
     * location (quarantine aside) an open task for every due SKU. Heartbeats the last location done,
     * so a retry resumes after it.
     */
    async planCycleCounts(input: CycleCountPlanInput): Promise<CycleCountPlanResult> {
      const context = Context.current();
      const classes = await abcClasses(db, input.abcWindowDays);
      const locations: string[] = await db('locations').where({ active: true }).whereNot('kind', 'quarantine').orderBy('id').pluck('id');
      const after: string | undefined = context.info.heartbeatDetails;
      let tasksCreated = 0;
      for (const locationId of locations.filter((id) => after === undefined || id > after)) {
        tasksCreated += await planLocation(db, locationId, classes, input.intervalDays, new Date());
        context.heartbeat(locationId);
      }
      return { locations: locations.length, tasksCreated };
    },
  };
}

export interface CountAnswer {
  taskId: string;
  countedQuantity: number;
  countedBy?: string | null;
  thresholdCents: number;
  approvalTimeoutHours: number;
}

/**
 * Records a count under the task's and the level's locks: expected is on_hand at this moment, the
 * variance a count-correction adjustment (applied at once, or waiting for ops over the threshold or
 * below reserved). A task answered before is refused: count_already_answered.
 */
export async function answerCountTask(trx: Knex.Transaction, answer: CountAnswer): Promise<{ adjustment: { id: string; status: AdjustmentStatus } | null }> {
  const task = await trx('count_tasks').where({ id: answer.taskId }).forUpdate().first('status', 'sku', 'location_id');
  if (task.status !== 'OPEN') throw new RequestRefused('count_already_answered', `count task ${answer.taskId} was already answered`, 409);
  const level = await trx('inventory_levels').where({ sku: task.sku, location_id: task.location_id }).forUpdate().first('on_hand');
  const expected = Number(level?.on_hand ?? 0);
  const variance = answer.countedQuantity - expected;
  if (!level && variance !== 0) {
    throw new RequestRefused('sku_not_at_location', `${task.sku} is not stocked at ${task.location_id}`, 422);
  }
  const adjustment =
    variance === 0
      ? null
      : await createAdjustment(trx, {
          kind: 'count_correction',
          reasonCode: 'cycle_count',
          lines: [{ sku: task.sku, locationId: task.location_id, quantity: variance }],
          requestedBy: answer.countedBy ?? null,
          countTaskId: answer.taskId,
          thresholdCents: answer.thresholdCents,
          approvalTimeoutHours: answer.approvalTimeoutHours,
        });
  const varianceValue = adjustment ? Number((await trx('adjustment_lines').where({ adjustment_id: adjustment.id }).first('value_cents')).value_cents) : 0;
  await trx('count_tasks')
    .where({ id: answer.taskId })
    .update({
      status: 'COUNTED',
      expected_quantity: expected,
      counted_quantity: answer.countedQuantity,
      variance,
      expected_value_cents: expected > 0 ? await fifoValue(trx, { sku: task.sku, locationId: task.location_id, quantity: expected }) : 0,
      variance_value_cents: varianceValue,
      adjustment_id: adjustment?.id ?? null,
      counted_by: answer.countedBy ?? null,
      counted_at: trx.fn.now(),
    });
  return { adjustment };
}

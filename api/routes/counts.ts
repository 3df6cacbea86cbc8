import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { kitNotStockable } from '../../activities/adjustments';
import { answerCountTask, countTaskId } from '../../activities/counts';
import { kitSkusAmong } from '../../db/kits';
import { ABC_CLASSES } from '../../domain/abc';
import { startAdjustmentWorkflow } from '../../infra/workflow-starters';
import { ADJUSTMENT_STATUSES } from '../../workflows/adjustment-definitions';
import { ApiError } from '../api-error';
import { decodeCursor, encodeCursor, isKeyText } from '../cursor';
import { type RouteDeps, startAfterCommit, within } from '../deps';
import { idempotently } from '../idempotency';
import { iso } from '../iso-date-time';
import { DateTime, errorResponses, IdempotencyHeaders, Limit, CursorParam, MAX_INT, Nullable, OneOf, Page, Text } from '../schemas';
import { mustSeeLocation } from './adjustments';

/** What a counter sees of a task: where and what to count, never how many the system expects. */
const BlindCountTask = Type.Object({
  id: Type.String(),
  locationId: Type.String(),
  bin: Nullable(Type.String()),
  sku: Type.String(),
  upc: Type.String(),
  name: Type.String(),
  class: OneOf(ABC_CLASSES),
  status: OneOf(['OPEN', 'COUNTED'] as const),
  createdAt: Type.String(),
});
const CountTasksQuery = Type.Object({ locationId: Type.Optional(Text(32)), limit: Limit, cursor: CursorParam });
const CreateCountTaskBody = Type.Object({ locationId: Text(32), sku: Text(64), bin: Type.Optional(Text(32)) }, { additionalProperties: false });
const CountTaskParams = Type.Object({ id: Text(40) });
const AnswerBody = Type.Object(
  {
    countedQuantity: Type.Integer({ minimum: 0, maximum: MAX_INT }),
    sku: Type.Optional(Text(64, { description: 'What the counter scanned; refused when it is not the task\'s SKU' })),
    bin: Type.Optional(Text(32, { description: 'Where the counter counted; refused when the location has no such bin' })),
    countedBy: Type.Optional(Text(128)),
  },
  { additionalProperties: false },
);
const AnswerResult = Type.Object({
  id: Type.String(),
  status: Type.Literal('COUNTED'),
  countedQuantity: Type.Integer(),
  /** A variance becomes a count correction; its quantities are for ops (GET /v1/inventory/adjustments/:id). */
  correction: Nullable(Type.Object({ adjustmentId: Type.String(), status: OneOf(ADJUSTMENT_STATUSES) })),
});
const AccuracyQuery = Type.Object({ from: Type.Optional(DateTime()), to: Type.Optional(DateTime()) });
const AccuracyRow = Type.Object({
  class: OneOf(ABC_CLASSES),
  tasksCounted: Type.Integer(),
  tasksExact: Type.Integer({ description: 'Counts with no variance' }),
  expectedUnits: Type.Integer(),
  varianceUnits: Type.Integer({ description: 'Sum of |variance|' }),
  unitAccuracy: Nullable(Type.Number({ description: '1 - varianceUnits / expectedUnits' })),
  expectedValueCents: Type.Integer(),
  varianceValueCents: Type.Integer({ description: 'Sum of |variance value|' }),
  valueAccuracy: Nullable(Type.Number()),
});

interface TaskRow {
  id: string;
  location_id: string;
  bin_code: string | null;
  sku: string;
  upc: string;
  name: string;
  class: 'A' | 'B' | 'C';
  status: 'OPEN' | 'COUNTED';
  created_at: Date;
}

const blind = (row: TaskRow) => ({
  id: row.id,
  locationId: row.location_id,
  bin: row.bin_code,
  sku: row.sku,
  upc: row.upc,
  name: row.name,
  class: row.class,
  status: row.status,
  createdAt: iso(row.created_at),
});

/**
 * Cycle counts: counters list their locations' open tasks (blind: no expected quantity) and answer
 * them; a variance becomes a count correction under the adjustments' approval rules. Ops read the
 * accuracy per ABC class.
 */
export const countRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal, config, timeouts } = deps;
  const retentionHours = config.api.idempotencyRetentionHours;
  const tasks = () =>
    db('count_tasks as c')
      .join('products as p', 'p.sku', 'c.sku')
      .select('c.id', 'c.location_id', 'c.bin_code', 'c.sku', 'p.upc', 'p.name', 'c.class', 'c.status', 'c.created_at');

  app.get(
    '/v1/count-tasks',
    {
      schema: {
        tags: ['counts'],
        summary: "Open count tasks at the key's locations, by location, then the bins' walking order (sequence, then code), then SKU; blind: no expected quantity",
        querystring: CountTasksQuery,
        response: { 200: Page(BlindCountTask), ...errorResponses },
      },
    },
    async (request) => {
      const { locationId, cursor } = request.query;
      const limit = request.query.limit ?? 50;
      if (locationId) mustSeeLocation(request, locationId);
      // The counter walks the bins as pickers do. Tasks without a bin (or at a bin since removed) come
      // first in their location: -1 and '' stand for them in the order and the cursor.
      const walk = "c.location_id, COALESCE(bin.sequence, -1), COALESCE(c.bin_code, ''), c.sku";
      const query = tasks()
        .leftJoin('bins as bin', function joinBin() {
          this.on('bin.location_id', 'c.location_id').andOn('bin.code', 'c.bin_code');
        })
        .select(db.raw('COALESCE(bin.sequence, -1) AS walk_sequence'))
        .where('c.status', 'OPEN')
        .orderByRaw(walk)
        .limit(limit + 1);
      if (locationId) query.where('c.location_id', locationId);
      if (request.caller?.locationIds) query.whereIn('c.location_id', request.caller.locationIds);
      if (cursor) {
        const [location, sequence, bin, sku] = decodeCursor<[string, number, string, string]>(cursor, [
          isKeyText,
          (part): part is number => typeof part === 'number' && Number.isSafeInteger(part),
          (part): part is string => typeof part === 'string',
          isKeyText,
        ]);
        query.whereRaw(`(${walk}) > (?, ?, ?, ?)`, [location, sequence, bin, sku]);
      }
      const rows: (TaskRow & { walk_sequence: number })[] = await query;
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const next = rows.length > limit ? encodeCursor([last.location_id, last.walk_sequence, last.bin_code ?? '', last.sku]) : null;
      return { data: page.map(blind), nextCursor: next };
    },
  );

  app.post(
    '/v1/count-tasks',
    {
      schema: {
        tags: ['counts'],
        summary: 'Ask for a count of one SKU at a location (and bin) now, outside the schedule',
        description: 'Refusals: kit_not_stockable (count its components), sku_not_at_location (never stocked there), unknown_bin (no such bin at that location), count_task_open (one is open already).',
        headers: IdempotencyHeaders,
        body: CreateCountTaskBody,
        response: { 201: BlindCountTask, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const { locationId, sku, bin } = request.body;
        mustSeeLocation(request, locationId);
        if (!(await db('locations').where({ id: locationId }).first('id'))) throw new ApiError(404, 'location_not_found', `location ${locationId} not found`);
        const kits = await kitSkusAmong(db, [sku]);
        if (kits.length > 0) throw kitNotStockable(kits);
        if (!(await db('inventory_levels').where({ sku, location_id: locationId }).first('sku'))) {
          throw new ApiError(422, 'sku_not_at_location', `${sku} is not stocked at ${locationId}`);
        }
        if (bin && !(await db('bins').where({ location_id: locationId, code: bin }).first('code'))) {
          throw new ApiError(422, 'unknown_bin', `no bin ${bin} at location ${locationId}`);
        }
        const assigned = await db('bin_assignments').where({ sku, location_id: locationId }).first('bin_code');
        // The class it was last planned with; a SKU never planned is C until the schedule classifies it.
        const abc = (await db('count_tasks').where({ sku }).orderBy('created_at', 'desc').first('class'))?.class ?? 'C';
        const id = countTaskId();
        const inserted = await db('count_tasks')
          .insert({ id, location_id: locationId, bin_code: bin ?? assigned?.bin_code ?? null, sku, class: abc, origin: 'requested' })
          .onConflict()
          .ignore()
          .returning('id');
        if (inserted.length === 0) throw new ApiError(409, 'count_task_open', `${sku} at ${locationId} has an open count task already`);
        reply.status(201);
        return blind((await tasks().where('c.id', id).first()) as TaskRow);
      }),
  );

  app.post(
    '/v1/count-tasks/:id/answer',
    {
      schema: {
        tags: ['counts'],
        summary: 'Answer a count task with the units counted; a variance becomes a count correction',
        description:
          'The correction is applied at once, or waits for ops when worth more than ADJUSTMENT_APPROVAL_THRESHOLD_CENTS or when it ' +
          'would take on_hand below reserved. Refusals: count_already_answered (409), sku_not_in_task and unknown_bin (422).',
        headers: IdempotencyHeaders,
        params: CountTaskParams,
        body: AnswerBody,
        response: { 200: AnswerResult, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const task = await mustFindTask(request, request.params.id);
        const { sku, bin, countedQuantity, countedBy } = request.body;
        if (sku && sku !== task.sku) throw new ApiError(422, 'sku_not_in_task', `count task ${task.id} counts ${task.sku}, not ${sku}`);
        if (bin && !(await db('bins').where({ location_id: task.location_id, code: bin }).first('code'))) {
          throw new ApiError(422, 'unknown_bin', `no bin ${bin} at location ${task.location_id}`);
        }
        const answer = await db.transaction((trx) =>
          answerCountTask(trx, {
            taskId: task.id,
            countedQuantity,
            countedBy: countedBy ?? request.caller?.keyId ?? null,
            thresholdCents: config.adjustments.approvalThresholdCents,
            approvalTimeoutHours: config.adjustments.approvalTimeoutHours,
          }),
        );
        const correction = answer.adjustment;
        if (correction) {
          await startAfterCommit(request.log, () =>
            within(deps, timeouts.startMs, () => startAdjustmentWorkflow(temporal, config.temporal.taskQueue, db, correction.id)),
          );
        }
        return { id: task.id, status: 'COUNTED' as const, countedQuantity, correction: correction ? { adjustmentId: correction.id, status: correction.status } : null };
      }),
  );

  app.get(
    '/v1/reports/count-accuracy',
    {
      schema: {
        tags: ['counts', 'reports'],
        summary: 'Cycle-count accuracy per ABC class, in units and value, over counts answered in [from, to)',
        querystring: AccuracyQuery,
        response: { 200: Type.Object({ data: Type.Array(AccuracyRow) }), ...errorResponses },
      },
    },
    async (request) => {
      const query = db('count_tasks')
        .where({ status: 'COUNTED' })
        .groupBy('class')
        .select(
          'class',
          db.raw('count(*)::int AS tasks'),
          db.raw('count(*) FILTER (WHERE variance = 0)::int AS exact'),
          db.raw('COALESCE(sum(expected_quantity), 0)::bigint AS expected'),
          db.raw('COALESCE(sum(abs(variance)), 0)::bigint AS variance'),
          db.raw('COALESCE(sum(expected_value_cents), 0)::bigint AS expected_value'),
          db.raw('COALESCE(sum(abs(variance_value_cents)), 0)::bigint AS variance_value'),
        );
      if (request.query.from) query.where('counted_at', '>=', request.query.from);
      if (request.query.to) query.where('counted_at', '<', request.query.to);
      const rows = new Map((await query).map((row) => [row.class, row]));
      const accuracy = (variance: number, expected: number) => (expected === 0 ? (variance === 0 ? null : 0) : Math.max(0, 1 - variance / expected));
      return {
        data: ABC_CLASSES.map((abc) => {
          const row = rows.get(abc);
          const [expected, variance, expectedValue, varianceValue] = [row?.expected, row?.variance, row?.expected_value, row?.variance_value].map(Number) as number[];
          return {
            class: abc,
            tasksCounted: row?.tasks ?? 0,
            tasksExact: row?.exact ?? 0,
            expectedUnits: expected || 0,
            varianceUnits: variance || 0,
            unitAccuracy: row ? accuracy(variance, expected) : null,
            expectedValueCents: expectedValue || 0,
            varianceValueCents: varianceValue || 0,
            valueAccuracy: row ? accuracy(varianceValue, expectedValue) : null,
          };
        }),
      };
    },
  );

  /** A task at a location the key does not hold does not exist for it. */
  async function mustFindTask(request: FastifyRequest, id: string): Promise<TaskRow> {
    const row: TaskRow | undefined = await tasks().where('c.id', id).first();
    if (!row || (request.caller && !request.caller.canSeeLocation(row.location_id))) throw new ApiError(404, 'count_task_not_found', `count task ${id} not found`);
    return row;
  }
};

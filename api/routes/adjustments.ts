import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { checkAdjustmentRequest, createAdjustment } from '../../activities/adjustments';
import { startAdjustmentWorkflow } from '../../infra/workflow-starters';
import {
  ADJUSTMENT_STATUSES,
  AdjustmentRefusal,
  adjustmentWorkflowId,
  approveAdjustmentUpdate,
  rejectAdjustmentUpdate,
} from '../../workflows/adjustment-definitions';
import { ApiError } from '../api-error';
import { type RouteDeps, startAfterCommit, within } from '../deps';
import { idempotently, REPLAYED_HEADER, scopeOfRequest, storeAnswer, storedAnswer, updateIdFor } from '../idempotency';
import { iso } from '../iso-date-time';
import { pageByCreation } from '../cursor';
import { CursorParam, errorResponses, IdempotencyHeaders, Limit, MAX_INT, Nullable, OneOf, Page, Text } from '../schemas';
import { callWorkflow } from '../temporal-errors';

const CreateAdjustmentBody = Type.Object(
  {
    reasonCode: Text(24, { description: 'damaged, lost, found, theft, expired or correction' }),
    note: Type.Optional(Text(1000)),
    lines: Type.Array(
      Type.Object(
        {
          sku: Text(64),
          locationId: Text(32),
          quantity: Type.Integer({ minimum: -MAX_INT, maximum: MAX_INT, description: 'Signed units: + found, - lost, damaged...' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);
type CreateAdjustmentBody = Static<typeof CreateAdjustmentBody>;

const Adjustment = Type.Object({
  id: Type.String(),
  kind: OneOf(['adjustment', 'count_correction'] as const),
  reasonCode: Type.String(),
  note: Nullable(Type.String()),
  status: OneOf(ADJUSTMENT_STATUSES),
  valueCents: Type.Integer({ description: 'Units x FIFO cost over all lines, without sign' }),
  needsApproval: Type.Boolean(),
  approvalReason: Nullable(Type.String({ description: 'over_threshold or below_reserved' })),
  approvalDeadline: Type.String(),
  refusal: Nullable(Type.String({ description: 'Why the last approval could not be applied; it still waits' })),
  decidedBy: Nullable(Type.String()),
  countTaskId: Nullable(Type.String()),
  lines: Type.Array(
    Type.Object({ lineNo: Type.Integer(), sku: Type.String(), locationId: Type.String(), quantity: Type.Integer(), valueCents: Type.Integer() }),
  ),
  createdAt: Type.String(),
  appliedAt: Nullable(Type.String()),
});
const AdjustmentParams = Type.Object({ id: Text(40) });
const AdjustmentsQuery = Type.Object(
  {
    status: Type.Optional(OneOf(ADJUSTMENT_STATUSES)),
    kind: Type.Optional(OneOf(['adjustment', 'count_correction'] as const)),
    locationId: Type.Optional(Text(32, { description: 'Adjustments with a line at this location' })),
    limit: Limit,
    cursor: CursorParam,
  },
  { additionalProperties: false },
);
const DecisionBody = Type.Object({ note: Type.Optional(Text(1000)) }, { additionalProperties: false });

/** The adjustment as the API shows it, or undefined. */
export async function loadAdjustment(db: Knex, id: string): Promise<Static<typeof Adjustment> | undefined> {
  const row = await db('adjustments').where({ id }).first();
  if (!row) return undefined;
  return asAdjustment(row, await db('adjustment_lines').where({ adjustment_id: id }));
}

function asAdjustment(row: any, lines: any[]): Static<typeof Adjustment> {
  return {
    id: row.id,
    kind: row.kind,
    reasonCode: row.reason_code,
    note: row.note,
    status: row.status,
    valueCents: row.value_cents,
    needsApproval: row.needs_approval,
    approvalReason: row.approval_reason,
    approvalDeadline: iso(row.approval_deadline),
    refusal: row.refusal,
    decidedBy: row.decided_by,
    countTaskId: row.count_task_id,
    lines: [...lines].sort((a, b) => a.line_no - b.line_no).map((line) => ({ lineNo: line.line_no, sku: line.sku, locationId: line.location_id, quantity: line.quantity, valueCents: line.value_cents })),
    createdAt: iso(row.created_at),
    appliedAt: row.applied_at ? iso(row.applied_at) : null,
  };
}

/**
 * Stock adjustments with a reason code: worth at most ADJUSTMENT_APPROVAL_THRESHOLD_CENTS they are
 * applied at once, above it they wait for ops in their workflow `adjustment:<id>`.
 */
export const adjustmentRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal, config, timeouts } = deps;
  const retentionHours = config.api.idempotencyRetentionHours;
  const startWorkflow = (id: string) => within(deps, timeouts.startMs, () => startAdjustmentWorkflow(temporal, config.temporal.taskQueue, db, id));

  app.post(
    '/v1/inventory/adjustments',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Adjust stock with a reason code; over the approval threshold it waits for ops',
        description:
          'Each line is a SKU, a location and signed units. Refusals (nothing written): unknown_reason_code, quantity_sign_mismatch, ' +
          'duplicate_line, unknown_sku, kit_not_stockable (adjust its components), location_not_found, sku_not_at_location, below_zero, below_reserved (units reserved for ' +
          'orders cannot be adjusted away: release or ship them first).',
        headers: IdempotencyHeaders,
        body: CreateAdjustmentBody,
        response: { 201: Adjustment, ...errorResponses },
      },
    },
    async (request, reply) => {
      for (const line of request.body.lines) mustSeeLocation(request, line.locationId);
      const scope = scopeOfRequest(request, retentionHours);
      const earlier = scope ? await storedAnswer(db, scope) : undefined;
      let id = earlier?.resourceId ?? undefined;
      if (!id) id = await writeAdjustment(request, request.body, scope);
      await startAfterCommit(request.log, () => startWorkflow(id!));
      if (earlier) reply.header(REPLAYED_HEADER, 'true');
      return reply.status(201).send((await loadAdjustment(db, id))!);
    },
  );

  app.get(
    '/v1/inventory/adjustments',
    {
      schema: {
        tags: ['inventory'],
        summary: "Adjustments and count corrections, newest first, by status, kind and location; a warehouse key sees those wholly at its locations",
        querystring: AdjustmentsQuery,
        response: { 200: Page(Adjustment), ...errorResponses },
      },
    },
    async (request) => {
      const { status, kind, locationId, limit, cursor } = request.query;
      if (locationId) mustSeeLocation(request, locationId);
      const held = request.caller?.locationIds;
      const lineAt = (narrow: (query: Knex.QueryBuilder) => void) => (query: Knex.QueryBuilder) => {
        query.select(db.raw('1')).from('adjustment_lines as l').whereRaw('l.adjustment_id = adjustments.id');
        narrow(query);
      };
      const { rows, nextCursor } = await pageByCreation(db, 'adjustments', { limit, cursor }, (query) => {
        if (status) query.where({ status });
        if (kind) query.where({ kind });
        if (locationId) query.whereExists(lineAt((q) => q.where('l.location_id', locationId)));
        // As GET /:id: an adjustment with a line elsewhere does not exist for the key.
        if (held) query.whereNotExists(lineAt((q) => q.whereNotIn('l.location_id', held)));
      });
      const lines = await db('adjustment_lines').whereIn('adjustment_id', rows.map((row) => row.id));
      return { data: rows.map((row) => asAdjustment(row, lines.filter((line) => line.adjustment_id === row.id))), nextCursor };
    },
  );

  app.get(
    '/v1/inventory/adjustments/:id',
    {
      schema: {
        tags: ['inventory'],
        summary: 'An adjustment or count correction: its lines, value and approval state',
        params: AdjustmentParams,
        response: { 200: Adjustment, ...errorResponses },
      },
    },
    async (request) => mustFindAdjustment(request, request.params.id),
  );

  const decision = (path: 'approve' | 'reject', summary: string) =>
    app.post(
      `/v1/inventory/adjustments/:id/${path}`,
      {
        schema: {
          tags: ['inventory'],
          summary,
          description:
            'Refusals: adjustment_not_awaiting_approval (409, decided or expired already); below_reserved (409, an approval that ' +
            'would now take on_hand below reserved: it keeps waiting, approve again once stock allows or reject it).',
          headers: IdempotencyHeaders,
          params: AdjustmentParams,
          body: DecisionBody,
          response: { 200: Adjustment, ...errorResponses },
        },
      },
      async (request, reply) =>
        idempotently(db, request, reply, retentionHours, async () => {
          const found = await mustFindAdjustment(request, request.params.id);
          const row = await db('adjustments').where({ id: found.id }).first('workflow_started_at');
          if (!row.workflow_started_at) await startWorkflow(found.id);
          const handle = temporal.workflow.getHandle(adjustmentWorkflowId(found.id));
          const view = await callWorkflow(
            () =>
              within(deps, timeouts.updateMs, () =>
                handle.executeUpdate(path === 'approve' ? approveAdjustmentUpdate : rejectAdjustmentUpdate, {
                  args: [{ by: request.caller?.keyId, note: request.body.note }],
                  updateId: updateIdFor(`adjustment-${path}`, request),
                }),
              ),
            async () => {
              const { status } = await db('adjustments').where({ id: found.id }).first('status');
              return new ApiError(409, AdjustmentRefusal.notAwaitingApproval, `adjustment ${found.id} is ${status} and its workflow has ended`);
            },
          );
          if (view.status === 'PENDING_APPROVAL' && view.refusal) {
            throw new ApiError(409, view.refusal, `adjustment ${found.id} was not applied (${view.refusal}); it still waits for a decision`);
          }
          return (await loadAdjustment(db, found.id))!;
        }),
    );
  decision('approve', 'Approve an adjustment waiting for ops: it is applied with the stock checked again');
  decision('reject', 'Reject an adjustment waiting for ops: stock stays as it is');

  /** Checked, then written in one transaction under the level rows' locks (with the Idempotency-Key). */
  async function writeAdjustment(request: FastifyRequest, body: CreateAdjustmentBody, scope: ReturnType<typeof scopeOfRequest>): Promise<string> {
    const lines = body.lines.map((line) => ({ sku: line.sku, locationId: line.locationId, quantity: line.quantity }));
    await checkAdjustmentRequest(db, { kind: 'adjustment', reasonCode: body.reasonCode, lines });
    const written = await db.transaction(async (trx) => {
      const created = await createAdjustment(trx, {
        kind: 'adjustment',
        reasonCode: body.reasonCode,
        note: body.note,
        lines,
        requestedBy: request.caller?.keyId ?? null,
        idempotencyKey: scope?.key ?? null,
        thresholdCents: config.adjustments.approvalThresholdCents,
        approvalTimeoutHours: config.adjustments.approvalTimeoutHours,
      });
      // The key with the adjustment: a concurrent request with it waits here, then finds it taken and rolls back.
      if (scope && !(await storeAnswer(trx, scope, { statusCode: 201, body: null, resourceId: created.id }))) return undefined;
      return created.id;
    });
    if (written) return written;
    const earlier = scope ? await storedAnswer(db, scope) : undefined;
    if (!earlier?.resourceId) throw new Error(`Idempotency-Key "${scope?.key}" was taken, but its adjustment could not be found`);
    return earlier.resourceId;
  }

  /** An adjustment with a line at a location the key does not hold does not exist for it. */
  async function mustFindAdjustment(request: FastifyRequest, id: string) {
    const found = await loadAdjustment(db, id);
    if (!found || !found.lines.every((line) => seesLocationOf(request, line.locationId))) {
      throw new ApiError(404, 'adjustment_not_found', `adjustment ${id} not found`);
    }
    return found;
  }
};

const seesLocationOf = (request: FastifyRequest, locationId: string) => !request.caller || request.caller.canSeeLocation(locationId);

/** A location named in a request that the key does not hold is not found, like one that does not exist. */
export function mustSeeLocation(request: FastifyRequest, locationId: string): void {
  if (!seesLocationOf(request, locationId)) throw new ApiError(404, 'location_not_found', `location ${locationId} not found`);
}

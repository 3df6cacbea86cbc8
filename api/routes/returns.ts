import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WorkflowHandle } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import { startReturnWorkflow } from '../../infra/workflow-starters';
import {
  approveReturnUpdate,
  cancelReturnUpdate,
  receiveReturnUpdate,
  Refusal,
  rejectReturnUpdate,
  returnStatusQuery,
  returnWorkflowId,
  type ReturnView as ReturnViewData,
} from '../../workflows/definitions';
import { ApiError } from '../api-error';
import { type RouteDeps, startAfterCommit, within } from '../deps';
import { idempotently, REPLAYED_HEADER, scopeOfRequest, updateIdFor } from '../idempotency';
import { listReturns, loadReturn } from '../returns/projection';
import {
  CancelReturnBody,
  CreateReturnBody,
  DecisionBody,
  ListReturnsQuery,
  ReceiveReturnBody,
  Return,
  ReturnPage,
  ReturnParams,
  ReturnView,
  ReturnWithLive,
} from '../returns/schemas';
import { writeReturn } from '../returns/write-return';
import { errorResponses, IdempotencyHeaders, LiveQuery, OrderParams } from '../schemas';
import { callWorkflow, queryOrExplain } from '../temporal-errors';

interface ReturnRow {
  id: string;
  order_id: string;
  channel: string;
  customer_id: string;
  location_id: string;
  workflow_started_at: Date | null;
}

/**
 * Returns (RMAs): requested by clients and ops against delivered units, decided by ops, received at
 * the dock by warehouse staff. Each step after the request is an update to the return's workflow.
 */
export const returnRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal, config, timeouts } = deps;
  const retentionHours = config.api.idempotencyRetentionHours;
  app.addHook('preHandler', async (request, reply) => {
    const id = (request.params as { id?: string } | undefined)?.id;
    if (id) request.log = reply.log = request.log.child(id.startsWith('ret_') ? { returnId: id } : { orderId: id });
  });

  const startWorkflow = (returnId: string) =>
    within(deps, timeouts.startMs, () => startReturnWorkflow(temporal, config.temporal.taskQueue, db, returnId));

  app.post(
    '/v1/orders/:id/returns',
    {
      schema: {
        tags: ['returns'],
        summary: 'Request a return of delivered units; refused with its own code when any line cannot come back',
        description:
          'Each line names an order line (lineNo or sku), a quantity and a reason (other needs a note). Refusals: ' +
          'unknown_line, duplicate_line, note_required, final_sale, not_delivered, return_window_closed, ' +
          'exceeds_returnable (also when another return took the units first), unknown_exchange_sku, no_exchange.',
        headers: IdempotencyHeaders,
        params: OrderParams,
        body: CreateReturnBody,
        response: { 201: Return, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { returnId, replayed } = await writeReturn(
        db,
        config,
        {
          orderId: request.params.id,
          body: request.body,
          canSeeOrder: (order) => !request.caller || request.caller.canSeeOrder(order),
        },
        scopeOfRequest(request, retentionHours),
      );
      request.log = reply.log = request.log.child({ returnId });
      // A replay starts the workflow too: the first attempt may have died right after its commit.
      await startAfterCommit(request.log, () => startWorkflow(returnId));
      if (replayed) reply.header(REPLAYED_HEADER, 'true');
      return reply.status(201).send(await mustLoadReturn(returnId));
    },
  );

  app.get(
    '/v1/returns',
    {
      schema: {
        tags: ['returns'],
        summary: 'List returns, newest first',
        description: "A client key sees only its channels' (and customer's) returns; a warehouse key only those coming back to its locations.",
        querystring: ListReturnsQuery,
        response: { 200: ReturnPage, ...errorResponses },
      },
    },
    async (request) =>
      listReturns(db, {
        ...request.query,
        channelIn: request.caller?.channels ?? null,
        scopeCustomerId: request.caller?.customerId ?? null,
        locationIn: request.caller?.locationIds ?? null,
      }),
  );

  app.get(
    '/v1/returns/:id',
    {
      schema: {
        tags: ['returns'],
        summary: "A return from the Postgres projection; with ?live=true also its workflow's live status",
        params: ReturnParams,
        querystring: LiveQuery,
        response: { 200: ReturnWithLive, ...errorResponses },
      },
    },
    async (request) => {
      await mustFindReturn(request, request.params.id);
      const found = await mustLoadReturn(request.params.id);
      if (!request.query.live) return found;
      const handle = temporal.workflow.getHandle(returnWorkflowId(found.id));
      const live = await queryOrExplain(() => within(deps, timeouts.queryMs, () => handle.query(returnStatusQuery)));
      return { ...found, ...live };
    },
  );

  const decision = (path: 'approve' | 'reject', summary: string) =>
    app.post(
      `/v1/returns/:id/${path}`,
      {
        schema: {
          tags: ['returns'],
          summary,
          headers: IdempotencyHeaders,
          params: ReturnParams,
          body: DecisionBody,
          response: { 200: ReturnView, ...errorResponses },
        },
      },
      async (request, reply) =>
        idempotently(db, request, reply, retentionHours, async () => {
          const row = await mustFindReturn(request, request.params.id);
          const update = path === 'approve' ? approveReturnUpdate : rejectReturnUpdate;
          return updateReturn(row, Refusal.returnNotAwaitingApproval, (handle) =>
            handle.executeUpdate(update, {
              args: [{ by: request.caller?.keyId, note: request.body.note }],
              updateId: updateIdFor(path, request),
            }),
          );
        }),
    );
  decision('approve', 'Approve a return awaiting approval: its label is bought next');
  decision('reject', 'Reject a return awaiting approval, with a note');

  app.post(
    '/v1/returns/:id/cancel',
    {
      schema: {
        tags: ['returns'],
        summary: 'Cancel a return until its parcel is received; an unused return label is voided',
        headers: IdempotencyHeaders,
        params: ReturnParams,
        body: CancelReturnBody,
        response: { 200: ReturnView, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const row = await mustFindReturn(request, request.params.id);
        return updateReturn(row, Refusal.returnNotCancellable, (handle) =>
          handle.executeUpdate(cancelReturnUpdate, {
            args: [{ reason: request.body.reason, by: request.caller?.keyId }],
            updateId: updateIdFor('cancel-return', request),
          }),
        );
      }),
  );

  app.post(
    '/v1/returns/:id/receive',
    {
      schema: {
        tags: ['returns'],
        summary: 'Receive and inspect the parcel at the dock: per line, units to restock, to quarantine as damaged, or to scrap',
        headers: IdempotencyHeaders,
        params: ReturnParams,
        body: ReceiveReturnBody,
        response: { 200: ReturnView, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const row = await mustFindReturn(request, request.params.id);
        await checkInspection(row.id, request.body);
        return updateReturn(row, Refusal.returnNotReceivable, (handle) =>
          handle.executeUpdate(receiveReturnUpdate, {
            args: [{ lines: request.body.lines, by: request.body.receivedBy }],
            updateId: updateIdFor('receive', request),
          }),
        );
      }),
  );

  /**
   * The return of the route's :id. One the key may not see does not exist for it (404, never 403):
   * a client key sees its channels' (and customer's) returns, a warehouse key its locations'.
   */
  async function mustFindReturn(request: FastifyRequest, returnId: string): Promise<ReturnRow> {
    const row: ReturnRow | undefined = await db('returns')
      .where({ id: returnId })
      .first('id', 'order_id', 'channel', 'customer_id', 'location_id', 'workflow_started_at');
    const caller = request.caller;
    const visible =
      row && (!caller || (caller.canSeeOrder({ channel: row.channel, customerId: row.customer_id }) && caller.canSeeLocation(row.location_id)));
    if (!visible) throw returnNotFound(returnId);
    return row;
  }

  async function mustLoadReturn(returnId: string) {
    const found = await loadReturn(db, returnId);
    if (!found) throw returnNotFound(returnId);
    return found;
  }

  /** Lines of the return, once each, with no more units than were requested: otherwise nothing reaches the workflow. */
  async function checkInspection(returnId: string, body: ReceiveReturnBody): Promise<void> {
    const requested = new Map<number, number>(
      (await db('return_lines').where({ return_id: returnId }).select('line_no', 'quantity')).map((line) => [line.line_no, line.quantity]),
    );
    const seen = new Set<number>();
    for (const line of body.lines) {
      const quantity = requested.get(line.lineNo);
      if (quantity === undefined) throw new ApiError(422, 'unknown_line', `return ${returnId} has no line ${line.lineNo}`, { lineNo: line.lineNo });
      if (seen.has(line.lineNo)) throw new ApiError(422, 'duplicate_line', `line ${line.lineNo} appears more than once`, { lineNo: line.lineNo });
      seen.add(line.lineNo);
      const received = line.restock + line.damaged + line.scrap;
      if (received > quantity) {
        throw new ApiError(
          422,
          Refusal.inspectionMismatch,
          `line ${line.lineNo}: restock ${line.restock} + damaged ${line.damaged} + scrap ${line.scrap} exceeds the ${quantity} requested`,
          { lineNo: line.lineNo, received, requested: quantity },
        );
      }
    }
  }

  /**
   * Sends an update to the return's workflow (started first if a crash left the return without
   * one). A workflow that has ended answers 409 with `closedCode` and the return's status.
   */
  async function updateReturn(
    row: ReturnRow,
    closedCode: string,
    run: (handle: WorkflowHandle) => Promise<ReturnViewData>,
  ): Promise<ReturnViewData> {
    if (!row.workflow_started_at) await startWorkflow(row.id);
    const handle = temporal.workflow.getHandle(returnWorkflowId(row.id));
    return callWorkflow(
      () => within(deps, timeouts.updateMs, () => run(handle)),
      async () => {
        const { status } = await db('returns').where({ id: row.id }).first('status');
        return new ApiError(409, closedCode, `return ${row.id} is ${status} and its workflow has ended`);
      },
    );
  }
};

function returnNotFound(returnId: string): ApiError {
  return new ApiError(404, 'return_not_found', `return ${returnId} not found`);
}

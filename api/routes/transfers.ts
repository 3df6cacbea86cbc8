import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { checkTransferRequest, createTransfer, lineStates, type TransferRequest } from '../../activities/transfers';
import { startTransferWorkflow } from '../../infra/workflow-starters';
import {
  cancelTransferUpdate,
  receiveTransferUpdate,
  shipTransferUpdate,
  TRANSFER_STATUSES,
  TransferRefusal,
  transferWorkflowId,
  type TransferView,
} from '../../workflows/transfer-definitions';
import { ApiError } from '../api-error';
import { type RouteDeps, startAfterCommit, within } from '../deps';
import { idempotently, REPLAYED_HEADER, scopeOfRequest, storeAnswer, storedAnswer, updateIdFor } from '../idempotency';
import { iso } from '../iso-date-time';
import { pageByCreation } from '../cursor';
import { CursorParam, errorResponses, IdempotencyHeaders, Limit, MAX_INT, Nullable, OneOf, Page, Text } from '../schemas';
import { callWorkflow } from '../temporal-errors';

const TransferLines = Type.Array(
  Type.Object({ sku: Text(64), quantity: Type.Integer({ minimum: 1, maximum: MAX_INT }) }, { additionalProperties: false }),
  { minItems: 1, maxItems: 100 },
);

const CreateTransferBody = Type.Object(
  { fromLocationId: Text(32), toLocationId: Text(32), lines: TransferLines },
  { additionalProperties: false },
);

const ReceiveTransferBody = Type.Object({ lines: TransferLines }, { additionalProperties: false });
const ShipTransferBody = Type.Object({}, { additionalProperties: false });
const CancelTransferBody = Type.Object({ reason: Type.Optional(Text(500)) }, { additionalProperties: false });
const TransfersQuery = Type.Object(
  {
    status: Type.Optional(OneOf(TRANSFER_STATUSES)),
    locationId: Type.Optional(Text(32, { description: 'Transfers from or to this location' })),
    limit: Limit,
    cursor: CursorParam,
  },
  { additionalProperties: false },
);

const Transfer = Type.Object({
  id: Type.String(),
  fromLocationId: Type.String(),
  toLocationId: Type.String(),
  status: OneOf(TRANSFER_STATUSES),
  deadline: Nullable(Type.String({ description: 'Set when shipped: what has not arrived by then is written off' })),
  writeOffReason: Nullable(Type.String({ description: 'lost_in_transit once a shortfall was written off' })),
  cancelReason: Nullable(Type.String({ description: 'Why it was cancelled, when CANCELLED' })),
  lines: Type.Array(
    Type.Object({
      lineNo: Type.Integer(),
      sku: Type.String(),
      quantity: Type.Integer(),
      shipped: Type.Integer(),
      received: Type.Integer(),
      writtenOff: Type.Integer(),
      inTransit: Type.Integer({ description: 'shipped - received - written off' }),
    }),
  ),
  createdAt: Type.String(),
  shippedAt: Nullable(Type.String()),
  closedAt: Nullable(Type.String()),
});
type Transfer = Static<typeof Transfer>;
const TransferParams = Type.Object({ id: Text(40) });

/** The transfer as the API shows it (from Postgres, which the workflow's activities write), or undefined. */
export async function loadTransfer(db: Knex, id: string): Promise<Transfer | undefined> {
  const row = await db('transfers').where({ id }).first();
  if (!row) return undefined;
  return asTransfer(row, await db('transfer_lines').where({ transfer_id: id }));
}

function asTransfer(row: any, lines: any[]): Transfer {
  return {
    id: row.id,
    fromLocationId: row.from_location_id,
    toLocationId: row.to_location_id,
    status: row.status,
    deadline: row.deadline ? iso(row.deadline) : null,
    writeOffReason: row.write_off_reason,
    cancelReason: row.cancel_reason,
    lines: lineStates(lines).map((line) => ({ ...line, inTransit: line.shipped - line.received - line.writtenOff })),
    createdAt: iso(row.created_at),
    shippedAt: row.shipped_at ? iso(row.shipped_at) : null,
    closedAt: row.closed_at ? iso(row.closed_at) : null,
  };
}

/**
 * Transfers between locations, each run by its workflow `transfer:<id>`: created with the units held
 * at the source, shipped (by the source's warehouse, or at once from an `auto` one), received at the
 * destination in part or in full; what has not arrived by the deadline is written off.
 */
export const transferRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal, config, timeouts } = deps;
  const retentionHours = config.api.idempotencyRetentionHours;
  const startWorkflow = (id: string) => within(deps, timeouts.startMs, () => startTransferWorkflow(temporal, config.temporal.taskQueue, db, id));

  app.post(
    '/v1/inventory/transfers',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Transfer stock between locations: the units are held at the source until shipped',
        description:
          'A warehouse key must hold the source. Refusals (nothing written): same_location, location_not_found (404), location_inactive, ' +
          'quarantine_source, duplicate_line, unknown_sku, kit_not_transferable (transfer the components), exceeds_available ' +
          '(more than on hand less reserved at the source).',
        headers: IdempotencyHeaders,
        body: CreateTransferBody,
        response: { 201: Transfer, ...errorResponses },
      },
    },
    async (request, reply) => {
      mustSeeLocation(request, request.body.fromLocationId);
      const scope = scopeOfRequest(request, retentionHours);
      const earlier = scope ? await storedAnswer(db, scope) : undefined;
      let id = earlier?.resourceId ?? undefined;
      if (!id) id = await writeTransfer(request, request.body, scope);
      await startAfterCommit(request.log, () => startWorkflow(id!));
      if (earlier) reply.header(REPLAYED_HEADER, 'true');
      return reply.status(201).send((await loadTransfer(db, id))!);
    },
  );

  app.get(
    '/v1/inventory/transfers',
    {
      schema: {
        tags: ['inventory'],
        summary: "Transfers, newest first, by status and location (from or to); a warehouse key sees those from or to its locations",
        querystring: TransfersQuery,
        response: { 200: Page(Transfer), ...errorResponses },
      },
    },
    async (request) => {
      const { status, locationId, limit, cursor } = request.query;
      if (locationId) mustSeeLocation(request, locationId);
      const held = request.caller?.locationIds;
      const { rows, nextCursor } = await pageByCreation(db, 'transfers', { limit, cursor }, (query) => {
        if (status) query.where({ status });
        if (locationId) query.where((q) => q.where({ from_location_id: locationId }).orWhere({ to_location_id: locationId }));
        if (held) query.where((q) => q.whereIn('from_location_id', held).orWhereIn('to_location_id', held));
      });
      const lines = await db('transfer_lines').whereIn('transfer_id', rows.map((row) => row.id));
      return { data: rows.map((row) => asTransfer(row, lines.filter((line) => line.transfer_id === row.id))), nextCursor };
    },
  );

  app.get(
    '/v1/inventory/transfers/:id',
    {
      schema: {
        tags: ['inventory'],
        summary: 'A transfer: its lines shipped, received, written off and in transit, and its deadline',
        params: TransferParams,
        response: { 200: Transfer, ...errorResponses },
      },
    },
    async (request) => mustFindTransfer(request, request.params.id, 'either'),
  );

  app.post(
    '/v1/inventory/transfers/:id/ship',
    {
      schema: {
        tags: ['inventory'],
        summary: "Ship a transfer: its units leave the source's stock and are in transit to the destination",
        description: 'For a warehouse key holding the source. Refusals: transfer_not_awaiting_shipment (409, shipped already or closed).',
        headers: IdempotencyHeaders,
        params: TransferParams,
        body: ShipTransferBody,
        response: { 200: Transfer, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const found = await mustFindTransfer(request, request.params.id, 'source');
        await updateTransfer(found.id, TransferRefusal.notAwaitingShipment, (handle) =>
          handle.executeUpdate(shipTransferUpdate, { args: [{ by: request.caller?.keyId }], updateId: updateIdFor('transfer-ship', request) }),
        );
        return (await loadTransfer(db, found.id))!;
      }),
  );

  app.post(
    '/v1/inventory/transfers/:id/cancel',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Cancel a transfer not shipped yet: its hold at the source is released and it closes CANCELLED',
        description:
          'For ops or a warehouse key holding the source. Refusals: transfer_not_cancellable (409, shipped, being shipped, ' +
          'from an auto source that ships at once, or closed).',
        headers: IdempotencyHeaders,
        params: TransferParams,
        body: CancelTransferBody,
        response: { 200: Transfer, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const found = await mustFindTransfer(request, request.params.id, 'source');
        await updateTransfer(found.id, TransferRefusal.notCancellable, (handle) =>
          handle.executeUpdate(cancelTransferUpdate, {
            args: [{ by: request.caller?.keyId, reason: request.body.reason }],
            updateId: updateIdFor('transfer-cancel', request),
          }),
        );
        return (await loadTransfer(db, found.id))!;
      }),
  );

  app.post(
    '/v1/inventory/transfers/:id/receive',
    {
      schema: {
        tags: ['inventory'],
        summary: "Receive a transfer's units at the destination, in part or in full",
        description:
          'For a warehouse key holding the destination. Refusals: transfer_not_in_transit (409, not shipped yet or closed), ' +
          'sku_not_on_transfer, duplicate_line, exceeds_shipped (422, more than shipped and not yet received or written off).',
        headers: IdempotencyHeaders,
        params: TransferParams,
        body: ReceiveTransferBody,
        response: { 200: Transfer, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const found = await mustFindTransfer(request, request.params.id, 'destination');
        await updateTransfer(found.id, TransferRefusal.notInTransit, (handle) =>
          handle.executeUpdate(receiveTransferUpdate, {
            args: [{ lines: request.body.lines, by: request.caller?.keyId }],
            updateId: updateIdFor('transfer-receive', request),
          }),
        );
        return (await loadTransfer(db, found.id))!;
      }),
  );

  /** Sends an update to the transfer's workflow (started first if a crash left it unstarted). */
  async function updateTransfer(
    id: string,
    whenClosed: string,
    send: (handle: ReturnType<typeof temporal.workflow.getHandle>) => Promise<TransferView>,
  ): Promise<TransferView> {
    const row = await db('transfers').where({ id }).first('workflow_started_at');
    if (!row.workflow_started_at) await startWorkflow(id);
    const handle = temporal.workflow.getHandle(transferWorkflowId(id));
    return callWorkflow(
      () => within(deps, timeouts.updateMs, () => send(handle)),
      async () => {
        const { status } = await db('transfers').where({ id }).first('status');
        return new ApiError(409, whenClosed, `transfer ${id} is ${status} and its workflow has ended`);
      },
    );
  }

  /** Checked, then written with its hold at the source in one transaction (with the Idempotency-Key). */
  async function writeTransfer(request: FastifyRequest, body: TransferRequest, scope: ReturnType<typeof scopeOfRequest>): Promise<string> {
    await checkTransferRequest(db, body);
    const written = await db.transaction(async (trx) => {
      const id = await createTransfer(trx, {
        ...body,
        receiveWithinSeconds: Math.max(1, Math.round(config.transfers.deadlineHours * 3600)),
        requestedBy: request.caller?.keyId ?? null,
        idempotencyKey: scope?.key ?? null,
        requestHash: scope?.hash ?? null,
      });
      // The key with the transfer: a concurrent request with it waits here, then finds it taken and rolls back.
      if (scope && !(await storeAnswer(trx, scope, { statusCode: 201, body: null, resourceId: id }))) return undefined;
      return id;
    });
    if (written) return written;
    const earlier = scope ? await storedAnswer(db, scope) : undefined;
    if (!earlier?.resourceId) throw new Error(`Idempotency-Key "${scope?.key}" was taken, but its transfer could not be found`);
    return earlier.resourceId;
  }

  /**
   * The transfer of the route's :id, for a key holding its source, its destination, or either (to
   * read it). One the key may not act on does not exist for it (404, never 403).
   */
  async function mustFindTransfer(request: FastifyRequest, id: string, side: 'source' | 'destination' | 'either'): Promise<Transfer> {
    const found = await loadTransfer(db, id);
    const sees = (locationId: string) => !request.caller || request.caller.canSeeLocation(locationId);
    const visible =
      found &&
      (side === 'source'
        ? sees(found.fromLocationId)
        : side === 'destination'
          ? sees(found.toLocationId)
          : sees(found.fromLocationId) || sees(found.toLocationId));
    if (!visible) throw new ApiError(404, 'transfer_not_found', `transfer ${id} not found`);
    return found;
  }
};

/** A source location the key does not hold is not found, like one that does not exist. */
function mustSeeLocation(request: FastifyRequest, locationId: string): void {
  if (request.caller && !request.caller.canSeeLocation(locationId)) throw new ApiError(404, 'location_not_found', `location ${locationId} not found`);
}

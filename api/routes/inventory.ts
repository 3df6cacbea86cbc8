import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { startWakeBackorders } from '../../infra/workflow-starters';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../api-error';
import { seesLocation } from '../plugins/auth';
import { type RouteDeps, startAfterCommit, within } from '../deps';
import { REPLAYED_HEADER, scopeOfRequest } from '../idempotency';
import { inventoryLevels, listAvailability, listInventoryLevels, listLevelTotals } from '../inventory/levels';
import { listMovements, movementsCsv } from '../inventory/movements';
import { writeReceipt } from '../inventory/write-receipt';
import { iso } from '../iso-date-time';
import {
  AvailabilityPage,
  AvailabilityQuery,
  errorResponses,
  IdempotencyHeaders,
  LevelPage,
  LevelsQuery,
  LevelTotalsPage,
  LevelTotalsQuery,
  MovementPage,
  MovementsQuery,
  Receipt,
  ReceiptBody,
} from '../schemas';

/** A location named in a request that the key does not hold is not found, like one that does not exist. */
function mustSeeLocation(request: FastifyRequest, locationId: string | undefined): void {
  if (locationId !== undefined && !seesLocation(request, locationId)) {
    throw new ApiError(404, 'location_not_found', `location ${locationId} not found`);
  }
}

/** CSV when the client asks for it by name; JSON otherwise. */
const wantsCsv = (request: FastifyRequest): boolean => /\btext\/csv\b/i.test(request.headers.accept ?? '');

export const inventoryRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal, config, timeouts } = deps;

  app.get(
    '/v1/inventory/levels',
    {
      schema: {
        tags: ['inventory'],
        summary: "On hand, reserved and available stock per sku and location (a warehouse key's locations), by sku then location; paged",
        querystring: LevelsQuery,
        response: { 200: LevelPage, ...errorResponses },
      },
    },
    async (request) => {
      mustSeeLocation(request, request.query.locationId);
      return listInventoryLevels(db, { ...request.query, locationIds: request.caller?.locationIds });
    },
  );

  app.get(
    '/v1/inventory/levels/totals',
    {
      schema: {
        tags: ['inventory'],
        summary: "Levels per sku summed over the locations (a warehouse key's), and over every sku; paged by sku",
        querystring: LevelTotalsQuery,
        response: { 200: LevelTotalsPage, ...errorResponses },
      },
    },
    async (request) => listLevelTotals(db, { ...request.query, locationIds: request.caller?.locationIds }),
  );

  app.get(
    '/v1/inventory/availability',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Available quantity per sku, summed over every active location: what a storefront may sell; paged',
        querystring: AvailabilityQuery,
        response: { 200: AvailabilityPage, ...errorResponses },
      },
    },
    async (request) => listAvailability(db, request.query),
  );

  app.get(
    '/v1/inventory/movements',
    {
      schema: {
        tags: ['inventory'],
        summary: 'The stock ledger, newest first: every change of on_hand with its reference; paged, or all of it as CSV with Accept: text/csv',
        querystring: MovementsQuery,
        response: { 200: MovementPage, ...errorResponses },
        produces: ['application/json', 'text/csv'],
      },
    },
    async (request, reply) => {
      mustSeeLocation(request, request.query.locationId);
      const filter = { ...request.query, locationIds: request.caller?.locationIds };
      if (wantsCsv(request)) {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="inventory-movements.csv"')
          // A stream is sent as it is, past the JSON serializer the response schema types send() for.
          .send(movementsCsv(db, filter) as never);
      }
      return listMovements(db, filter);
    },
  );

  app.post(
    '/v1/inventory/receipts',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Receive goods into stock; orders waiting for them are woken, oldest first',
        headers: IdempotencyHeaders,
        body: ReceiptBody,
        response: { 201: Receipt, ...errorResponses },
      },
    },
    async (request, reply) => {
      mustSeeLocation(request, request.body.locationId);
      const maxWithoutOps = config.api.receiptMaxLineQuantityWithoutOps;
      const large = request.body.lines.filter((line) => line.quantity > maxWithoutOps);
      if (large.length > 0 && request.caller?.role !== 'ops') {
        throw new ApiError(403, 'quantity_needs_ops', `a receipt line above ${maxWithoutOps} units needs the ops role`, {
          skus: large.map((line) => line.sku),
          maxWithoutOps,
        });
      }
      const scope = scopeOfRequest(request, config.api.idempotencyRetentionHours);
      const { receiptId, replayed } = await writeReceipt(db, request.body, scope);
      await startAfterCommit(request.log, () =>
        within(deps, timeouts.startMs, () => startWakeBackorders(temporal, config.temporal.taskQueue, db, receiptId)),
      );
      const receipt = await db('receipts').where({ id: receiptId }).first();
      const lines: ReceiptBody['lines'] = receipt.lines;
      if (replayed) reply.header(REPLAYED_HEADER, 'true');
      return reply.status(201).send({
        id: receipt.id,
        locationId: receipt.location_id,
        reference: receipt.reference,
        owner: receipt.owner_id,
        lines,
        levels: await inventoryLevels(db, { skus: lines.map((line) => line.sku), locationId: receipt.location_id }),
        createdAt: iso(receipt.created_at),
      });
    },
  );
};

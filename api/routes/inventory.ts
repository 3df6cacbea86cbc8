import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { startWakeBackorders } from '../../infra/workflow-starters';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../api-error';
import { seesLocation } from '../plugins/auth';
import { decodeCursor, encodeCursor, isPositiveInteger } from '../cursor';
import { type RouteDeps, startAfterCommit, within } from '../deps';
import { REPLAYED_HEADER, scopeOfRequest } from '../idempotency';
import { inventoryLevels, listAvailability, listInventoryLevels } from '../inventory/levels';
import { writeReceipt } from '../inventory/write-receipt';
import { iso } from '../iso-date-time';
import {
  AvailabilityPage,
  AvailabilityQuery,
  errorResponses,
  IdempotencyHeaders,
  LevelPage,
  LevelsQuery,
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
        summary: 'The stock ledger, newest first: every change of on_hand with its reference',
        querystring: MovementsQuery,
        response: { 200: MovementPage, ...errorResponses },
      },
    },
    async (request) => {
      const { sku, locationId, cursor } = request.query;
      const limit = request.query.limit ?? 50;
      mustSeeLocation(request, locationId);
      const query = db('inventory_movements').orderBy('id', 'desc').limit(limit + 1);
      if (sku) query.where({ sku });
      if (locationId) query.where({ location_id: locationId });
      if (request.caller?.locationIds) query.whereIn('location_id', request.caller.locationIds);
      if (cursor) query.where('id', '<', decodeCursor<[number]>(cursor, [isPositiveInteger])[0]);
      const rows = await query;
      const page = rows.slice(0, limit).map((row) => ({
        id: row.id,
        sku: row.sku,
        locationId: row.location_id,
        quantity: row.quantity,
        kind: row.kind,
        reasonCode: row.reason_code,
        referenceType: row.reference_type,
        referenceId: row.reference_id,
        createdAt: iso(row.created_at),
      }));
      return { data: page, nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].id]) : null };
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
        lines,
        levels: await inventoryLevels(db, { skus: lines.map((line) => line.sku), locationId: receipt.location_id }),
        createdAt: iso(receipt.created_at),
      });
    },
  );
};

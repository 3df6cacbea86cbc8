import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { isUniqueViolation } from '../../db/errors';
import { ApiError } from '../api-error';
import { decodeCursor, encodeCursor, isKeyText } from '../cursor';
import type { RouteDeps } from '../deps';
import { binsInWalkingOrder, locationFromRow, moveBin } from '../inventory/bins';
import { writeOncePerKey } from '../inventory/once-per-key';
import { seesLocation } from '../plugins/auth';
import {
  Bin,
  BinAssignment,
  BinAssignmentBody,
  BinAssignmentParams,
  BinList,
  BinMove,
  BinMoveBody,
  BinParams,
  CreateBinBody,
  CreateLocationBody,
  errorResponses,
  IdempotencyHeaders,
  Location,
  LocationPage,
  LocationParams,
  LocationsQuery,
  PatchBinBody,
  PatchLocationBody,
} from '../schemas';

const isInteger = (part: unknown): part is number => typeof part === 'number' && Number.isSafeInteger(part);

/**
 * Warehouses, stores and quarantine locations with their bins. Ops set them up; warehouse keys read
 * (and slot SKUs and move them between bins at) only the locations they hold.
 */
export const locationRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, config }) => {
  const retentionHours = config.api.idempotencyRetentionHours;

  app.get(
    '/v1/locations',
    {
      schema: {
        tags: ['locations'],
        summary: 'Warehouses and stores in allocation priority order, with their bins in walking order; paged',
        querystring: LocationsQuery,
        response: { 200: LocationPage, ...errorResponses },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const query = db('locations').orderBy(['priority', 'id']).limit(limit + 1);
      // A warehouse key lists only the locations it works at.
      if (request.caller?.locationIds) query.whereIn('id', request.caller.locationIds);
      if (request.query.cursor) {
        const [priority, id] = decodeCursor<[number, string]>(request.query.cursor, [isInteger, isKeyText]);
        query.whereRaw('(priority, id) > (?, ?)', [priority, id]);
      }
      const rows = await query;
      const locations = rows.slice(0, limit);
      const bins = await binsInWalkingOrder(db, locations.map((location) => location.id));
      const last = locations[locations.length - 1];
      return {
        data: locations.map((location) => locationFromRow(location, bins)),
        nextCursor: rows.length > limit ? encodeCursor([last.priority, last.id]) : null,
      };
    },
  );

  app.post(
    '/v1/locations',
    {
      schema: {
        tags: ['locations'],
        summary: 'Add a warehouse, a store, or the quarantine location of a warehouse',
        headers: IdempotencyHeaders,
        body: CreateLocationBody,
        response: { 201: Location, ...errorResponses },
      },
    },
    async (request, reply) =>
      writeOncePerKey(db, request, reply, retentionHours, 201, async (trx) => {
        const { body } = request;
        const kind = body.kind ?? 'warehouse';
        await assertParent(trx, kind, body.parentLocationId);
        try {
          await trx('locations').insert({
            id: body.id,
            name: body.name,
            kind,
            parent_location_id: body.parentLocationId ?? null,
            fulfillment_mode: body.fulfillmentMode,
            priority: body.priority ?? 100,
            address: JSON.stringify(body.address),
          });
        } catch (error) {
          if (isUniqueViolation(error, 'locations_pkey')) throw new ApiError(409, 'location_exists', `location ${body.id} already exists`);
          if (isUniqueViolation(error, 'locations_one_quarantine')) {
            throw new ApiError(409, 'quarantine_exists', `warehouse ${body.parentLocationId} already has a quarantine location`);
          }
          throw error;
        }
        return findLocation(trx, body.id);
      }),
  );

  app.patch(
    '/v1/locations/:locationId',
    {
      schema: {
        tags: ['locations'],
        summary: "Change a location's name, fulfillment mode, allocation priority or ship-from address",
        headers: IdempotencyHeaders,
        params: LocationParams,
        body: PatchLocationBody,
        response: { 200: Location, ...errorResponses },
      },
    },
    async (request, reply) =>
      writeOncePerKey(db, request, reply, retentionHours, 200, async (trx) => {
        const { locationId } = request.params;
        const { body } = request;
        await mustFindLocation(trx, request, locationId);
        const columns = {
          name: body.name,
          fulfillment_mode: body.fulfillmentMode,
          priority: body.priority,
          address: body.address === undefined ? undefined : JSON.stringify(body.address),
        };
        await trx('locations')
          .where({ id: locationId })
          .update({ ...Object.fromEntries(Object.entries(columns).filter(([, value]) => value !== undefined)), updated_at: trx.fn.now() });
        return findLocation(trx, locationId);
      }),
  );

  app.post(
    '/v1/locations/:locationId/deactivate',
    {
      schema: {
        tags: ['locations'],
        summary: 'Stop allocating from a location; refused while it holds reserved stock',
        headers: IdempotencyHeaders,
        params: LocationParams,
        response: { 200: Location, ...errorResponses },
      },
    },
    async (request, reply) =>
      writeOncePerKey(db, request, reply, retentionHours, 200, async (trx) => {
        const { locationId } = request.params;
        await mustFindLocation(trx, request, locationId);
        // Locking the level rows makes a reservation in flight finish first (and be seen here) or
        // wait and then fail on the inactive location (migration 010's trigger).
        const levels = await trx('inventory_levels').where({ location_id: locationId }).orderBy('sku').forUpdate().select('sku', 'reserved');
        const reserved = levels.filter((level) => level.reserved > 0);
        if (reserved.length > 0) {
          throw new ApiError(409, 'location_has_reservations', `location ${locationId} holds reserved stock; ship or release it first`, {
            skus: reserved.map((level) => level.sku),
          });
        }
        await trx('locations').where({ id: locationId }).update({ active: false, updated_at: trx.fn.now() });
        return findLocation(trx, locationId);
      }),
  );

  app.get(
    '/v1/locations/:locationId/bins',
    {
      schema: {
        tags: ['locations'],
        summary: "A location's bins in walking order",
        params: LocationParams,
        response: { 200: BinList, ...errorResponses },
      },
    },
    async (request) => {
      await mustFindLocation(db, request, request.params.locationId);
      const bins = await binsInWalkingOrder(db, [request.params.locationId]);
      return { data: bins.map((bin) => ({ locationId: bin.location_id, code: bin.code, sequence: bin.sequence })) };
    },
  );

  app.post(
    '/v1/locations/:locationId/bins',
    {
      schema: {
        tags: ['locations'],
        summary: 'Add a bin with its place in the walking order',
        headers: IdempotencyHeaders,
        params: LocationParams,
        body: CreateBinBody,
        response: { 201: Bin, ...errorResponses },
      },
    },
    async (request, reply) =>
      writeOncePerKey(db, request, reply, retentionHours, 201, async (trx) => {
        const { locationId } = request.params;
        const { code, sequence } = request.body;
        await mustFindLocation(trx, request, locationId);
        try {
          await trx('bins').insert({ location_id: locationId, code, sequence });
        } catch (error) {
          if (isUniqueViolation(error, 'bins_pkey')) throw new ApiError(409, 'bin_exists', `bin ${code} already exists at ${locationId}`);
          throw error;
        }
        return { locationId, code, sequence };
      }),
  );

  app.patch(
    '/v1/locations/:locationId/bins/:code',
    {
      schema: {
        tags: ['locations'],
        summary: "Change a bin's place in the walking order",
        headers: IdempotencyHeaders,
        params: BinParams,
        body: PatchBinBody,
        response: { 200: Bin, ...errorResponses },
      },
    },
    async (request, reply) =>
      writeOncePerKey(db, request, reply, retentionHours, 200, async (trx) => {
        const { locationId, code } = request.params;
        await mustFindLocation(trx, request, locationId);
        const updated = await trx('bins').where({ location_id: locationId, code }).update({ sequence: request.body.sequence });
        if (updated === 0) throw unknownBin(locationId, code, 404);
        return { locationId, code, sequence: request.body.sequence };
      }),
  );

  app.put(
    '/v1/locations/:locationId/bin-assignments/:sku',
    {
      schema: {
        tags: ['locations'],
        summary: "Set the bin a SKU is picked from at this location (moving its units is POST …/bin-moves)",
        headers: IdempotencyHeaders,
        params: BinAssignmentParams,
        body: BinAssignmentBody,
        response: { 200: BinAssignment, ...errorResponses },
      },
    },
    async (request, reply) =>
      writeOncePerKey(db, request, reply, retentionHours, 200, async (trx) => {
        const { locationId, sku } = request.params;
        const { bin } = request.body;
        await mustFindLocation(trx, request, locationId);
        await assertSkuAndBin(trx, sku, locationId, bin);
        await trx('bin_assignments')
          .insert({ sku, location_id: locationId, bin_code: bin })
          .onConflict(['sku', 'location_id'])
          .merge(['bin_code']);
        return { sku, locationId, bin };
      }),
  );

  app.post(
    '/v1/locations/:locationId/bin-moves',
    {
      schema: {
        tags: ['locations'],
        summary: "Move a SKU's units to another bin of this location: a bin ledger row, no change of on hand",
        headers: IdempotencyHeaders,
        params: LocationParams,
        body: BinMoveBody,
        response: { 201: BinMove, ...errorResponses },
      },
    },
    async (request, reply) =>
      writeOncePerKey(db, request, reply, retentionHours, 201, async (trx) => {
        const { locationId } = request.params;
        const { sku, toBin } = request.body;
        await mustFindLocation(trx, request, locationId);
        await assertSkuAndBin(trx, sku, locationId, toBin);
        return moveBin(trx, { sku, locationId, toBin });
      }),
  );
};

/** A quarantine belongs to a warehouse (an active, non-quarantine location); nothing else has a parent. */
async function assertParent(trx: Knex.Transaction, kind: string, parentLocationId: string | undefined): Promise<void> {
  if (kind !== 'quarantine') {
    if (parentLocationId !== undefined) {
      throw new ApiError(422, 'parent_not_allowed', 'only a quarantine location belongs to a parent warehouse');
    }
    return;
  }
  if (parentLocationId === undefined) {
    throw new ApiError(422, 'parent_required', 'a quarantine location needs parentLocationId: the warehouse it belongs to');
  }
  const parent = await trx('locations').where({ id: parentLocationId }).first('kind');
  if (!parent || parent.kind === 'quarantine') {
    throw new ApiError(422, 'invalid_parent', `parent ${parentLocationId} is not a warehouse or store`);
  }
}

async function assertSkuAndBin(trx: Knex.Transaction, sku: string, locationId: string, bin: string): Promise<void> {
  if (!(await trx('products').where({ sku }).first('sku'))) throw new ApiError(422, 'unknown_sku', `unknown sku ${sku}`, { sku });
  if (!(await trx('bins').where({ location_id: locationId, code: bin }).first('code'))) throw unknownBin(locationId, bin, 422);
}

function unknownBin(locationId: string, code: string, statusCode: number): ApiError {
  return new ApiError(statusCode, 'unknown_bin', `no bin ${code} at location ${locationId}`, { bin: code });
}

/** A location the key does not hold is not found, like one that does not exist. */
async function mustFindLocation(db: Knex, request: FastifyRequest, locationId: string) {
  const row = await db('locations').where({ id: locationId }).first();
  if (!row || !seesLocation(request, locationId)) throw new ApiError(404, 'location_not_found', `location ${locationId} not found`);
  return row;
}

async function findLocation(db: Knex, locationId: string): Promise<Location> {
  const row = await db('locations').where({ id: locationId }).first();
  return locationFromRow(row, await binsInWalkingOrder(db, [locationId]));
}

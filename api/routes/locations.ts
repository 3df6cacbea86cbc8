import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { decodeCursor, encodeCursor, isKeyText } from '../cursor';
import type { RouteDeps } from '../deps';
import { errorResponses, LocationPage, LocationsQuery } from '../schemas';

const isInteger = (part: unknown): part is number => typeof part === 'number' && Number.isSafeInteger(part);

export const locationRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.get(
    '/v1/locations',
    {
      schema: {
        tags: ['locations'],
        summary: 'Warehouses and stores in allocation priority order, with their bins; paged',
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
      const bins = await db('bins')
        .whereIn(
          'location_id',
          locations.map((location) => location.id),
        )
        .orderBy(['location_id', 'code']);
      const last = locations[locations.length - 1];
      return {
        data: locations.map((location) => ({
          id: location.id,
          name: location.name,
          kind: location.kind,
          fulfillmentMode: location.fulfillment_mode,
          priority: location.priority,
          address: location.address,
          active: location.active,
          bins: bins.filter((bin) => bin.location_id === location.id).map((bin) => bin.code),
        })),
        nextCursor: rows.length > limit ? encodeCursor([last.priority, last.id]) : null,
      };
    },
  );
};

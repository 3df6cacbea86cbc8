import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { RouteDeps } from '../deps';
import { errorResponses, Location } from '../schemas';

export const locationRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.get(
    '/v1/locations',
    {
      schema: {
        tags: ['locations'],
        summary: 'Warehouses and stores in allocation priority order, with their bins',
        response: { 200: Type.Array(Location), ...errorResponses },
      },
    },
    async () => {
      const [locations, bins] = await Promise.all([
        db('locations').orderBy(['priority', 'id']),
        db('bins').orderBy(['location_id', 'code']),
      ]);
      return locations.map((location) => ({
        id: location.id,
        name: location.name,
        kind: location.kind,
        fulfillmentMode: location.fulfillment_mode,
        priority: location.priority,
        address: location.address,
        active: location.active,
        bins: bins.filter((bin) => bin.location_id === location.id).map((bin) => bin.code),
      }));
    },
  );
};

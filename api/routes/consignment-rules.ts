import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError } from '../api-error';
import type { RouteDeps } from '../deps';
import { ConsignmentRule, ConsignmentRuleBody } from '../reports/schemas';
import { errorResponses, LocationParams } from '../schemas';

/** Whether a location sells consigned units before or after its own stock (FIFO within each). */
export const consignmentRuleRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.put(
    '/v1/locations/:locationId/consignment-rule',
    {
      schema: {
        tags: ['locations'],
        summary: 'Set whether consigned units at this location sell first (before our own stock) or last; ops only',
        params: LocationParams,
        body: ConsignmentRuleBody,
        response: { 200: ConsignmentRule, ...errorResponses },
      },
    },
    async (request) => {
      const { locationId } = request.params;
      const updated = await db('locations').where({ id: locationId }).update({ consignment_rule: request.body.rule, updated_at: db.fn.now() });
      if (updated === 0) throw new ApiError(404, 'location_not_found', `location ${locationId} not found`);
      return { locationId, rule: request.body.rule };
    },
  );
};

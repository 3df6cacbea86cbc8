import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { planReplenishment } from '../../db/replenishment';
import { REPLENISHMENT_METHODS } from '../../domain/replenishment';
import { ApiError } from '../api-error';
import type { RouteDeps } from '../deps';
import { errorResponses, LocationParams, MAX_INT, Nullable, OneOf, Text } from '../schemas';

const Units = Type.Integer({ minimum: 0, maximum: MAX_INT });
const Days = Type.Integer({ minimum: 0, maximum: 3650 });

const SettingsBody = Type.Object(
  {
    method: OneOf(REPLENISHMENT_METHODS),
    serviceLevel: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'service_level: e.g. 0.95; REPLENISHMENT_SERVICE_LEVEL_PERCENT when absent' })),
    reviewDays: Type.Optional(Days),
    leadTimeDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, description: "Overrides the preferred supplier's lead time" })),
    parLevel: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_INT })),
    minLevel: Type.Optional(Units),
    maxLevel: Type.Optional(Units),
  },
  { additionalProperties: false },
);

const Settings = Type.Object({
  sku: Type.String(),
  locationId: Type.String(),
  method: OneOf(REPLENISHMENT_METHODS),
  serviceLevel: Nullable(Type.Number()),
  reviewDays: Nullable(Type.Integer()),
  leadTimeDays: Nullable(Type.Integer()),
  parLevel: Nullable(Type.Integer()),
  minLevel: Nullable(Type.Integer()),
  maxLevel: Nullable(Type.Integer()),
});

const PolicyBody = Type.Object(
  {
    mode: OneOf(['suggest', 'auto'] as const),
    autoLimitCents: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_INT, description: 'auto: drafts worth at most this are submitted by themselves' })),
  },
  { additionalProperties: false },
);
const Policy = Type.Object({ locationId: Type.String(), mode: OneOf(['suggest', 'auto'] as const), autoLimitCents: Type.Integer() });

const SuggestionsQuery = Type.Object(
  {
    locationId: Type.Optional(Text(32)),
    sku: Type.Optional(Text(64)),
    all: Type.Optional(Type.Boolean({ description: 'Also SKUs with nothing to order, with their why' })),
  },
  { additionalProperties: false },
);

const Why = Type.Record(Type.String(), Type.Unknown(), { description: 'Every input and intermediate number of the suggestion' });
const Suggestion = Type.Object({
  sku: Type.String(),
  locationId: Type.String(),
  supplierId: Type.String(),
  quantity: Type.Integer(),
  unitCostCents: Type.Integer(),
  why: Why,
});
const Suggestions = Type.Object({
  data: Type.Array(Suggestion),
  drafts: Type.Array(
    Type.Object({
      supplierId: Type.String(),
      locationId: Type.String(),
      skus: Type.Array(Type.String()),
      totalCents: Type.Integer(),
      submit: OneOf(['auto', 'approval'] as const),
      why: Why,
    }),
  ),
});

/** Replenishment settings per SKU and location, the location's policy, and what the next run would order (ops). */
export const replenishmentRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, config }) => {
  app.get(
    '/v1/replenishment/suggestions',
    {
      schema: {
        tags: ['replenishment'],
        summary: 'What a replenishment run would order now, one draft per supplier and location, with the why of every number; ops only',
        querystring: SuggestionsQuery,
        response: { 200: Suggestions, ...errorResponses },
      },
    },
    async (request) => {
      const { locationId, sku, all } = request.query;
      const { plans, drafts } = await planReplenishment(db, config.replenishment, { locationId, skus: sku ? [sku] : undefined });
      return {
        data: plans.filter((plan) => all || plan.quantity > 0).map(({ sku, locationId, supplierId, quantity, unitCostCents, why }) => ({ sku, locationId, supplierId, quantity, unitCostCents, why: { ...why } })),
        drafts: drafts.map((draft) => ({
          supplierId: draft.supplierId,
          locationId: draft.locationId,
          skus: draft.lines.map((line) => line.sku),
          totalCents: draft.totalCents,
          submit: draft.submit,
          why: { ...draft.why },
        })),
      };
    },
  );

  app.put(
    '/v1/replenishment/settings/:locationId/:sku',
    {
      schema: {
        tags: ['replenishment'],
        summary: 'Set how a SKU is replenished at a location: service level (reorder point from demand), par level, or min–max; ops only',
        params: Type.Object({ locationId: Text(32), sku: Text(64) }),
        body: SettingsBody,
        response: { 200: Settings, ...errorResponses },
      },
    },
    async (request) => {
      const { locationId, sku } = request.params;
      const body = request.body;
      if (body.method === 'par' && body.parLevel === undefined) throw new ApiError(422, 'par_level_required', 'method par needs parLevel');
      if (body.method === 'min_max' && (body.minLevel === undefined || body.maxLevel === undefined || body.maxLevel <= body.minLevel)) {
        throw new ApiError(422, 'min_max_invalid', 'method min_max needs minLevel and a larger maxLevel');
      }
      if (!(await db('products').where({ sku }).first('sku'))) throw new ApiError(404, 'product_not_found', `product ${sku} not found`);
      if (!(await db('locations').where({ id: locationId }).first('id'))) throw new ApiError(404, 'location_not_found', `location ${locationId} not found`);
      const row = {
        sku,
        location_id: locationId,
        method: body.method,
        service_level: body.serviceLevel ?? null,
        review_days: body.reviewDays ?? null,
        lead_time_days: body.leadTimeDays ?? null,
        par_level: body.parLevel ?? null,
        min_level: body.minLevel ?? null,
        max_level: body.maxLevel ?? null,
      };
      await db('replenishment_settings').insert(row).onConflict(['sku', 'location_id']).merge({ ...row, updated_at: db.fn.now() });
      return {
        sku,
        locationId,
        method: body.method,
        serviceLevel: row.service_level,
        reviewDays: row.review_days,
        leadTimeDays: row.lead_time_days,
        parLevel: row.par_level,
        minLevel: row.min_level,
        maxLevel: row.max_level,
      };
    },
  );

  app.put(
    '/v1/replenishment/policies/:locationId',
    {
      schema: {
        tags: ['replenishment'],
        summary: "Set a location's replenishment policy: suggest (drafts wait for approval) or auto (submitted by themselves up to a value limit); ops only",
        params: LocationParams,
        body: PolicyBody,
        response: { 200: Policy, ...errorResponses },
      },
    },
    async (request) => {
      const { locationId } = request.params;
      const { mode, autoLimitCents = 0 } = request.body;
      if (!(await db('locations').where({ id: locationId }).first('id'))) throw new ApiError(404, 'location_not_found', `location ${locationId} not found`);
      const row = { location_id: locationId, mode, auto_limit_cents: autoLimitCents };
      await db('replenishment_policies').insert(row).onConflict('location_id').merge({ ...row, updated_at: db.fn.now() });
      return { locationId, mode, autoLimitCents };
    },
  );
};

import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Knex } from 'knex';
import { DEFAULT_FORECAST_SETTINGS, demandHistories, storeForecasts } from '../../activities/forecasts';
import { addDays, isIsoDate, MAX_HORIZON_DAYS } from '../../domain/forecast';
import { ApiError } from '../api-error';
import type { RouteDeps } from '../deps';
import { idempotently } from '../idempotency';
import { iso } from '../iso-date-time';
import { errorResponses, FilledText, IdempotencyHeaders, Nullable, SkuParams, Text } from '../schemas';

const DEFAULT_HORIZON_DAYS = 90;

const ForecastQuery = Type.Object(
  {
    location: Text(32, { description: 'The location forecast' }),
    // Unbounded here so that a horizon past the limit is answered with its own code, not a schema error.
    horizon: Type.Optional(Type.Integer({ description: `Days forecast, 1 to ${MAX_HORIZON_DAYS}; ${DEFAULT_HORIZON_DAYS} when absent` })),
  },
  { additionalProperties: false },
);

const Forecast = Type.Object({
  sku: Type.String(),
  locationId: Type.String(),
  computedFor: Type.String({ description: 'The first forecast day; the history ends the day before' }),
  method: Type.String(),
  pattern: Type.String(),
  accuracy: Type.Object({ wape: Nullable(Type.Number()), bias: Nullable(Type.Number()), holdoutDays: Type.Integer() }),
  history: Type.Array(Type.Object({ date: Type.String(), units: Type.Number() })),
  daily: Type.Array(Type.Object({ date: Type.String(), mean: Type.Number(), low: Type.Number(), high: Type.Number() })),
  reorderPoint: Nullable(Type.Integer({ description: 'Null without a lead time to plan for (no preferred supplier)' })),
  reorderPointWhy: Nullable(Type.Record(Type.String(), Type.Unknown())),
  computedAt: Type.String({ format: 'date-time' }),
});

const PlannedEventBody = Type.Object(
  {
    name: FilledText(200),
    sku: Type.Optional(Text(64, { description: 'Every SKU when absent' })),
    locationId: Type.Optional(Text(32, { description: 'Every location when absent' })),
    startDate: Type.String({ description: 'First day covered, YYYY-MM-DD' }),
    endDate: Type.String({ description: 'Last day covered, YYYY-MM-DD' }),
    liftPercent: Type.Number({ maximum: 100_000, description: 'Expected lift of demand, 0 or more: 50 means 1.5 times the usual' }),
  },
  { additionalProperties: false },
);

const PlannedEvent = Type.Object({
  id: Type.String(),
  name: Type.String(),
  sku: Nullable(Type.String()),
  locationId: Nullable(Type.String()),
  startDate: Type.String(),
  endDate: Type.String(),
  liftPercent: Type.Number(),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

const PlannedEventQuery = Type.Object(
  {
    sku: Type.Optional(Text(64)),
    location: Type.Optional(Text(32)),
    past: Type.Optional(Type.Boolean({ description: 'Also events that have ended' })),
  },
  { additionalProperties: false },
);

const today = (): string => new Date().toISOString().slice(0, 10);

/**
 * Demand forecasts per SKU and location, read from the table the nightly forecasting Schedule fills
 * (a pair it has not reached yet is forecast on the spot and stored), and the planned events that
 * lift them (ops).
 */
export const forecastRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, config }) => {
  const retentionHours = config.api.idempotencyRetentionHours;

  app.get(
    '/v1/forecasts/:sku',
    {
      schema: {
        tags: ['forecasts'],
        summary: "A SKU's daily demand forecast at a location, with its history, interval, backtest accuracy and reorder point; ops only",
        params: SkuParams,
        querystring: ForecastQuery,
        response: { 200: Forecast, ...errorResponses },
      },
    },
    async (request) => {
      const { sku } = request.params;
      const { location: locationId, horizon = DEFAULT_HORIZON_DAYS } = request.query;
      if (horizon < 1 || horizon > MAX_HORIZON_DAYS) {
        throw new ApiError(422, 'horizon_out_of_range', `horizon must be from 1 to ${MAX_HORIZON_DAYS} days, got ${horizon}`, { maxHorizonDays: MAX_HORIZON_DAYS });
      }
      const product = await db('products').where({ sku }).first('kind');
      if (!product) throw new ApiError(404, 'product_not_found', `product ${sku} not found`);
      if (product.kind !== 'standard') throw new ApiError(422, 'sku_not_stocked', `${sku} is a ${product.kind} product: it holds no stock of its own to forecast`);
      await assertLocation(db, locationId);
      let row = await storedForecast(db, sku, locationId);
      if (!row) {
        await storeForecasts(db, [{ sku, locationId }], today(), DEFAULT_FORECAST_SETTINGS, config.replenishment.serviceLevel);
        row = (await storedForecast(db, sku, locationId))!;
      }
      const histories = await demandHistories(db, [{ sku, locationId }], row.computed_for, row.parameters.historyDays);
      const history = [...histories.values()][0];
      return {
        sku,
        locationId,
        computedFor: row.computed_for,
        method: row.method,
        pattern: row.pattern,
        accuracy: row.accuracy,
        history: history.units.map((units, index) => ({ date: addDays(history.start, index), units })),
        daily: row.daily.slice(0, horizon),
        reorderPoint: row.reorder_point?.reorderPoint ?? null,
        reorderPointWhy: row.reorder_point?.why ?? null,
        computedAt: iso(row.computed_at),
      };
    },
  );

  app.post(
    '/v1/planned-events',
    {
      schema: {
        tags: ['forecasts'],
        summary: 'Record a promotion or season expected to lift demand over a date range, for one SKU or all, at one location or all; ops only',
        headers: IdempotencyHeaders,
        body: PlannedEventBody,
        response: { 201: PlannedEvent, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const body = request.body;
        for (const [field, value] of [['startDate', body.startDate], ['endDate', body.endDate]] as const) {
          if (!isIsoDate(value)) throw new ApiError(400, 'invalid_date', `${field} ${value} is not a calendar date (YYYY-MM-DD)`);
        }
        if (body.endDate < body.startDate) throw new ApiError(422, 'invalid_date_range', `endDate ${body.endDate} is before startDate ${body.startDate}`);
        if (body.liftPercent < 0) throw new ApiError(422, 'negative_lift', `liftPercent must be 0 or more, got ${body.liftPercent}`);
        if (body.sku && !(await db('products').where({ sku: body.sku }).first('sku'))) throw new ApiError(422, 'unknown_sku', `sku ${body.sku} does not exist`);
        if (body.locationId) await assertLocation(db, body.locationId);
        const row = await db.transaction(async (trx) => {
          const [{ id }] = await trx('planned_events')
            .insert({
              id: `pev_${randomBytes(12).toString('hex')}`,
              name: body.name,
              sku: body.sku ?? null,
              location_id: body.locationId ?? null,
              start_date: body.startDate,
              end_date: body.endDate,
              lift_percent: body.liftPercent,
              created_by: request.caller!.keyId,
            })
            .returning('id');
          const created = await trx('planned_events').where({ id }).first(eventColumns(trx));
          await dropCoveredForecasts(trx, created);
          return created;
        });
        reply.status(201);
        return toPlannedEvent(row);
      }),
  );

  app.get(
    '/v1/planned-events',
    {
      schema: {
        tags: ['forecasts'],
        summary: 'Planned events by start date: those not yet ended, or all with past=true; those for every SKU or location included in a filter; ops only',
        querystring: PlannedEventQuery,
        response: { 200: Type.Object({ data: Type.Array(PlannedEvent) }), ...errorResponses },
      },
    },
    async (request) => {
      const { sku, location, past } = request.query;
      const query = db('planned_events').orderBy(['start_date', 'id']).limit(1000).select(eventColumns(db));
      if (!past) query.where('end_date', '>=', today());
      if (sku) query.where((where) => where.whereNull('sku').orWhere({ sku }));
      if (location) query.where((where) => where.whereNull('location_id').orWhere({ location_id: location }));
      return { data: (await query).map(toPlannedEvent) };
    },
  );

  app.delete(
    '/v1/planned-events/:id',
    {
      schema: {
        tags: ['forecasts'],
        summary: 'Remove a planned event; the forecasts it lifted are recomputed without it; ops only',
        params: Type.Object({ id: Text(40) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await db.transaction(async (trx) => {
        const deleted = await trx('planned_events').where({ id: request.params.id }).forUpdate().first('sku', 'location_id');
        if (!deleted) throw new ApiError(404, 'planned_event_not_found', `planned event ${request.params.id} not found`);
        await trx('planned_events').where({ id: request.params.id }).delete();
        await dropCoveredForecasts(trx, deleted);
      });
      return reply.status(204).send(null);
    },
  );
};

async function assertLocation(db: Knex, locationId: string): Promise<void> {
  if (!(await db('locations').where({ id: locationId }).first('id'))) throw new ApiError(422, 'unknown_location', `location ${locationId} does not exist`);
}

async function storedForecast(db: Knex, sku: string, locationId: string) {
  return db('demand_forecasts')
    .where({ sku, location_id: locationId })
    .first('method', 'pattern', 'parameters', 'daily', 'accuracy', 'reorder_point', 'computed_at', db.raw('computed_for::text AS computed_for'));
}

/**
 * A new or removed event changes the forecasts it covers: their stored rows go, so the next read
 * forecasts them again with the events as they are now, and the nightly run the others.
 */
async function dropCoveredForecasts(trx: Knex.Transaction, event: { sku: string | null; location_id: string | null }): Promise<void> {
  const covered = trx('demand_forecasts');
  if (event.sku) covered.where({ sku: event.sku });
  if (event.location_id) covered.where({ location_id: event.location_id });
  await covered.delete();
}

const eventColumns = (db: Knex) => [
  'id', 'name', 'sku', 'location_id', 'lift_percent', 'created_by', 'created_at',
  db.raw('start_date::text AS start_date'), db.raw('end_date::text AS end_date'),
];

function toPlannedEvent(row: Record<string, any>) {
  return {
    id: row.id,
    name: row.name,
    sku: row.sku,
    locationId: row.location_id,
    startDate: row.start_date,
    endDate: row.end_date,
    liftPercent: Number(row.lift_percent),
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
  };
}

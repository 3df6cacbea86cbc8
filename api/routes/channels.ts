import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { PUBLISHER_LOCK, policyOf } from '../../activities/availability';
import { ApiError } from '../api-error';
import { cursorAt, decodeCursor, encodeCursor, isKeyText } from '../cursor';
import type { RouteDeps } from '../deps';
import { CursorParam, DateTime, errorResponses, Limit, MAX_INT, Nullable, Text } from '../schemas';

const ChannelParams = Type.Object({ id: Text(64) });

const PolicyBody = Type.Object(
  {
    locationIds: Type.Optional(Type.Array(Text(32), { maxItems: 100, uniqueItems: true, description: 'Locations that feed the channel; empty or absent: every active warehouse' })),
    bufferUnits: Type.Optional(Type.Integer({ maximum: MAX_INT, description: 'Units held back per SKU' })),
    bufferPercent: Type.Optional(Type.Number({ description: '0..100: this share of the stock is held back, what is offered rounded down' })),
    capUnits: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: MAX_INT, description: 'Never offer more than this per SKU' }))),
    includeIncoming: Type.Optional(Type.Boolean({ description: 'Count units on open purchase orders' })),
    includeDropship: Type.Optional(Type.Boolean({ description: "Sell dropship products against their supplier's stock" })),
    requireFreshSupplierStock: Type.Optional(Type.Boolean({ description: "Sell a dropship product only while its supplier's stock report is fresh" })),
  },
  { additionalProperties: false },
);

const Policy = Type.Object({
  channel: Type.String(),
  locationIds: Type.Array(Type.String()),
  bufferUnits: Type.Integer(),
  bufferPercent: Type.Number(),
  capUnits: Nullable(Type.Integer()),
  includeIncoming: Type.Boolean(),
  includeDropship: Type.Boolean(),
  requireFreshSupplierStock: Type.Boolean(),
});

const AvailabilityQuery = Type.Object(
  {
    since: Type.Optional(DateTime('Only SKUs whose number changed after this: the asOf of the previous sync')),
    limit: Limit,
    cursor: CursorParam,
  },
  { additionalProperties: false },
);

const ChannelAvailabilityPage = Type.Object({
  data: Type.Array(Type.Object({ sku: Type.String(), available: Type.Integer(), changedAt: Type.String() })),
  nextCursor: Nullable(Type.String()),
  asOf: Type.String({ description: 'Every change up to this instant is in this answer: pass it as `since` to the next sync' }),
});

/** A client key sees only its own channels: another channel is not found, like one without a policy. */
function mustSeeChannel(request: FastifyRequest, channel: string): void {
  if (request.caller && !request.caller.canSeeChannel(channel)) throw channelNotFound(channel);
}

const channelNotFound = (channel: string) => new ApiError(404, 'channel_not_found', `channel ${channel} has no stock policy`);

/** Each channel's stock policy, and the available-to-sell published under it (docs: issue 13). */
export const channelRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.put(
    '/v1/channels/:id/stock-policy',
    {
      schema: {
        tags: ['channels'],
        summary: "Set which stock a channel sells and what it holds back; every SKU's number is published again on the next run; ops only",
        params: ChannelParams,
        body: PolicyBody,
        response: { 200: Policy, ...errorResponses },
      },
    },
    async (request) => {
      const channel = request.params.id;
      const body = request.body;
      const bufferUnits = body.bufferUnits ?? 0;
      const bufferPercent = body.bufferPercent ?? 0;
      if (bufferUnits < 0 || bufferPercent < 0 || bufferPercent > 100) {
        throw new ApiError(422, 'invalid_buffer', 'bufferUnits must be at least 0 and bufferPercent within 0..100', { bufferUnits, bufferPercent });
      }
      const locationIds = body.locationIds ?? [];
      const known: string[] = await db('locations').whereIn('id', locationIds).whereNot('kind', 'quarantine').pluck('id');
      const unknown = locationIds.filter((id) => !known.includes(id));
      if (unknown.length > 0) throw new ApiError(422, 'unknown_location', `no such sellable locations: ${unknown.join(', ')}`, { locationIds: unknown });

      const row = {
        channel,
        location_ids: locationIds,
        buffer_units: bufferUnits,
        buffer_percent: bufferPercent,
        cap_units: body.capUnits ?? null,
        include_incoming: body.includeIncoming ?? false,
        include_dropship: body.includeDropship ?? false,
        require_fresh_supplier_stock: body.requireFreshSupplierStock ?? false,
      };
      const saved = await db.transaction(async (trx) => {
        const [written] = await trx('channel_stock_policies')
          .insert(row)
          .onConflict('channel')
          .merge({ ...row, updated_at: trx.fn.now() })
          .returning('*');
        // Marked with the policy's commit, so no number stays published under the old policy unmarked.
        await trx.raw('INSERT INTO availability_dirty (sku) SELECT sku FROM products');
        return written;
      });
      return toPolicy(saved);
    },
  );

  app.get(
    '/v1/channels/:id/stock-policy',
    {
      schema: {
        tags: ['channels'],
        summary: "A channel's stock policy (a client key: its own channels only)",
        params: ChannelParams,
        response: { 200: Policy, ...errorResponses },
      },
    },
    async (request) => {
      const channel = request.params.id;
      mustSeeChannel(request, channel);
      const row = await db('channel_stock_policies').where({ channel }).first();
      if (!row) throw channelNotFound(channel);
      return toPolicy(row);
    },
  );

  app.get(
    '/v1/channels/:id/availability',
    {
      schema: {
        tags: ['channels'],
        summary:
          'Available-to-sell per SKU at a channel as last published (each change also sends inventory.available_changed), by sku; paged. ' +
          'Sync incrementally with since = the asOf of the previous sync',
        params: ChannelParams,
        querystring: AvailabilityQuery,
        response: { 200: ChannelAvailabilityPage, ...errorResponses },
      },
    },
    async (request) => {
      const channel = request.params.id;
      mustSeeChannel(request, channel);
      const { since, cursor, limit = 50 } = request.query;
      return db.transaction(async (trx) => {
        if (!(await trx('channel_stock_policies').where({ channel }).first('channel'))) throw channelNotFound(channel);
        // Waits for a publication under way: anything published later is stamped after asOf.
        await trx.raw('SELECT pg_advisory_xact_lock_shared(?)', [PUBLISHER_LOCK]);
        const { rows: [{ as_of: asOf }] } = await trx.raw(`SELECT ${cursorAt('clock_timestamp()', 'as_of')}`);
        const query = trx('channel_availability')
          .where({ channel })
          .orderBy('sku')
          .limit(limit + 1)
          .select('sku', 'available', trx.raw(cursorAt('changed_at', 'changed_at')));
        if (since) query.whereRaw('changed_at > ?::timestamptz', [since]);
        if (cursor) query.where('sku', '>', decodeCursor<[string]>(cursor, [isKeyText])[0]);
        const rows: { sku: string; available: number; changed_at: string }[] = await query;
        const data = rows.slice(0, limit).map((row) => ({ sku: row.sku, available: row.available, changedAt: row.changed_at }));
        return { data, nextCursor: rows.length > limit ? encodeCursor([data[data.length - 1].sku]) : null, asOf };
      });
    },
  );
};

// Rows come from knex untyped; this is where they take the API's shape.
function toPolicy(row: any) {
  const policy = policyOf(row);
  return { channel: row.channel as string, ...policy, locationIds: [...policy.locationIds] };
}

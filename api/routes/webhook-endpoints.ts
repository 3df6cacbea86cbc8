import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { Knex } from 'knex';
import { eventId } from '../../activities/outbound-webhooks';
import { WEBHOOK_DELIVERY_STATUSES } from '../../workflows/webhook-delivery-definitions';
import { ApiError } from '../api-error';
import { pageByCreation } from '../cursor';
import type { RouteDeps } from '../deps';
import { type IdempotencyScope, REPLAYED_HEADER, replay, scopeOfRequest, storeAnswer, storedAnswer } from '../idempotency';
import { iso, isoOrNull } from '../iso-date-time';
import { CursorParam, errorResponses, IdempotencyHeaders, Limit, Nullable, OneOf, Page, Text } from '../schemas';

/** `*`, a family's `<family>.*`, or one event type: `order.delivered`, `inventory.low_stock`. */
const EVENT_TYPE = /^(\*|(inventory|purchase_order|order|shipment)\.(\*|[a-z][a-z_]{0,47}))$/;
const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

const CreateEndpointBody = Type.Object(
  {
    url: Text(2000, { description: 'https://…; http://localhost and http://127.0.0.1 only outside production' }),
    events: Type.Array(Text(64), {
      minItems: 1,
      maxItems: 20,
      description: 'Event types (order.delivered, inventory.low_stock), families (order.*, shipment.*, purchase_order.*) or * for all',
    }),
    description: Type.Optional(Text(200)),
  },
  { additionalProperties: false },
);
type CreateEndpointBody = Static<typeof CreateEndpointBody>;

const Endpoint = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  active: Type.Boolean(),
  createdAt: Type.String(),
  deactivatedAt: Nullable(Type.String()),
  secretRotatedAt: Nullable(Type.String()),
  previousSecretExpiresAt: Nullable(Type.String({ description: 'Until then deliveries are signed with the previous secret too' })),
});
const CreatedEndpoint = Type.Object({
  ...Endpoint.properties,
  secret: Type.String({ description: 'Signs every delivery (X-Webhook-Signature); shown in this answer only' }),
});
const RotatedEndpoint = Type.Object({
  ...Endpoint.properties,
  secret: Type.String({ description: 'The new secret; shown in this answer only (and its replay under the same Idempotency-Key)' }),
});

const Delivery = Type.Object({
  id: Type.String(),
  status: OneOf(WEBHOOK_DELIVERY_STATUSES),
  event: Type.Object({ id: Type.String(), type: Type.String(), createdAt: Type.String(), data: Type.Unknown() }),
  attempts: Type.Array(
    Type.Object({
      attemptNo: Type.Integer(),
      startedAt: Type.String(),
      durationMs: Type.Integer(),
      statusCode: Nullable(Type.Integer({ description: "The receiver's HTTP status; null when none came (refused, timed out)" })),
      error: Nullable(Type.String()),
      succeeded: Type.Boolean(),
    }),
  ),
  nextAttemptAt: Nullable(Type.String({ description: 'When the next attempt follows, while PENDING after a failure' })),
  createdAt: Type.String(),
  finishedAt: Nullable(Type.String()),
});

const EndpointParams = Type.Object({ id: Text(40) });
const EndpointsQuery = Type.Object({ active: Type.Optional(Type.Boolean()), limit: Limit, cursor: CursorParam }, { additionalProperties: false });
const DeliveriesQuery = Type.Object(
  { status: Type.Optional(OneOf(WEBHOOK_DELIVERY_STATUSES)), limit: Limit, cursor: CursorParam },
  { additionalProperties: false },
);

/**
 * Ops register the endpoints events are posted to (signed with the endpoint's secret, retried with
 * backoff by a workflow per delivery), list and deactivate them, and read each delivery's attempts.
 */
export const webhookEndpointRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, config }) => {
  app.post(
    '/v1/webhook-endpoints',
    {
      schema: {
        tags: ['webhook endpoints'],
        summary: 'Register an endpoint for outbound events; its signing secret is shown once, in this answer',
        description:
          'Refusals (nothing written): invalid_url, endpoint_not_https (http is accepted only for localhost and 127.0.0.1 ' +
          'outside production), unknown_event_type.',
        headers: IdempotencyHeaders,
        body: CreateEndpointBody,
        response: { 201: CreatedEndpoint, ...errorResponses },
      },
    },
    async (request, reply) => {
      checkEndpoint(request.body, config.outboundWebhooks.allowLocalHttp);
      const scope = scopeOfRequest(request, config.api.idempotencyRetentionHours);
      const earlier = scope ? await storedAnswer(db, scope) : undefined;
      const id = earlier?.resourceId ?? (await writeEndpoint(db, request.body, request.caller?.keyId ?? null, scope));
      if (earlier) reply.header(REPLAYED_HEADER, 'true');
      const row = await db('webhook_endpoints').where({ id }).first();
      return reply.status(201).send({ ...view(row), secret: row.secret });
    },
  );

  app.get(
    '/v1/webhook-endpoints',
    {
      schema: {
        tags: ['webhook endpoints'],
        summary: 'Endpoints newest first (never their secrets); paged',
        querystring: EndpointsQuery,
        response: { 200: Page(Endpoint), ...errorResponses },
      },
    },
    async (request) => {
      const { active, limit, cursor } = request.query;
      const page = await pageByCreation(db, 'webhook_endpoints', { limit, cursor }, (query) => {
        if (active !== undefined) query.where({ active });
      });
      return { data: page.rows.map(view), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/webhook-endpoints/:id',
    {
      schema: { tags: ['webhook endpoints'], summary: 'One endpoint (never its secret)', params: EndpointParams, response: { 200: Endpoint, ...errorResponses } },
    },
    async (request) => view(await mustFind(db, request.params.id)),
  );

  app.post(
    '/v1/webhook-endpoints/:id/deactivate',
    {
      schema: {
        tags: ['webhook endpoints'],
        summary: 'Deactivate an endpoint: no new deliveries, and pending ones end FAILED at their next attempt. Twice is harmless',
        params: EndpointParams,
        response: { 200: Endpoint, ...errorResponses },
      },
    },
    async (request) => {
      const found = await mustFind(db, request.params.id);
      await db('webhook_endpoints')
        .where({ id: found.id, active: true })
        .update({ active: false, deactivated_at: db.fn.now(), updated_at: db.fn.now() });
      return view(await mustFind(db, found.id));
    },
  );

  app.post(
    '/v1/webhook-endpoints/:id/rotate-secret',
    {
      schema: {
        tags: ['webhook endpoints'],
        summary: 'Give an endpoint a new signing secret, shown once; deliveries carry both signatures until the previous secret expires',
        description:
          'For OUTBOUND_WEBHOOK_SECRET_GRACE_HOURS after the rotation, X-Webhook-Signature carries `v1=<new>,v1=<previous>`, so ' +
          'receivers can switch over without dropping a delivery; rotating again in that time drops the older one. ' +
          'Refusals: webhook_endpoint_not_found (404), webhook_endpoint_inactive (409).',
        headers: IdempotencyHeaders,
        params: EndpointParams,
        response: { 200: RotatedEndpoint, ...errorResponses },
      },
    },
    async (request, reply) => {
      const found = await mustFind(db, request.params.id);
      if (!found.active) throw new ApiError(409, 'webhook_endpoint_inactive', `webhook endpoint ${found.id} is deactivated: nothing is signed with its secret`);
      const scope = scopeOfRequest(request, config.api.idempotencyRetentionHours);
      const earlier = scope ? await storedAnswer(db, scope) : undefined;
      if (earlier) return replay(reply, earlier);
      const rotated = await rotateSecret(db, found.id, config.outboundWebhooks.secretGraceHours, scope);
      if (rotated) return rotated;
      const first = scope ? await storedAnswer(db, scope) : undefined;
      if (!first) throw new Error(`Idempotency-Key "${scope?.key}" was taken, but its answer could not be found`);
      return replay(reply, first);
    },
  );

  app.get(
    '/v1/webhook-endpoints/:id/deliveries',
    {
      schema: {
        tags: ['webhook endpoints'],
        summary: "An endpoint's deliveries newest first, each with its event and every attempt; paged",
        params: EndpointParams,
        querystring: DeliveriesQuery,
        response: { 200: Page(Delivery), ...errorResponses },
      },
    },
    async (request) => {
      const endpoint = await mustFind(db, request.params.id);
      const { status, limit, cursor } = request.query;
      const page = await pageByCreation(db, 'webhook_deliveries', { limit, cursor }, (query) => {
        query.where({ endpoint_id: endpoint.id });
        if (status) query.where({ status });
      });
      return { data: await deliveryViews(db, page.rows), nextCursor: page.nextCursor };
    },
  );
};

function checkEndpoint(body: CreateEndpointBody, allowLocalHttp: boolean): void {
  let url: URL;
  try {
    url = new URL(body.url);
  } catch {
    throw new ApiError(422, 'invalid_url', `${body.url} is not an absolute URL`);
  }
  // Credentials in a URL would be shown to everyone who lists endpoints.
  if (url.username || url.password) throw new ApiError(422, 'invalid_url', 'the URL must not carry a user name or password');
  const localHttp = url.protocol === 'http:' && LOCAL_HOSTS.includes(url.hostname);
  if (url.protocol !== 'https:' && !(allowLocalHttp && localHttp)) {
    throw new ApiError(
      422,
      'endpoint_not_https',
      allowLocalHttp ? 'endpoints must be https (http only for localhost and 127.0.0.1)' : 'endpoints must be https',
    );
  }
  const unknown = body.events.filter((type) => !EVENT_TYPE.test(type));
  if (unknown.length > 0) {
    throw new ApiError(422, 'unknown_event_type', `unknown event types: ${unknown.join(', ')} (inventory.*, purchase_order.*, order.*, shipment.*, or *)`, { events: unknown });
  }
}

/** Another request with the same Idempotency-Key committed first: this one's endpoint is rolled back. */
class KeyTaken extends Error {}

/** Written with its Idempotency-Key in one transaction; a concurrent request with the key answers with the first's endpoint. */
async function writeEndpoint(db: Knex, body: CreateEndpointBody, createdBy: string | null, scope: ReturnType<typeof scopeOfRequest>): Promise<string> {
  const id = `whe_${randomBytes(8).toString('hex')}`;
  try {
    await db.transaction(async (trx) => {
      await trx('webhook_endpoints').insert({
        id,
        url: body.url,
        event_types: [...new Set(body.events)],
        secret: newSecret(),
        description: body.description ?? null,
        created_by: createdBy,
      });
      if (scope && !(await storeAnswer(trx, scope, { statusCode: 201, body: null, resourceId: id }))) throw new KeyTaken();
    });
    return id;
  } catch (error) {
    if (!(error instanceof KeyTaken)) throw error;
  }
  const earlier = scope ? await storedAnswer(db, scope) : undefined;
  if (!earlier?.resourceId) throw new Error(`Idempotency-Key "${scope?.key}" was taken, but its endpoint could not be found`);
  return earlier.resourceId;
}

/**
 * The current secret becomes the previous one until `graceHours` from now, and a new one signs from
 * now on. The answer (with the new secret) is stored under the Idempotency-Key in the same
 * transaction, so a retry answers it again instead of rotating twice; undefined when a concurrent
 * request with the key rotated first (this one is rolled back).
 */
async function rotateSecret(db: Knex, id: string, graceHours: number, scope: IdempotencyScope | undefined) {
  try {
    return await db.transaction(async (trx) => {
      const [row] = await trx('webhook_endpoints')
        .where({ id })
        .update({
          previous_secret: trx.ref('secret'),
          previous_secret_expires_at: trx.raw('now() + make_interval(hours => ?)', [graceHours]),
          secret: newSecret(),
          secret_rotated_at: trx.fn.now(),
          updated_at: trx.fn.now(),
        })
        .returning('*');
      const answer = { ...view(row), secret: row.secret };
      if (scope && !(await storeAnswer(trx, scope, { statusCode: 200, body: answer, resourceId: id }))) throw new KeyTaken();
      return answer;
    });
  } catch (error) {
    if (!(error instanceof KeyTaken)) throw error;
    return undefined;
  }
}

const newSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

async function mustFind(db: Knex, id: string) {
  const row = await db('webhook_endpoints').where({ id }).first();
  if (!row) throw new ApiError(404, 'webhook_endpoint_not_found', `webhook endpoint ${id} not found`);
  return row;
}

function view(row: any) {
  return {
    id: row.id,
    url: row.url,
    events: row.event_types,
    description: row.description,
    active: row.active,
    createdAt: iso(row.created_at),
    deactivatedAt: isoOrNull(row.deactivated_at),
    secretRotatedAt: isoOrNull(row.secret_rotated_at),
    previousSecretExpiresAt: isoOrNull(row.previous_secret_expires_at),
  };
}

async function deliveryViews(db: Knex, rows: any[]) {
  const ids = rows.map((row) => row.id);
  const events = await db('outbound_events').whereIn('id', rows.map((row) => row.event_id)).select('id', 'type', 'data', 'created_at');
  const attempts = await db('webhook_delivery_attempts').whereIn('delivery_id', ids).orderBy(['delivery_id', 'attempt_no']);
  return rows.map((row) => {
    const event = events.find((candidate) => candidate.id === row.event_id)!;
    return {
      id: row.id,
      status: row.status,
      event: { id: eventId(event.id), type: event.type, createdAt: iso(event.created_at), data: event.data },
      attempts: attempts
        .filter((attempt) => attempt.delivery_id === row.id)
        .map((attempt) => ({
          attemptNo: attempt.attempt_no,
          startedAt: iso(attempt.started_at),
          durationMs: attempt.duration_ms,
          statusCode: attempt.status_code,
          error: attempt.error,
          succeeded: attempt.succeeded,
        })),
      nextAttemptAt: isoOrNull(row.next_attempt_at),
      createdAt: iso(row.created_at),
      finishedAt: isoOrNull(row.finished_at),
    };
  });
}

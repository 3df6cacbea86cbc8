import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Knex } from 'knex';
import {
  type ApiKeyRecord,
  ApiKeyScopeError,
  createApiKey,
  listApiKeys,
  rescopeApiKey,
  revokeApiKey,
} from '../../infra/api-keys';
import { ApiError } from '../api-error';
import { decodeCursor, encodeCursor, isCursorTime, isKeyText } from '../cursor';
import type { RouteDeps } from '../deps';
import { iso, isoOrNull } from '../iso-date-time';
import {
  ApiKey,
  ApiKeyPage,
  ApiKeyParams,
  ApiKeysQuery,
  CreateApiKeyBody,
  CreatedApiKey,
  errorResponses,
  RescopeApiKeyBody,
} from '../schemas';

/**
 * Ops manage API keys: create one with its scope (the secret is in that response only, and is never
 * stored, so the route takes no Idempotency-Key), list them, rebind a scope, revoke.
 */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.post(
    '/v1/api-keys',
    {
      schema: {
        tags: ['api keys'],
        summary: 'Create an API key with its scope; the secret is shown once, in this response',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { name, role, expiresAt, ...scope } = request.body;
      const { id, key } = await scoped(() => createApiKey(db, name, role, { ...scope, expiresAt: dateOf(expiresAt) }));
      return reply.status(201).send({ ...view(await mustFind(db, id)), key });
    },
  );

  app.get(
    '/v1/api-keys',
    {
      schema: {
        tags: ['api keys'],
        summary: 'API keys oldest first with their scope, last use, expiry and revocation (never the secret); paged',
        querystring: ApiKeysQuery,
        response: { 200: ApiKeyPage, ...errorResponses },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 50;
      const after = request.query.cursor
        ? decodeCursor<[string, string]>(request.query.cursor, [isCursorTime, isKeyText])
        : undefined;
      const keys = await listApiKeys(db, { limit: limit + 1, after });
      const page = keys.slice(0, limit);
      return { data: page.map(view), nextCursor: keys.length > limit ? encodeCursor(page[page.length - 1].pageKey) : null };
    },
  );

  app.patch(
    '/v1/api-keys/:id',
    {
      schema: {
        tags: ['api keys'],
        summary: "Rebind an active key's channels, locations, customer or expiry",
        params: ApiKeyParams,
        body: RescopeApiKeyBody,
        response: { 200: ApiKey, ...errorResponses },
      },
    },
    async (request) => {
      const { expiresAt, ...scope } = request.body;
      const changed = await scoped(() => rescopeApiKey(db, request.params.id, { ...scope, expiresAt: dateOf(expiresAt) }));
      if (!changed) throw keyNotFound(request.params.id);
      return view(await mustFind(db, request.params.id));
    },
  );

  app.post(
    '/v1/api-keys/:id/revoke',
    {
      schema: {
        tags: ['api keys'],
        summary: 'Revoke a key; it is refused within the auth cache time (5 s by default). Revoking twice is harmless',
        params: ApiKeyParams,
        response: { 200: ApiKey, ...errorResponses },
      },
    },
    async (request) => {
      await revokeApiKey(db, request.params.id);
      return view(await mustFind(db, request.params.id));
    },
  );
};

const dateOf = (value: string | undefined) => (value === undefined ? undefined : new Date(value));

const keyNotFound = (id: string) => new ApiError(404, 'api_key_not_found', `API key ${id} not found`);

/** A scope the role cannot hold is the caller's mistake: 422 with the scope error's code. */
async function scoped<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ApiKeyScopeError) throw new ApiError(422, error.code, error.message, error.details);
    throw error;
  }
}

async function mustFind(db: Knex, id: string): Promise<ApiKeyRecord> {
  const [key] = await listApiKeys(db, { limit: 1, id });
  if (!key) throw keyNotFound(id);
  return key;
}

function view(record: ApiKeyRecord) {
  const { pageKey: _pageKey, ...key } = record as ApiKeyRecord & { pageKey?: unknown };
  return {
    ...key,
    createdAt: iso(key.createdAt),
    lastUsedAt: isoOrNull(key.lastUsedAt),
    expiresAt: isoOrNull(key.expiresAt),
    revokedAt: isoOrNull(key.revokedAt),
  };
}

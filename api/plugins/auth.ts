import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { hashApiKey, type Role } from '../../infra/api-keys';
import { type Access, accessFor } from '../access';
import { ApiError } from '../api-error';
import { unencapsulated } from './unencapsulated';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

/** OpenAPI docs (served by @fastify/swagger-ui) are public, like the health checks. */
const DOCS_PREFIX = '/docs';

/**
 * Attaches each route's entry of ROUTE_ACCESS to it and checks the caller's API key before the body
 * is even read, so an unauthenticated request learns nothing about validation.
 */
export const authentication: FastifyPluginCallback<{ db: Knex }> = unencapsulated((app, { db }, done) => {
  app.addHook('onRoute', (route) => {
    if (route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`)) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const access = accessFor(method, route.url);
      if (!access) throw new Error(`${method} ${route.url} has no entry in ROUTE_ACCESS`);
      route.config = { ...route.config, access };
    }
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'open' || access === 'signature') return;
    const role = await callerRole(db, request);
    if (!role) throw new ApiError(401, 'unauthorized', 'a valid API key is required (Authorization: Bearer <key>)');
    if (!access.includes(role)) {
      throw new ApiError(403, 'forbidden', `the ${role} role may not call this route; allowed: ${access.join(', ')}`);
    }
  });
  done();
});

async function callerRole(db: Knex, request: FastifyRequest): Promise<Role | undefined> {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  const headerKey = request.headers['x-api-key'];
  const key = bearer ?? (typeof headerKey === 'string' ? headerKey : undefined);
  if (!key) return undefined;
  const row = await db('api_keys').where({ key_hash: hashApiKey(key) }).whereNull('revoked_at').first('role');
  return row?.role;
}

import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { ALL_LOCATIONS, hashApiKey, type Role } from '../../infra/api-keys';
import { type Access, accessFor, type Scope, scopeFor } from '../access';
import { ApiError } from '../api-error';
import { unencapsulated } from './unencapsulated';

/** Who is calling: the id, role and scope of the API key the request carries. */
export interface Caller {
  keyId: string;
  role: Role;
  /** A client key's channels; null when not narrowed by channel (ops, warehouse). */
  channels: readonly string[] | null;
  /** A warehouse key's locations; null when not narrowed by location (ops, client, all locations). */
  locationIds: readonly string[] | null;
  /** When set, a client key sees only this customer's orders. */
  customerId: string | null;
  /** A client key without channels or a warehouse key without locations (made before scopes): refused. */
  unscoped: boolean;
  /** Whether this key may see (and create) orders of `channel`: always for ops and warehouse keys. */
  canSeeChannel(channel: string): boolean;
  /** Whether this key may see an order: its channel is held and, for a customer-bound key, it is the customer's. */
  canSeeOrder(order: { channel: string; customerId: string }): boolean;
  /** Whether this key may see a location's stock, shipments and receipts. */
  canSeeLocation(locationId: string): boolean;
}

export function callerOf(row: {
  id: string;
  role: Role;
  channels?: string[] | null;
  location_ids?: string[] | null;
  customer_id?: string | null;
}): Caller {
  const channels = row.role === 'client' ? (row.channels ?? null) : null;
  const customerId = row.role === 'client' ? (row.customer_id ?? null) : null;
  const boundLocations = row.role === 'warehouse' ? (row.location_ids ?? null) : null;
  const locationIds = boundLocations?.includes(ALL_LOCATIONS) ? null : boundLocations;
  const canSeeChannel = (channel: string) => channels === null || channels.includes(channel);
  return {
    keyId: row.id,
    role: row.role,
    channels,
    locationIds,
    customerId,
    unscoped: (row.role === 'client' && !channels?.length) || (row.role === 'warehouse' && !boundLocations?.length),
    canSeeChannel,
    canSeeOrder: (order) => canSeeChannel(order.channel) && (customerId === null || order.customerId === customerId),
    canSeeLocation: (locationId) => locationIds === null || locationIds.includes(locationId),
  };
}

/** Whether the request's key may see a location (requests without a key are not narrowed). */
export function seesLocation(request: FastifyRequest, locationId: string): boolean {
  return !request.caller || request.caller.canSeeLocation(locationId);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    scope?: Scope;
  }
  interface FastifyRequest {
    /** Set on every route that takes an API key, once the key has been checked; null elsewhere. */
    caller: Caller | null;
  }
}

/** OpenAPI docs (served by @fastify/swagger-ui) are public, like the health checks. */
const DOCS_PREFIX = '/docs';

export interface AuthOptions {
  db: Knex;
  /** How long a valid key's lookup is reused; a revoked key keeps working at most this long. */
  cacheMs?: number;
  /** last_used_at is written at most once per this long per key (no write per request). */
  lastUsedEveryMs?: number;
  /** Most keys remembered at once; the oldest lookup is dropped first. */
  cacheMaxEntries?: number;
}

export const DEFAULT_AUTH_CACHE_MS = 5_000;
export const DEFAULT_AUTH_CACHE_MAX_ENTRIES = 10_000;

/**
 * Attaches each route's entry of ROUTE_ACCESS to it and checks the caller's API key before the body
 * is even read, so an unauthenticated request learns nothing about validation.
 */
export const authentication: FastifyPluginCallback<AuthOptions> = unencapsulated((app, options, done) => {
  const lookup = cachedLookup(options);
  app.decorateRequest('caller', null);

  app.addHook('onRoute', (route) => {
    if (route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`)) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const access = accessFor(method, route.url);
      if (!access) throw new Error(`${method} ${route.url} has no entry in ROUTE_ACCESS`);
      const scope = scopeFor(method, route.url);
      if (!scope) throw new Error(`${method} ${route.url} has no entry in ROUTE_SCOPE`);
      route.config = { ...route.config, access, scope };
    }
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'open' || access === 'signature') return;
    const key = presentedKey(request);
    const caller = key ? await lookup(key) : undefined;
    if (!caller) throw new ApiError(401, 'unauthorized', 'a valid API key is required (Authorization: Bearer <key>)');
    if (!access.includes(caller.role)) {
      throw new ApiError(403, 'forbidden', `the ${caller.role} role may not call this route; allowed: ${access.join(', ')}`);
    }
    if (caller.unscoped) {
      throw new ApiError(
        403,
        'key_unscoped',
        `this ${caller.role} key is bound to no ${caller.role === 'client' ? 'channel' : 'location'}; bind it with \`npm run api-key -- scope ${caller.keyId} …\``,
      );
    }
    request.caller = caller;
  });
  done();
});

function presentedKey(request: FastifyRequest): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  const headerKey = request.headers['x-api-key'];
  return bearer ?? (typeof headerKey === 'string' ? headerKey : undefined);
}

/**
 * Key lookups, each valid key's remembered for `cacheMs` (keyed by the key's hash, so no plaintext
 * key is kept). Unknown, revoked and expired keys are not remembered: a key created a moment ago works
 * at once, and a remembered key is dropped when it expires. Records last_used_at at most once a minute.
 */
function cachedLookup(options: AuthOptions): (key: string) => Promise<Caller | undefined> {
  const { db } = options;
  const ttlMs = options.cacheMs ?? DEFAULT_AUTH_CACHE_MS;
  const maxEntries = Math.max(1, options.cacheMaxEntries ?? DEFAULT_AUTH_CACHE_MAX_ENTRIES);
  const cache = new Map<string, { caller: Caller; until: number }>();
  const lastUsedEveryMs = options.lastUsedEveryMs ?? 60_000;
  const lastUsedWritten = new Map<string, number>();
  const touch = (keyId: string, now: number) => {
    if ((lastUsedWritten.get(keyId) ?? -Infinity) > now - lastUsedEveryMs) return;
    if (lastUsedWritten.size >= maxEntries) lastUsedWritten.clear();
    lastUsedWritten.set(keyId, now);
    // Not awaited: bookkeeping must not slow or fail the request.
    db('api_keys')
      .where({ id: keyId })
      .update({ last_used_at: db.fn.now() })
      .catch(() => lastUsedWritten.delete(keyId));
  };

  return async (key) => {
    const hash = hashApiKey(key);
    const now = Date.now();
    const cached = cache.get(hash);
    if (cached && cached.until > now) {
      touch(cached.caller.keyId, now);
      return cached.caller;
    }
    if (cached) cache.delete(hash);

    const row = await db('api_keys')
      .where({ key_hash: hash })
      .whereNull('revoked_at')
      .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', db.fn.now()))
      .first('id', 'role', 'channels', 'location_ids', 'customer_id', 'expires_at');
    if (!row) return undefined;
    const caller = callerOf(row);
    touch(caller.keyId, now);
    if (ttlMs > 0) {
      const expiresAt = row.expires_at ? new Date(row.expires_at).getTime() : Infinity;
      // Map iteration is insertion order: the first entry is the oldest lookup.
      while (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(hash, { caller, until: Math.min(now + ttlMs, expiresAt) });
    }
    return caller;
  };
}

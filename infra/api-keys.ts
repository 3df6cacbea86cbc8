import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

export const ROLES = ['client', 'warehouse', 'ops'] as const;
export type Role = (typeof ROLES)[number];

/** A warehouse key bound to this "location" works at every location (a merchant's own ops staff). */
export const ALL_LOCATIONS = '*';

/** Keys are stored only as SHA-256 digests; the plaintext is shown once, when the key is created. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * What a key may see besides its role. A client key must hold at least one channel, a warehouse key
 * at least one location (or ALL_LOCATIONS); a scope that does not apply to the role is not stored.
 */
export interface ApiKeyScope {
  /** Sales channels a client key may create, list, read and cancel orders for. */
  channels?: readonly string[];
  /** Locations a warehouse key works at: its pick lists, shipments, receipts, movements and levels. */
  locationIds?: readonly string[];
  /** When set, a client key sees only this customer's orders (within its channels). */
  customerId?: string;
  expiresAt?: Date;
}

/** A scope that cannot be stored: the message says what is wrong, for a 422 or the command line. */
export class ApiKeyScopeError extends Error {
  constructor(
    readonly code: 'channels_required' | 'locations_required' | 'unknown_location' | 'expiry_in_past',
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  channels: string[] | null;
  locationIds: string[] | null;
  customerId: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export async function createApiKey(
  db: Knex,
  name: string,
  role: Role,
  scope: ApiKeyScope = {},
): Promise<{ id: string; key: string }> {
  const columns = await scopeColumns(db, role, scope);
  const key = `oms_${role}_${randomBytes(24).toString('base64url')}`;
  const id = `key_${randomUUID()}`;
  await db('api_keys').insert({ id, name, role, key_hash: hashApiKey(key), ...columns });
  return { id, key };
}

/**
 * Replaces a key's scope (e.g. binding a key made before scopes existed, which is refused until it is
 * bound). Returns false when there is no active key with that id.
 */
export async function rescopeApiKey(db: Knex, id: string, scope: ApiKeyScope): Promise<boolean> {
  const row = await db('api_keys').where({ id }).whereNull('revoked_at').first('role');
  if (!row) return false;
  const { expires_at: expiresAt, ...columns } = await scopeColumns(db, row.role, scope);
  // An expiry is changed only when one is given.
  const update = scope.expiresAt ? { ...columns, expires_at: expiresAt } : columns;
  return (await db('api_keys').where({ id }).whereNull('revoked_at').update(update)) > 0;
}

/** Revokes an active key; false when there is none with that id. */
export async function revokeApiKey(db: Knex, id: string): Promise<boolean> {
  return (await db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() })) > 0;
}

/**
 * Keys oldest first, a page at a time after a `(createdAt, id)` key (createdAt as UTC text to the
 * microsecond, which each record carries as `pageKey`), or the one key `id`; never a secret or hash.
 */
export async function listApiKeys(
  db: Knex,
  page: { limit: number; after?: readonly [createdAt: string, id: string]; id?: string },
): Promise<Array<ApiKeyRecord & { pageKey: [string, string] }>> {
  const query = db('api_keys')
    .orderBy(['created_at', 'id'])
    .limit(page.limit)
    .select(
      'id', 'name', 'role', 'channels', 'location_ids', 'customer_id', 'created_at', 'last_used_at', 'expires_at', 'revoked_at',
      db.raw(`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS page_at`),
    );
  if (page.after) query.whereRaw('(created_at, id) > (?::timestamptz, ?)', [...page.after]);
  if (page.id) query.where({ id: page.id });
  return (await query).map((row) => ({
    id: row.id,
    name: row.name,
    role: row.role,
    channels: row.channels,
    locationIds: row.location_ids,
    customerId: row.customer_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    pageKey: [row.page_at, row.id],
  }));
}

/** The api_keys columns of a scope, checked against the role and the locations that exist. */
async function scopeColumns(db: Knex, role: Role, scope: ApiKeyScope) {
  const channels = unique(scope.channels);
  const locationIds = unique(scope.locationIds);
  if (scope.expiresAt && scope.expiresAt.getTime() <= Date.now()) {
    throw new ApiKeyScopeError('expiry_in_past', 'a key cannot expire in the past');
  }
  if (role === 'client' && channels.length === 0) {
    throw new ApiKeyScopeError('channels_required', 'a client key needs at least one channel');
  }
  if (role === 'warehouse') {
    if (locationIds.length === 0) {
      throw new ApiKeyScopeError('locations_required', `a warehouse key needs at least one location (or "${ALL_LOCATIONS}" for all)`);
    }
    const named = locationIds.filter((id) => id !== ALL_LOCATIONS);
    const known = new Set<string>(named.length ? await db('locations').whereIn('id', named).pluck('id') : []);
    const unknown = named.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new ApiKeyScopeError('unknown_location', `unknown location ${unknown.join(', ')}`, { locationIds: unknown });
    }
  }
  return {
    channels: role === 'client' ? channels : null,
    customer_id: role === 'client' ? (scope.customerId ?? null) : null,
    location_ids: role === 'warehouse' ? (locationIds.includes(ALL_LOCATIONS) ? [ALL_LOCATIONS] : locationIds) : null,
    expires_at: scope.expiresAt ?? null,
  };
}

function unique(values: readonly string[] | undefined): string[] {
  return [...new Set((values ?? []).map((value) => value.trim()).filter(Boolean))];
}

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

export const ROLES = ['client', 'warehouse', 'ops'] as const;
export type Role = (typeof ROLES)[number];

/** Keys are stored only as SHA-256 digests; the plaintext is shown once, when the key is created. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** What a key may see besides its role. A client key must hold at least one channel. */
export interface ApiKeyScope {
  /** Sales channels a client key may create, list, read and cancel orders for. */
  channels?: readonly string[];
  /** Locations a warehouse key works at (stored; not yet enforced by the routes). */
  locationIds?: readonly string[];
  /** When set, a client key sees only this customer's orders (within its channels). */
  customerId?: string;
  expiresAt?: Date;
}

export async function createApiKey(
  db: Knex,
  name: string,
  role: Role,
  scope: ApiKeyScope = {},
): Promise<{ id: string; key: string }> {
  if (role === 'client' && !scope.channels?.length) throw new Error('a client key needs at least one channel');
  const key = `oms_${role}_${randomBytes(24).toString('base64url')}`;
  const id = `key_${randomUUID()}`;
  await db('api_keys').insert({
    id,
    name,
    role,
    key_hash: hashApiKey(key),
    channels: scope.channels?.length ? [...scope.channels] : null,
    location_ids: scope.locationIds?.length ? [...scope.locationIds] : null,
    customer_id: scope.customerId ?? null,
    expires_at: scope.expiresAt ?? null,
  });
  return { id, key };
}

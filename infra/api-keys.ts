import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

export const ROLES = ['client', 'warehouse', 'ops'] as const;
export type Role = (typeof ROLES)[number];

/** Keys are stored only as SHA-256 digests; the plaintext is shown once, when the key is created. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export async function createApiKey(db: Knex, name: string, role: Role): Promise<{ id: string; key: string }> {
  const key = `oms_${role}_${randomBytes(24).toString('base64url')}`;
  const id = `key_${randomUUID()}`;
  await db('api_keys').insert({ id, name, role, key_hash: hashApiKey(key) });
  return { id, key };
}

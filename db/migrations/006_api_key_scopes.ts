import type { Knex } from 'knex';

/**
 * What an API key may see besides its role: a client key's channels (and optionally one customer),
 * a warehouse key's locations; plus when it expires and when it was last used (recorded at most once
 * a minute per key). Null scope columns mean "not bound" and are only valid for roles that need none.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('api_keys', (t) => {
    t.specificType('channels', 'text[]');
    t.specificType('location_ids', 'text[]');
    t.text('customer_id');
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('last_used_at', { useTz: true });
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('api_keys', (t) => {
    t.dropColumns('channels', 'location_ids', 'customer_id', 'expires_at', 'last_used_at');
  });
}

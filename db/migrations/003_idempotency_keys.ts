import type { Knex } from 'knex';

/**
 * Idempotency keys belong to the API key that sent them: two callers may use the same
 * Idempotency-Key and each gets its own result. One table holds every idempotent route's keys,
 * each kept until expires_at (IDEMPOTENCY_KEY_RETENTION_HOURS after its first use).
 *
 * orders.idempotency_key and receipts.idempotency_key stay as a record of the key a row was
 * created under, but are no longer unique: the (api_key_id, key) primary key here decides.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('idempotency_keys', (t) => {
    t.string('api_key_id', 40).notNullable().references('api_keys.id').onDelete('CASCADE');
    t.string('key', 200).notNullable();
    /** Method and route pattern, e.g. `POST /v1/orders/:id/cancel`. */
    t.string('route', 120).notNullable();
    /** SHA-256 of the route, its path parameters and the body, as canonical JSON. */
    t.string('request_hash', 64).notNullable();
    t.integer('status_code').notNullable();
    /** The answer replayed to a retry; null when it is rebuilt from resource_id. */
    t.jsonb('response_body');
    /** The order or receipt created under this key (written in the same transaction as the row). */
    t.string('resource_id', 48);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.primary(['api_key_id', 'key']);
    t.index(['expires_at']);
    t.check('?? BETWEEN 200 AND 499', ['status_code']);
  });
  await db.raw('ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_idempotency_key_unique');
  await db.raw('ALTER TABLE receipts DROP CONSTRAINT IF EXISTS receipts_idempotency_key_unique');
  await db.schema.alterTable('orders', (t) => t.index(['idempotency_key']));
  await db.schema.alterTable('receipts', (t) => t.index(['idempotency_key']));
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('receipts', (t) => t.dropIndex(['idempotency_key']));
  await db.schema.alterTable('orders', (t) => t.dropIndex(['idempotency_key']));
  // Fails if two callers have since used the same key: resolve those rows before going back.
  await db.schema.alterTable('receipts', (t) => t.unique(['idempotency_key']));
  await db.schema.alterTable('orders', (t) => t.unique(['idempotency_key']));
  await db.schema.dropTableIfExists('idempotency_keys');
}

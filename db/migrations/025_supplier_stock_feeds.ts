import type { Knex } from 'knex';

/**
 * Supplier stock feeds: what each supplier last reported holding of a product it dropships for us,
 * pushed by its signed webhook or polled by a Schedule. A report older than the one stored changes
 * nothing, so pushes and polls may arrive in any order. A supplier may set how old its report may
 * grow (feed_max_age_minutes) before channels that require fresh supplier stock stop selling.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('supplier_stock', (t) => {
    t.string('supplier_id', 40).notNullable().references('suppliers.id');
    t.string('sku', 64).notNullable().references('products.sku');
    t.string('supplier_sku', 64).notNullable();
    /** Null: the supplier sets no limit. */
    t.integer('quantity');
    /** When the supplier says the level was true; orders reports. */
    t.timestamp('reported_at', { useTz: true }).notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['supplier_id', 'sku']);
    t.index(['sku']);
    t.check('?? IS NULL OR ?? >= 0', ['quantity', 'quantity']);
  });

  // A new report may change what channels that sell supplier stock offer (024's dirty marks).
  await db.raw(`CREATE TRIGGER supplier_stock_availability_dirty AFTER INSERT OR UPDATE ON supplier_stock
    FOR EACH ROW EXECUTE FUNCTION mark_sku_availability_dirty()`);

  await db.schema.alterTable('suppliers', (t) => {
    /** Null: its reports never go stale. */
    t.integer('feed_max_age_minutes');
  });
  await db.raw('ALTER TABLE suppliers ADD CONSTRAINT suppliers_feed_max_age_positive CHECK (feed_max_age_minutes IS NULL OR feed_max_age_minutes > 0)');

  await db.schema.createTable('channel_feed_rules', (t) => {
    t.string('channel', 64).primary();
    /** Refuse dropship lines whose supplier's report is older than the supplier's feed_max_age_minutes. */
    t.boolean('require_fresh_supplier_stock').notNullable().defaultTo(false);
    t.timestamps(true, true);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('channel_feed_rules');
  await db.raw('ALTER TABLE suppliers DROP CONSTRAINT IF EXISTS suppliers_feed_max_age_positive');
  await db.schema.alterTable('suppliers', (t) => t.dropColumn('feed_max_age_minutes'));
  await db.schema.dropTableIfExists('supplier_stock');
}

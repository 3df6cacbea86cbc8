import type { Knex } from 'knex';

/**
 * Locations and bins managed over the API, and EAN-13 barcodes:
 * - bins.sequence: the walking order of a location's bins; pick lists follow it (then the code).
 * - bin_movements: the bin ledger. Moving a SKU's units between bins of one location changes no
 *   on_hand, so it is not an inventory_movements row (on_hand stays the sum of the ledger); each move
 *   is one row here, with its own idempotency key.
 * - inventory_levels.in_transit: units shipped to this location by open transfers and not yet
 *   received (0 until transfers exist; the transfer writers keep it).
 * - reserved may only grow at an active location: a reservation racing a deactivation fails with
 *   reserve_stock's "stock moved" (OM001), and the engine plans again without that location.
 * - products.upc holds UPC-A (12 digits) or EAN-13 (13). A UPC-A is the EAN-13 with a leading 0, so
 *   uniqueness is on the 13-digit form: 036000291452 and 0036000291452 are one barcode.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('bins', (t) => {
    t.integer('sequence').notNullable().defaultTo(0);
    t.index(['location_id', 'sequence', 'code'], 'bins_walking_order');
  });

  await db.schema.createTable('bin_movements', (t) => {
    t.bigIncrements('id');
    t.string('sku', 64).notNullable().references('products.sku');
    t.string('location_id', 32).notNullable();
    t.string('from_bin_code', 32);
    t.string('to_bin_code', 32).notNullable();
    t.integer('quantity').notNullable();
    t.string('idempotency_key', 200).notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.foreign(['location_id', 'to_bin_code']).references(['location_id', 'code']).inTable('bins');
    t.foreign(['location_id', 'from_bin_code']).references(['location_id', 'code']).inTable('bins');
    t.index(['sku', 'location_id']);
    t.check('?? >= 0', ['quantity']);
  });

  await db.raw(
    'ALTER TABLE inventory_levels ADD COLUMN in_transit integer NOT NULL DEFAULT 0 CONSTRAINT in_transit_not_negative CHECK (in_transit >= 0)',
  );

  await db.raw(`
    CREATE FUNCTION reserve_only_at_active_location() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM locations WHERE id = NEW.location_id AND active) THEN
        RAISE EXCEPTION 'location % is not active', NEW.location_id USING ERRCODE = 'OM001';
      END IF;
      RETURN NEW;
    END
    $$
  `);
  await db.raw(`
    CREATE TRIGGER inventory_levels_reserve_active_only
    BEFORE UPDATE OF reserved ON inventory_levels
    FOR EACH ROW WHEN (NEW.reserved > OLD.reserved)
    EXECUTE FUNCTION reserve_only_at_active_location()
  `);

  await db.raw('ALTER TABLE products ALTER COLUMN upc TYPE varchar(13)');
  await db.raw("CREATE UNIQUE INDEX products_barcode_unique ON products (lpad(upc, 13, '0'))");
}

/** Fails while an EAN-13 barcode is stored: the column cannot narrow back to 12 digits. */
export async function down(db: Knex): Promise<void> {
  await db.raw('DROP INDEX IF EXISTS products_barcode_unique');
  await db.raw('ALTER TABLE products ALTER COLUMN upc TYPE varchar(12)');
  await db.raw('DROP TRIGGER IF EXISTS inventory_levels_reserve_active_only ON inventory_levels');
  await db.raw('DROP FUNCTION IF EXISTS reserve_only_at_active_location()');
  await db.raw('ALTER TABLE inventory_levels DROP COLUMN in_transit');
  await db.schema.dropTableIfExists('bin_movements');
  await db.schema.alterTable('bins', (t) => {
    t.dropIndex(['location_id', 'sequence', 'code'], 'bins_walking_order');
    t.dropColumn('sequence');
  });
}

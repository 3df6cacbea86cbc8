import type { Knex } from 'knex';

/**
 * Available-to-sell per channel (domain/availability.ts computes it):
 * - channel_stock_policies: what feeds a channel (its locations, incoming, dropship supplier stock)
 *   and what it holds back (a buffer in units and percent, a cap). A channel exists once it has one.
 * - channel_availability: the last number published per (channel, sku); `version` counts its changes
 *   and keys their events.
 * - availability_dirty: the SKUs whose ATS may have changed since they were last published (their
 *   levels, incoming, dropship routing, kit recipe, active flag, or a location's), written by
 *   triggers so the reservation path's SQL stays as it is. Append-only on purpose: a unique sku would
 *   make two transactions marking one new SKU wait on each other (and deadlock when they also hold
 *   level rows of that SKU at other locations), and a mark that exists already would let a publisher
 *   take it while a change it stands for is not yet committed. Each change's own mark commits with
 *   it, so a publisher that deletes a mark always reads the change after.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('channel_stock_policies', (t) => {
    t.string('channel', 64).primary();
    /** Empty: every active warehouse location. */
    t.specificType('location_ids', 'text[]').notNullable().defaultTo('{}');
    t.integer('buffer_units').notNullable().defaultTo(0);
    t.decimal('buffer_percent', 5, 2).notNullable().defaultTo(0);
    t.integer('cap_units');
    t.boolean('include_incoming').notNullable().defaultTo(false);
    t.boolean('include_dropship').notNullable().defaultTo(false);
    t.boolean('require_fresh_supplier_stock').notNullable().defaultTo(false);
    t.timestamps(true, true);
    t.check('?? >= 0', ['buffer_units']);
    t.check('?? BETWEEN 0 AND 100', ['buffer_percent']);
    t.check('?? IS NULL OR ?? >= 0', ['cap_units', 'cap_units']);
  });

  await db.schema.createTable('channel_availability', (t) => {
    t.string('channel', 64).notNullable().references('channel_stock_policies.channel');
    t.string('sku', 64).notNullable().references('products.sku');
    t.integer('available').notNullable();
    t.integer('version').notNullable();
    t.timestamp('changed_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['channel', 'sku']);
    t.index(['channel', 'changed_at']);
    t.check('?? >= 0', ['available']);
  });

  await db.schema.createTable('availability_dirty', (t) => {
    t.bigIncrements('id');
    t.string('sku', 64).notNullable();
    t.timestamp('dirty_since', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['sku']);
  });

  await db.raw(`
    CREATE FUNCTION mark_sku_availability_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO availability_dirty (sku) VALUES (NEW.sku);
      RETURN NULL;
    END
    $$
  `);
  await db.raw(`
    CREATE TRIGGER inventory_levels_availability_inserted AFTER INSERT ON inventory_levels
    FOR EACH ROW EXECUTE FUNCTION mark_sku_availability_dirty()
  `);
  await db.raw(`
    CREATE TRIGGER inventory_levels_availability_changed AFTER UPDATE OF on_hand, reserved ON inventory_levels
    FOR EACH ROW WHEN (NEW.on_hand <> OLD.on_hand OR NEW.reserved <> OLD.reserved)
    EXECUTE FUNCTION mark_sku_availability_dirty()
  `);
  // Incoming is derived from open purchase orders' lines (api/purchasing/incoming.ts).
  await db.raw(`
    CREATE TRIGGER purchase_order_lines_availability_changed AFTER INSERT OR UPDATE OF quantity, confirmed_quantity, received ON purchase_order_lines
    FOR EACH ROW EXECUTE FUNCTION mark_sku_availability_dirty()
  `);
  await db.raw(`
    CREATE FUNCTION mark_purchase_order_availability_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO availability_dirty (sku) SELECT sku FROM purchase_order_lines WHERE purchase_order_id = NEW.id;
      RETURN NULL;
    END
    $$
  `);
  await db.raw(`
    CREATE TRIGGER purchase_orders_availability_changed AFTER UPDATE OF status ON purchase_orders
    FOR EACH ROW WHEN (NEW.status <> OLD.status) EXECUTE FUNCTION mark_purchase_order_availability_dirty()
  `);
  await db.raw(`
    CREATE FUNCTION mark_dropship_availability_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO availability_dirty (sku) VALUES (COALESCE(NEW.sku, OLD.sku));
      RETURN NULL;
    END
    $$
  `);
  await db.raw(`
    CREATE TRIGGER dropship_products_availability_changed AFTER INSERT OR UPDATE OR DELETE ON dropship_products
    FOR EACH ROW EXECUTE FUNCTION mark_dropship_availability_dirty()
  `);
  await db.raw(`
    CREATE TRIGGER products_availability_changed AFTER UPDATE OF active ON products
    FOR EACH ROW WHEN (NEW.active <> OLD.active) EXECUTE FUNCTION mark_sku_availability_dirty()
  `);
  await db.raw(`
    CREATE FUNCTION mark_kit_availability_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO availability_dirty (sku) VALUES (COALESCE(NEW.kit_sku, OLD.kit_sku));
      RETURN NULL;
    END
    $$
  `);
  await db.raw(`
    CREATE TRIGGER kit_components_availability_changed AFTER INSERT OR UPDATE OR DELETE ON kit_components
    FOR EACH ROW EXECUTE FUNCTION mark_kit_availability_dirty()
  `);
  await db.raw(`
    CREATE FUNCTION mark_location_availability_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO availability_dirty (sku) SELECT sku FROM inventory_levels WHERE location_id = NEW.id;
      RETURN NULL;
    END
    $$
  `);
  await db.raw(`
    CREATE TRIGGER locations_availability_changed AFTER UPDATE OF active ON locations
    FOR EACH ROW WHEN (NEW.active <> OLD.active) EXECUTE FUNCTION mark_location_availability_dirty()
  `);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP TRIGGER IF EXISTS locations_availability_changed ON locations');
  await db.raw('DROP TRIGGER IF EXISTS kit_components_availability_changed ON kit_components');
  await db.raw('DROP TRIGGER IF EXISTS products_availability_changed ON products');
  await db.raw('DROP TRIGGER IF EXISTS dropship_products_availability_changed ON dropship_products');
  await db.raw('DROP TRIGGER IF EXISTS purchase_orders_availability_changed ON purchase_orders');
  await db.raw('DROP TRIGGER IF EXISTS purchase_order_lines_availability_changed ON purchase_order_lines');
  await db.raw('DROP TRIGGER IF EXISTS inventory_levels_availability_changed ON inventory_levels');
  await db.raw('DROP TRIGGER IF EXISTS inventory_levels_availability_inserted ON inventory_levels');
  await db.raw('DROP FUNCTION IF EXISTS mark_location_availability_dirty()');
  await db.raw('DROP FUNCTION IF EXISTS mark_kit_availability_dirty()');
  await db.raw('DROP FUNCTION IF EXISTS mark_dropship_availability_dirty()');
  await db.raw('DROP FUNCTION IF EXISTS mark_purchase_order_availability_dirty()');
  await db.raw('DROP FUNCTION IF EXISTS mark_sku_availability_dirty()');
  await db.schema.dropTableIfExists('availability_dirty');
  await db.schema.dropTableIfExists('channel_availability');
  await db.schema.dropTableIfExists('channel_stock_policies');
}

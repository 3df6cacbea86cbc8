import type { Knex } from 'knex';
import * as reserveStockFunction from './009_reserve_stock_function';

/**
 * Kits (bundles): products.kind, and kit_components (kit sku -> component sku x quantity; a
 * component may be a kit). A kit holds no stock of its own: ordering one reserves its stocked
 * components, one reservation row per component under the kit's order line, each remembering how
 * many units one kit takes (units_per_kit), so shipping, returns and the invariants read the
 * recipe the order was reserved with even if the kit changes later.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('products', (t) => {
    t.string('kind', 16).notNullable().defaultTo('standard');
  });
  await db.raw("ALTER TABLE products ADD CONSTRAINT products_kind_check CHECK (kind IN ('standard', 'kit'))");

  await db.schema.createTable('kit_components', (t) => {
    t.string('kit_sku', 64).notNullable().references('products.sku');
    t.string('component_sku', 64).notNullable().references('products.sku');
    t.integer('quantity').notNullable();
    t.primary(['kit_sku', 'component_sku']);
    t.index(['component_sku']);
    t.check('?? > 0', ['quantity']);
    t.check('?? <> ??', ['kit_sku', 'component_sku']);
  });

  await db.schema.alterTable('reservations', (t) => {
    /** A kit line's component: its units in one kit. Null on a line of a stocked sku. */
    t.integer('units_per_kit');
    t.dropUnique(['order_id', 'allocation_no', 'line_no', 'location_id']);
    t.unique(['order_id', 'allocation_no', 'line_no', 'sku', 'location_id']);
  });
  await db.raw('ALTER TABLE reservations ADD CONSTRAINT reservations_units_per_kit_positive CHECK (units_per_kit > 0)');

  // As in 009, plus each take's units_per_kit (stored and answered) and the bin's place in the walk (010).
  await db.raw('DROP FUNCTION reserve_stock(text, integer, jsonb)');
  await db.raw(`
    CREATE FUNCTION reserve_stock(p_order_id text, p_allocation_no integer, p_takes jsonb)
    RETURNS TABLE (line_no integer, sku text, quantity integer, location_id text, fulfillment_mode text, upc text, name text, bin_code text, bin_sequence integer, units_per_kit integer)
    LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
      take record;
    BEGIN
      PERFORM 1 FROM orders WHERE id = p_order_id FOR UPDATE;
      IF NOT EXISTS (SELECT 1 FROM reservations WHERE order_id = p_order_id AND allocation_no = p_allocation_no) THEN
        INSERT INTO reservations (order_id, allocation_no, line_no, sku, location_id, quantity, units_per_kit)
          SELECT p_order_id, p_allocation_no, t.line_no, t.sku, t.location_id, t.quantity, t.units_per_kit
          FROM jsonb_to_recordset(p_takes) AS t(line_no integer, sku text, location_id text, quantity integer, units_per_kit integer);
        FOR take IN
          SELECT t.sku, t.location_id, sum(t.quantity)::integer AS quantity
          FROM jsonb_to_recordset(p_takes) AS t(line_no integer, sku text, location_id text, quantity integer)
          GROUP BY t.sku, t.location_id
          ORDER BY t.sku, t.location_id
        LOOP
          UPDATE inventory_levels SET reserved = reserved + take.quantity, updated_at = now()
          WHERE sku = take.sku AND location_id = take.location_id AND on_hand - reserved >= take.quantity;
          IF NOT FOUND THEN
            RAISE EXCEPTION 'stock of % at % moved', take.sku, take.location_id USING ERRCODE = 'OM001';
          END IF;
        END LOOP;
      END IF;
      RETURN QUERY
        SELECT r.line_no, r.sku::text, r.quantity, r.location_id::text, loc.fulfillment_mode::text, p.upc::text, p.name::text, b.bin_code::text, bin.sequence, r.units_per_kit
        FROM reservations r
        JOIN locations loc ON loc.id = r.location_id
        JOIN products p ON p.sku = r.sku
        LEFT JOIN bin_assignments b ON b.sku = r.sku AND b.location_id = r.location_id
        LEFT JOIN bins bin ON bin.location_id = b.location_id AND bin.code = b.bin_code
        WHERE r.order_id = p_order_id AND r.allocation_no = p_allocation_no
        ORDER BY loc.priority, r.location_id;
    END
    $$
  `);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP FUNCTION reserve_stock(text, integer, jsonb)');
  await reserveStockFunction.up(db);
  await db.raw('ALTER TABLE reservations DROP CONSTRAINT reservations_units_per_kit_positive');
  await db.schema.alterTable('reservations', (t) => {
    t.dropUnique(['order_id', 'allocation_no', 'line_no', 'sku', 'location_id']);
    t.unique(['order_id', 'allocation_no', 'line_no', 'location_id']);
    t.dropColumn('units_per_kit');
  });
  await db.schema.dropTableIfExists('kit_components');
  await db.raw('ALTER TABLE products DROP CONSTRAINT products_kind_check');
  await db.schema.alterTable('products', (t) => t.dropColumn('kind'));
}

import type { Knex } from 'knex';

/**
 * reserve_stock(order, allocation_no, takes): applies an allocation plan in one statement, so a hot
 * SKU's row is locked only inside the server, from its UPDATE to the statement's own commit, never
 * across a network round trip. The plan is made by the engine (domain/allocation.ts); this only
 * takes it, all or nothing, and answers with the allocation's stored reservations (what a pick list
 * needs of each), so the first run and a retry answer alike:
 * - the order's row is locked first, so a timed-out attempt still running and its retry queue up,
 *   and the second finds the first's reservations and changes nothing;
 * - level rows are taken in (sku, location) order, so two orders for the same SKUs cannot deadlock;
 * - a row that no longer has the stock raises SQLSTATE OM001 (stock moved): the statement is
 *   undone and the engine plans again.
 */
export async function up(db: Knex): Promise<void> {
  await db.raw(`
    CREATE FUNCTION reserve_stock(p_order_id text, p_allocation_no integer, p_takes jsonb)
    RETURNS TABLE (line_no integer, sku text, quantity integer, location_id text, fulfillment_mode text, upc text, name text, bin_code text)
    LANGUAGE plpgsql AS $$
    #variable_conflict use_column
    DECLARE
      take record;
    BEGIN
      PERFORM 1 FROM orders WHERE id = p_order_id FOR UPDATE;
      IF NOT EXISTS (SELECT 1 FROM reservations WHERE order_id = p_order_id AND allocation_no = p_allocation_no) THEN
        INSERT INTO reservations (order_id, allocation_no, line_no, sku, location_id, quantity)
          SELECT p_order_id, p_allocation_no, t.line_no, t.sku, t.location_id, t.quantity
          FROM jsonb_to_recordset(p_takes) AS t(line_no integer, sku text, location_id text, quantity integer);
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
        SELECT r.line_no, r.sku::text, r.quantity, r.location_id::text, loc.fulfillment_mode::text, p.upc::text, p.name::text, b.bin_code::text
        FROM reservations r
        JOIN locations loc ON loc.id = r.location_id
        JOIN products p ON p.sku = r.sku
        LEFT JOIN bin_assignments b ON b.sku = r.sku AND b.location_id = r.location_id
        WHERE r.order_id = p_order_id AND r.allocation_no = p_allocation_no
        ORDER BY loc.priority, r.location_id;
    END
    $$
  `);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP FUNCTION IF EXISTS reserve_stock(text, integer, jsonb)');
}

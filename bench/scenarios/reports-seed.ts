import type { Knex } from 'knex';
import { adjustmentsToReach } from './reports-figures';

/** SKUs the orders pick from (popular ones far more often); the rest of the catalog never sells. */
const SOLD_SKUS = 1800;
const CATALOG_SKUS = 2000;
const WAREHOUSES = 4;
/** Every fourth stocked (sku, location) had a cycle count during the year. */
const COUNTED_EVERY = 4;
const PURCHASE_ORDERS = 60;

export interface SeedPlan {
  orders: number;
  movements: number;
  /** The end of the seeded year: no timestamp is later. */
  now: Date;
}

/**
 * A year of history for the reports, written set-based with generate_series in one transaction
 * (random() is seeded, so runs are alike): a catalog at four warehouses; `orders` orders with their
 * lines, parcels, consumed reservations, a few backorders and returns; open purchase orders, some
 * late; cycle counts; and a ledger of about `movements` rows with its FIFO layers.
 *
 * The ledger is FIFO-exact by construction. Every outbound movement (a shipped order line, or a
 * shrinkage adjustment topping the ledger up to `movements`) has a receipt of its own units,
 * received between the two outbound movements of its (sku, location) before it: stock never runs
 * dry between them, and the oldest layer with units left when an outbound movement happens is its
 * own, which it empties. Most (sku, location)s end with one more receipt on hand; each SKU that
 * never sells holds one receipt of some months ago. on_hand is the sum of the ledger.
 */
export async function seedReportHistory(db: Knex, plan: SeedPlan): Promise<void> {
  await db.transaction(async (trx) => {
    const run = (sql: string, bindings: Knex.ValueDict = {}) =>
      trx.raw(sql, { now: plan.now, warehouses: WAREHOUSES, soldSkus: SOLD_SKUS, skus: CATALOG_SKUS, ...bindings });
    await trx.raw('SELECT setseed(0.42)');

    await run(
      `INSERT INTO locations (id, name, kind, fulfillment_mode, priority, address)
       SELECT 'WH-' || n, 'Warehouse ' || n, 'warehouse', 'auto', n * 10, jsonb_build_object('country', 'US', 'city', 'City ' || n)
         FROM generate_series(1, :warehouses) n`,
    );
    await run(
      `INSERT INTO products (sku, name, upc, unit_price_cents, unit_cost_cents, weight_grams)
       SELECT 'SKU-' || lpad(n::text, 4, '0'), 'Bench product ' || n, '4' || lpad(n::text, 11, '0'),
              cost + cost * (30 + n % 120) / 100, cost, 100 + (n * 37) % 4900
         FROM (SELECT n, 200 + (n * 7919) % 9800 AS cost FROM generate_series(1, :skus) n) p`,
    );

    // Created over the year; 2 % cancelled, the others ship 2-72 h later (unless that is still to come) and arrive 12-120 h after that.
    await run(
      `CREATE TEMP TABLE bench_orders ON COMMIT DROP AS
       SELECT n, id, created_at, channel, location_id, line_count, backordered, shipped_at,
              CASE WHEN shipped_at + transit <= :now THEN shipped_at + transit END AS delivered_at,
              CASE WHEN cancelled THEN 'CANCELLED' WHEN shipped_at IS NULL THEN 'ACCEPTED'
                   WHEN shipped_at + transit > :now THEN 'SHIPPED' ELSE 'DELIVERED' END AS status
         FROM (SELECT *, CASE WHEN NOT cancelled AND planned_ship_at <= :now THEN planned_ship_at END AS shipped_at
                 FROM (SELECT n, 'ord_bench_' || lpad(n::text, 7, '0') AS id, created_at,
                              (ARRAY['web', 'web', 'web', 'marketplace', 'marketplace', 'pos'])[1 + floor(random() * 6)::int] AS channel,
                              'WH-' || (1 + floor(random() * :warehouses)::int) AS location_id,
                              1 + floor(random() * 5)::int AS line_count,
                              random() < 0.03 AS backordered,
                              random() < 0.02 AS cancelled,
                              created_at + make_interval(mins => 120 + floor(random() * 4200)::int) AS planned_ship_at,
                              make_interval(mins => 720 + floor(random() * 6480)::int) AS transit
                         FROM (SELECT n, :now::timestamptz - interval '365 days' + random() * interval '364 days' AS created_at
                                 FROM generate_series(1, :orders) n) created) drawn) timed`,
      { orders: plan.orders },
    );
    // 1-5 lines of distinct SKUs, 1-3 units each, the popular SKUs picked far more often (an ABC curve).
    await run(
      `CREATE TEMP TABLE bench_lines ON COMMIT DROP AS
       SELECT picked.order_id, row_number() OVER (PARTITION BY picked.order_id ORDER BY picked.first_pick)::int AS line_no,
              picked.sku, picked.quantity, p.unit_price_cents
         FROM (SELECT o.id AS order_id, c.sku, min(c.k) AS first_pick, max(c.quantity) AS quantity
                 FROM bench_orders o
                 CROSS JOIN LATERAL (
                   SELECT k, 'SKU-' || lpad((1 + floor(:soldSkus * power(random(), 2.5)))::int::text, 4, '0') AS sku,
                          1 + floor(random() * 3)::int AS quantity
                     FROM generate_series(1, o.line_count) k) c
                GROUP BY o.id, c.sku) picked
         JOIN products p ON p.sku = picked.sku`,
    );
    // One unit of the first line of 4 % of the orders delivered over five days ago comes back; scrapped on arrival, so no ledger row.
    await run(
      `CREATE TEMP TABLE bench_returns ON COMMIT DROP AS
       SELECT 'rma_bench_' || lpad(o.n::text, 7, '0') AS id, o.id AS order_id, o.n, o.channel, o.location_id, l.sku, l.unit_price_cents,
              o.delivered_at + make_interval(hours => 24 + floor(random() * 96)::int) AS created_at,
              (ARRAY['damaged', 'wrong_item', 'not_as_described', 'changed_mind', 'other'])[1 + floor(random() * 5)::int] AS reason,
              CASE WHEN arrives_at <= :now THEN arrives_at END AS received_at
         FROM (SELECT *, delivered_at + make_interval(hours => 144 + floor(random() * 336)::int) AS arrives_at
                 FROM bench_orders WHERE status = 'DELIVERED' AND delivered_at < :now::timestamptz - interval '5 days' AND random() < 0.04) o
         JOIN bench_lines l ON l.order_id = o.id AND l.line_no = 1`,
    );

    await run(
      `INSERT INTO orders (id, customer_id, channel, status, backorder_policy, currency, items_cents, shipping_cents, total_cents,
                           payment_token, capture_mode, shipping_address, workflow_started_at, closed_at, created_at, updated_at)
       SELECT o.id, 'cust_' || (1 + o.n % 20000), o.channel, o.status, 'wait', 'USD', t.items, 500, t.items + 500,
              'tok_bench', 'on_shipment', '{"country": "US"}', o.created_at,
              CASE o.status WHEN 'DELIVERED' THEN o.delivered_at WHEN 'CANCELLED' THEN o.created_at + interval '1 hour' END,
              o.created_at, coalesce(o.delivered_at, o.shipped_at, o.created_at)
         FROM bench_orders o
         JOIN (SELECT order_id, sum(quantity * unit_price_cents)::int AS items FROM bench_lines GROUP BY order_id) t ON t.order_id = o.id`,
    );
    await run(
      `INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price_cents, qty_shipped, qty_cancelled, qty_returned)
       SELECT l.order_id, l.line_no, l.sku, l.quantity, l.unit_price_cents,
              CASE WHEN o.shipped_at IS NOT NULL THEN l.quantity ELSE 0 END,
              CASE WHEN o.status = 'CANCELLED' THEN l.quantity ELSE 0 END,
              CASE WHEN r.received_at IS NOT NULL AND l.line_no = 1 THEN 1 ELSE 0 END
         FROM bench_lines l JOIN bench_orders o ON o.id = l.order_id LEFT JOIN bench_returns r ON r.order_id = l.order_id`,
    );
    await run(
      `INSERT INTO order_events (order_id, event_key, type, created_at)
       SELECT id, 'bench-backordered', 'order.backordered', created_at + interval '1 minute' FROM bench_orders WHERE backordered`,
    );
    await run(
      `INSERT INTO returns (id, order_id, customer_id, channel, location_id, status, currency, requested_cents, policy, received_at, closed_at,
                            workflow_started_at, created_at, updated_at)
       SELECT id, order_id, 'cust_' || (1 + n % 20000), channel, location_id, CASE WHEN received_at IS NULL THEN 'AWAITING_PARCEL' ELSE 'CLOSED' END,
              'USD', unit_price_cents, '{}', received_at, received_at, created_at, created_at, coalesce(received_at, created_at)
         FROM bench_returns`,
    );
    await run(
      `INSERT INTO return_lines (return_id, line_no, order_id, sku, quantity, reason, unit_price_cents, qty_received, qty_scrapped)
       SELECT id, 1, order_id, sku, 1, reason, unit_price_cents, (received_at IS NOT NULL)::int, (received_at IS NOT NULL)::int FROM bench_returns`,
    );

    // The ledger's outbound movements: every shipped order line, then shrinkage up to the size asked for.
    await run(
      `CREATE TEMP TABLE bench_out ON COMMIT DROP AS
       SELECT l.sku, o.location_id, -l.quantity AS quantity, 'shipment'::text AS kind, NULL::text AS reason_code,
              'shipment'::text AS reference_type, o.id || '-1' AS reference_id, 'shipment:' || o.id || '-1:' || l.sku AS idempotency_key,
              o.shipped_at AS at
         FROM bench_orders o JOIN bench_lines l ON l.order_id = o.id
        WHERE o.shipped_at IS NOT NULL`,
    );
    await run(
      `CREATE TEMP TABLE bench_pairs ON COMMIT DROP AS
       SELECT sku, location_id, row_number() OVER (ORDER BY sku, location_id)::int AS pair_no, random() < 0.95 AS restocked
         FROM (SELECT DISTINCT sku, location_id FROM bench_out) p`,
    );
    const [{ shipments, pairs, restocked }] = (
      await trx.raw(
        `SELECT (SELECT count(*) FROM bench_out)::int AS shipments, count(*)::int AS pairs, count(*) FILTER (WHERE restocked)::int AS restocked
           FROM bench_pairs`,
      )
    ).rows;
    const adjustments = adjustmentsToReach(plan.movements, shipments, restocked + CATALOG_SKUS - SOLD_SKUS);
    await run(
      `INSERT INTO bench_out (sku, location_id, quantity, kind, reason_code, reference_type, reference_id, idempotency_key, at)
       SELECT p.sku, p.location_id, -d.units, 'adjustment', d.reason, 'adjustment', 'adj_bench_' || d.n, 'adjustment:adj_bench_' || d.n || ':1', d.at
         FROM (SELECT n, 1 + floor(random() * :pairs)::int AS pick, 1 + floor(random() * 2)::int AS units,
                      (ARRAY['damaged', 'lost', 'theft', 'expired'])[1 + floor(random() * 4)::int] AS reason,
                      :now::timestamptz - random() * interval '365 days' AS at
                 FROM generate_series(1, :adjustments) n) d
         JOIN bench_pairs p ON p.pair_no = d.pick`,
      { pairs, adjustments },
    );

    // Each outbound movement's place in its (sku, location)'s history, and the two before it.
    await run(
      `CREATE TEMP TABLE bench_seq ON COMMIT DROP AS
       SELECT b.*, row_number() OVER w AS rn, count(*) OVER pair AS n, min(at) OVER pair AS first_at,
              lag(at, 1) OVER w AS prev1, lag(at, 2) OVER w AS prev2
         FROM bench_out b
       WINDOW pair AS (PARTITION BY sku, location_id), w AS (PARTITION BY sku, location_id ORDER BY at, idempotency_key)`,
    );
    // Receipts: outbound n's own between outbound n-2 and n-1 (the first two within the 20 days before the first),
    // the stock left after the last, and the unsold SKUs' only receipt. open: its units are still on hand.
    await run(
      `CREATE TEMP TABLE bench_in ON COMMIT DROP AS
       SELECT r.sku, r.location_id, r.rn, r.quantity, r.open, r.lo + (r.hi - r.lo) * (0.2 + 0.6 * random()) AS at,
              round(p.unit_cost_cents * (0.9 + 0.2 * random()))::int AS unit_cost_cents
         FROM (SELECT sku, location_id, rn, -quantity AS quantity, false AS open,
                      coalesce(prev2, first_at - CASE WHEN rn = 2 THEN interval '10 days' ELSE interval '20 days' END) AS lo,
                      coalesce(prev1, first_at - interval '10 days') AS hi
                 FROM bench_seq
               UNION ALL
               SELECT s.sku, s.location_id, s.rn + 1, 5 + floor(random() * 120)::int, true, coalesce(s.prev1, s.first_at - interval '10 days'), s.at
                 FROM bench_seq s JOIN bench_pairs p ON p.sku = s.sku AND p.location_id = s.location_id
                WHERE s.rn = s.n AND p.restocked
               UNION ALL
               SELECT 'SKU-' || lpad(n::text, 4, '0'), 'WH-' || (1 + n % :warehouses), 1, 10 + floor(random() * 90)::int, true,
                      :now::timestamptz - interval '360 days', :now::timestamptz
                 FROM generate_series(:soldSkus + 1, :skus) n) r
         JOIN products p ON p.sku = r.sku`,
    );
    // Every movement with its id, in time order; an outbound one with the cost of the layer it empties.
    await run(
      `CREATE TEMP TABLE bench_moves ON COMMIT DROP AS
       SELECT row_number() OVER (ORDER BY at, idempotency_key) AS id, m.*
         FROM (SELECT s.sku, s.location_id, s.rn, s.quantity, s.kind, s.reason_code, s.reference_type, s.reference_id, s.idempotency_key,
                      s.at, i.unit_cost_cents, false AS open
                 FROM bench_seq s JOIN bench_in i ON i.sku = s.sku AND i.location_id = s.location_id AND i.rn = s.rn
               UNION ALL
               SELECT sku, location_id, rn, quantity, 'receipt', NULL, 'receipt', 'rcv_bench_' || sku || '_' || location_id || '_' || rn,
                      'receipt:rcv_bench_' || sku || '_' || location_id || '_' || rn || ':' || sku, at, unit_cost_cents, open
                 FROM bench_in) m`,
    );

    await run(
      `INSERT INTO inventory_levels (sku, location_id, on_hand, updated_at)
       SELECT sku, location_id, sum(quantity), max(at) FROM bench_moves GROUP BY sku, location_id`,
    );
    await run(
      `INSERT INTO inventory_movements (id, sku, location_id, quantity, kind, reason_code, reference_type, reference_id, idempotency_key, created_at)
       SELECT id, sku, location_id, quantity, kind, reason_code, reference_type, reference_id, idempotency_key, at FROM bench_moves ORDER BY id`,
    );
    await run(
      `INSERT INTO cost_layers (id, sku, location_id, movement_id, quantity, remaining, unit_cost_cents, received_at)
       SELECT id, sku, location_id, id, quantity, CASE WHEN open THEN quantity ELSE 0 END, unit_cost_cents, at
         FROM bench_moves WHERE quantity > 0 ORDER BY id`,
    );
    await run(
      `INSERT INTO cost_consumptions (movement_id, layer_id, quantity, unit_cost_cents, consumed_at)
       SELECT o.id, i.id, -o.quantity, o.unit_cost_cents, o.at
         FROM bench_moves o JOIN bench_moves i ON i.sku = o.sku AND i.location_id = o.location_id AND i.rn = o.rn AND i.quantity > 0
        WHERE o.quantity < 0 ORDER BY o.id`,
    );
    for (const table of ['inventory_movements', 'cost_layers']) {
      await trx.raw(`SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT max(id) FROM ??))`, [table, table]);
    }
    await run(
      `INSERT INTO adjustments (id, kind, reason_code, status, value_cents, needs_approval, approval_deadline, workflow_started_at, applied_at,
                                closed_at, created_at, updated_at)
       SELECT reference_id, 'adjustment', reason_code, 'APPLIED', -quantity * unit_cost_cents, false, at + interval '1 day', at, at, at, at, at
         FROM bench_moves WHERE kind = 'adjustment'`,
    );
    await run(
      `INSERT INTO adjustment_lines (adjustment_id, line_no, sku, location_id, quantity, value_cents, movement_id)
       SELECT reference_id, 1, sku, location_id, quantity, quantity * unit_cost_cents, id FROM bench_moves WHERE kind = 'adjustment'`,
    );

    await run(
      `INSERT INTO shipments (id, order_id, shipment_no, location_id, status, amount_cents, carrier, service, tracking_number, delivery_deadline,
                              picked_at, packed_at, shipped_at, delivered_at, created_at, updated_at)
       SELECT o.id || '-1', o.id, 1, o.location_id, CASE WHEN o.delivered_at IS NULL THEN 'IN_TRANSIT' ELSE 'DELIVERED' END, t.total_cents,
              'sandbox', CASE WHEN o.n % 5 = 0 THEN 'express' ELSE 'ground' END, 'BENCH' || lpad(o.n::text, 9, '0'),
              o.shipped_at + interval '96 hours', o.shipped_at - interval '1 hour', o.shipped_at - interval '30 minutes', o.shipped_at,
              o.delivered_at, o.created_at, coalesce(o.delivered_at, o.shipped_at)
         FROM bench_orders o JOIN orders t ON t.id = o.id
        WHERE o.shipped_at IS NOT NULL`,
    );
    await run(
      `INSERT INTO shipment_lines (shipment_id, line_no, sku, quantity, cogs_cents)
       SELECT o.id || '-1', l.line_no, l.sku, l.quantity, l.quantity * m.unit_cost_cents
         FROM bench_orders o JOIN bench_lines l ON l.order_id = o.id
         JOIN bench_moves m ON m.idempotency_key = 'shipment:' || o.id || '-1:' || l.sku
        WHERE o.shipped_at IS NOT NULL`,
    );
    await run(
      `INSERT INTO reservations (order_id, allocation_no, line_no, sku, location_id, quantity, status, shipment_id, created_at, updated_at)
       SELECT o.id, 1, l.line_no, l.sku, o.location_id, l.quantity, 'consumed', o.id || '-1', o.created_at, o.shipped_at
         FROM bench_orders o JOIN bench_lines l ON l.order_id = o.id
        WHERE o.shipped_at IS NOT NULL`,
    );

    // Open purchase orders of three lines each, expected from 30 days ago to 30 days ahead: about half are late.
    await run(
      `INSERT INTO suppliers (id, name, contact, currency, lead_time_days, payment_terms, webhook_secret)
       SELECT 'sup_bench_' || n, 'Supplier ' || n, '{}', 'USD', 7 + n, 'Net 30', 'bench' FROM generate_series(1, 5) n`,
    );
    await run(
      `INSERT INTO purchase_orders (id, supplier_id, location_id, status, submit_mode, source, currency, receipt_tolerance_percent,
                                    expected_at, submitted_at, created_at, updated_at)
       SELECT 'po_bench_' || n, 'sup_bench_' || (1 + n % 5), 'WH-' || (1 + n % :warehouses), CASE WHEN n % 3 = 0 THEN 'CONFIRMED' ELSE 'SUBMITTED' END,
              'auto', 'replenishment', 'USD', 5, at, at - interval '14 days', at - interval '14 days', at - interval '14 days'
         FROM (SELECT n, :now::timestamptz - interval '30 days' + n * interval '1 day' AS at FROM generate_series(1, :purchaseOrders) n) po`,
      { purchaseOrders: PURCHASE_ORDERS },
    );
    await run(
      `INSERT INTO purchase_order_lines (purchase_order_id, line_no, sku, supplier_sku, quantity, unit_cost_cents)
       SELECT 'po_bench_' || n, k, p.sku, 'S-' || p.sku, 10 * k, pr.unit_cost_cents
         FROM generate_series(1, :purchaseOrders) n CROSS JOIN generate_series(1, 3) k
         JOIN (SELECT sku, location_id, row_number() OVER (PARTITION BY location_id ORDER BY sku) AS i FROM bench_pairs) p
           ON p.location_id = 'WH-' || (1 + n % :warehouses) AND p.i = 1 + (n * 31 + k * 7) % 100
         JOIN products pr ON pr.sku = p.sku`,
      { purchaseOrders: PURCHASE_ORDERS },
    );
    await run(
      `INSERT INTO count_tasks (id, location_id, sku, class, status, origin, expected_quantity, counted_quantity, variance, counted_by, counted_at, created_at)
       SELECT 'cnt_bench_' || pair_no, location_id, sku, 'A', 'COUNTED', 'scheduled', 10, 10, 0, 'bench', at, at - interval '1 day'
         FROM (SELECT *, :now::timestamptz - random() * interval '365 days' AS at FROM bench_pairs WHERE pair_no % :every = 0) c`,
      { every: COUNTED_EVERY },
    );
  });
  // Fresh statistics, as a database that has lived through the year would have.
  await db.raw('VACUUM ANALYZE');
}

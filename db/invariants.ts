/**
 * The engine's invariants, checked against the database. Each is one set-based statement, so each
 * sees one consistent snapshot even while workflows keep writing; integration tests check them
 * after every test file and `npm run bench` after its run.
 *
 * 1. Ledger. For every (sku, location), inventory_levels.on_hand equals the sum of its
 *    inventory_movements rows, and there are no movements for a (sku, location) without a level.
 *    Each line of an applied adjustment has its ledger row and an unapplied one none; a counted
 *    task's variance is counted - expected, corrected by an adjustment of those units when not 0.
 * 2. Reservations. For every (sku, location), 0 <= reserved <= on_hand, and reserved equals the sum
 *    of the active reservations there. Quarantine locations (damaged returns) are never allocated:
 *    nothing reserved there and no active reservations; nor is anything reserved at a deactivated location.
 * 3. Order lines. For every order line, qty_shipped + qty_cancelled <= quantity, and qty_shipped
 *    equals the units of that line in the order's shipped parcels (shipments in a status that has
 *    left the warehouse, lost ones excepted), and qty_shipped + qty_lost equals the units the
 *    ledger's shipment movements took out for that order and SKU (a lost parcel's units left the
 *    building; a replacement ships them again). Shipped parcels carry units of the order's lines only, and every shipment
 *    movement belongs to an existing shipment and to an order line of its SKU. Returns: per order
 *    line, qty_returned <= qty_shipped and qty_returned equals the units its return lines received;
 *    per return line, restocked + damaged + scrapped = received. A kit line ships as its components:
 *    its qty_shipped + qty_lost equals the kits its consumed component reservations make (whole kits,
 *    per component), and the ledger's rows for those components count against them, not against the
 *    order's own lines of the component. A kit holds no stock of its own.
 * 4. Money. Per order, counting succeeded payments only: at most one authorization, captured +
 *    voided <= authorized, refunded <= captured, and orders.refunded_cents equals its refunds; and
 *    each shipment's share is captured at most once.
 * 5. Workflows. Every order not in a final status that was created longer ago than a grace period
 *    (settledBeforeSeconds) has had its workflow started (workflow_started_at is set); and, checked
 *    against Temporal by infra/workflow-invariants.ts, the workflow order:<id> of an unfinished order
 *    is running (or paused) while that of an order finished longer than the grace period ago has
 *    ended.
 * 6. Carrier events. Each carrier event is applied at most once: one tracking event per (carrier,
 *    event id), every shipment's webhook marked applied has exactly one tracking event (a return's
 *    events move only its workflow), only webhooks whose signature verified are applied, and every
 *    tracking event belongs to an existing shipment.
 * 7. Cost layers (FIFO). For every (sku, location), the remaining units of its cost layers (our own
 *    plus consigned) equal on_hand; every layer's received units less its remaining ones equal what
 *    its consumption rows took, so the value rebuilt from the ledger (consigned units at zero) equals
 *    the sum of remaining units x unit cost; a movement's layers add up to its units in, and its
 *    consumption rows to its units out.
 * 8. Transfers. A transfer holds its units at the source (in reserved, see 2) until shipped; for every
 *    (sku, location), in_transit equals shipped - received - written off over the open transfers to
 *    it; each shipped line has its one transfer_out row of the units shipped, its transfer_in rows
 *    add up to the units received, and a closed transfer has received (or written off) all it shipped.
 * 9. Purchase orders (db/purchasing-invariants.ts). 10. Dropship (db/dropship-invariants.ts): a
 *    supplier's shipment holds none of our stock, and what it sent is owed once, at its unit costs.
 * 11. Channel availability (db/availability-invariants.ts): a published ATS is never above what its
 *    channel's policy allows for the stock now, for every SKU whose changes have all been published.
 */
import type { Knex } from 'knex';
import { publishedAvailabilityWithinPolicy } from './availability-invariants';
import { dropshipShipmentsMatchPayables } from './dropship-invariants';
import { incomingMatchesOpenPurchaseOrders, purchaseOrderLinesMatchLedger } from './purchasing-invariants';
import { webhookDeliveriesMatchAttempts } from './webhook-invariants';
import { hasShipped } from '../domain/status';
import { FINAL_ORDER_STATUSES, SHIPMENT_STATUSES } from '../domain/types';

/** Orders younger (or closed more recently) than this may still be starting (or ending) their workflow. */
export const DEFAULT_SETTLED_BEFORE_SECONDS = 30;

export interface DatabaseInvariantOptions {
  /** Orders created more recently than this may still be starting their workflow; default 30. */
  settledBeforeSeconds?: number;
}

/** Parcels whose units count as shipped; a LOST parcel's units count as lost instead. */
const SHIPPED_STATUSES = SHIPMENT_STATUSES.filter((status) => hasShipped(status) && status !== 'LOST');

/**
 * Checks invariants 1-6 above against the database (invariant 5 only as far as Postgres knows it;
 * infra/workflow-invariants.ts adds Temporal) and returns one readable line per violation; empty
 * when all hold.
 */
export async function checkInvariants(db: Knex, options: DatabaseInvariantOptions = {}): Promise<string[]> {
  const settledBeforeSeconds = options.settledBeforeSeconds ?? DEFAULT_SETTLED_BEFORE_SECONDS;
  const found = await Promise.all([
    ledgerMatchesOnHand(db),
    reservedMatchesReservations(db),
    quarantineNeverReserved(db),
    inactiveLocationsHoldNothingReserved(db),
    orderLinesMatchShipments(db),
    kitLinesMatchConsumption(db),
    kitsHoldNoStock(db),
    returnedWithinShipped(db),
    returnLinesAddUp(db),
    moneyStaysWithinAuthorization(db),
    refundedTotalMatchesRefunds(db),
    capturedOncePerShipment(db),
    acceptedOrdersHaveWorkflows(db, settledBeforeSeconds),
    carrierEventsAppliedOnce(db),
    adjustmentsMatchLedger(db),
    countTasksMatchCorrections(db),
    costLayersMatchOnHand(db),
    inventoryValueMatchesLayers(db),
    movementsMatchTheirLayers(db),
    inTransitMatchesOpenTransfers(db),
    transfersMatchLedger(db),
    webhookDeliveriesMatchAttempts(db),
    purchaseOrderLinesMatchLedger(db),
    incomingMatchesOpenPurchaseOrders(db),
    dropshipShipmentsMatchPayables(db),
    publishedAvailabilityWithinPolicy(db),
  ]);
  return found.flat();
}

async function rows<T>(db: Knex, sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<T[]> {
  const result = await db.raw(sql, bindings);
  return result.rows as T[];
}

const placeholders = (values: readonly unknown[]): string => values.map(() => '?').join(', ');

/** 1. on_hand of every (sku, location) equals the sum of its ledger rows. */
async function ledgerMatchesOnHand(db: Knex): Promise<string[]> {
  const found = await rows<{ sku: string; location_id: string; on_hand: number | null; ledger: number }>(
    db,
    `SELECT coalesce(l.sku, m.sku) AS sku, coalesce(l.location_id, m.location_id) AS location_id,
            l.on_hand, coalesce(m.total, 0) AS ledger
       FROM inventory_levels l
       FULL JOIN (SELECT sku, location_id, sum(quantity) AS total FROM inventory_movements GROUP BY sku, location_id) m
         ON m.sku = l.sku AND m.location_id = l.location_id
      WHERE l.sku IS NULL OR l.on_hand <> coalesce(m.total, 0)
      ORDER BY 1, 2`,
  );
  return found.map((row) =>
    row.on_hand === null
      ? `invariant 1 (ledger): ${row.sku} at ${row.location_id} has ledger rows summing to ${Number(row.ledger)} but no inventory level`
      : `invariant 1 (ledger): ${row.sku} at ${row.location_id} has on_hand ${row.on_hand} but its ledger sums to ${Number(row.ledger)}`,
  );
}

/** 2. 0 <= reserved <= on_hand, and reserved equals the active reservations (with the holds of transfers not yet shipped). */
async function reservedMatchesReservations(db: Knex): Promise<string[]> {
  const found = await rows<{ sku: string; location_id: string; on_hand: number; reserved: number; active: number }>(
    db,
    `SELECT l.sku, l.location_id, l.on_hand, l.reserved, coalesce(r.total, 0) AS active
       FROM inventory_levels l
       LEFT JOIN (SELECT sku, location_id, sum(quantity) AS total FROM (
                    SELECT sku, location_id, quantity FROM reservations WHERE status = 'active'
                    UNION ALL
                    SELECT tl.sku, t.from_location_id, tl.quantity
                      FROM transfer_lines tl JOIN transfers t ON t.id = tl.transfer_id WHERE t.status = 'RESERVED'
                  ) held GROUP BY sku, location_id) r
         ON r.sku = l.sku AND r.location_id = l.location_id
      WHERE l.reserved < 0 OR l.reserved > l.on_hand OR l.reserved <> coalesce(r.total, 0)
      ORDER BY 1, 2`,
  );
  return found.map((row) => {
    const problems: string[] = [];
    if (row.reserved < 0 || row.reserved > row.on_hand) problems.push(`reserved ${row.reserved} is outside 0..on_hand ${row.on_hand}`);
    if (row.reserved !== Number(row.active)) problems.push(`reserved ${row.reserved} but active reservations sum to ${Number(row.active)}`);
    return `invariant 2 (reservations): ${row.sku} at ${row.location_id}: ${problems.join('; ')}`;
  });
}

/**
 * 2. A deactivated location is never allocated: nothing reserved there (a deactivation is refused
 * while anything is, and reserved cannot grow at an inactive location afterwards).
 */
async function inactiveLocationsHoldNothingReserved(db: Knex): Promise<string[]> {
  const found = await rows<{ sku: string; location_id: string; reserved: number }>(
    db,
    `SELECT l.sku, l.location_id, l.reserved
       FROM inventory_levels l JOIN locations loc ON loc.id = l.location_id
      WHERE NOT loc.active AND l.reserved <> 0
      ORDER BY 1, 2`,
  );
  return found.map((row) => `invariant 2 (reservations): ${row.sku} at deactivated ${row.location_id} has ${row.reserved} reserved`);
}

/** 2. Quarantine stock is never allocated: no units reserved there, no active reservations. */
async function quarantineNeverReserved(db: Knex): Promise<string[]> {
  const found = await rows<{ sku: string; location_id: string; reserved: number; active: number }>(
    db,
    `WITH quarantine AS (SELECT id FROM locations WHERE kind = 'quarantine'),
      held AS (
        SELECT sku, location_id, reserved FROM inventory_levels
         WHERE reserved <> 0 AND location_id IN (SELECT id FROM quarantine)
      ), active AS (
        SELECT sku, location_id, sum(quantity) AS total FROM reservations
         WHERE status = 'active' AND location_id IN (SELECT id FROM quarantine)
         GROUP BY sku, location_id
      )
      SELECT coalesce(h.sku, a.sku) AS sku, coalesce(h.location_id, a.location_id) AS location_id,
             coalesce(h.reserved, 0) AS reserved, coalesce(a.total, 0) AS active
        FROM held h
        FULL JOIN active a ON a.sku = h.sku AND a.location_id = h.location_id
       ORDER BY 1, 2`,
  );
  return found.map(
    (row) =>
      `invariant 2 (reservations): ${row.sku} at quarantine location ${row.location_id} has reserved ${row.reserved} ` +
      `and active reservations of ${Number(row.active)}; quarantine stock is never allocated`,
  );
}

/**
 * 3. Per order line: shipped + cancelled <= ordered, and qty_shipped agrees with the units in the
 * order's shipped parcels and with the ledger's shipment rows. Shipment lines or shipment ledger
 * rows that belong to no order line are reported too.
 */
async function orderLinesMatchShipments(db: Knex): Promise<string[]> {
  const found = await rows<{
    order_id: string | null;
    line_no: number | null;
    sku: string;
    quantity: number | null;
    qty_shipped: number | null;
    qty_lost: number | null;
    qty_cancelled: number | null;
    shipment_units: number;
    ledger_units: number;
    is_kit: boolean | null;
    is_dropship: boolean | null;
  }>(
    db,
    `WITH shipped AS (
        SELECT s.order_id, sl.line_no, sum(sl.quantity) AS units
          FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id
         WHERE s.status IN (${placeholders(SHIPPED_STATUSES)})
         GROUP BY s.order_id, sl.line_no
      ), ledger AS (
        -- Less the components kit lines consumed (kitLinesMatchConsumption ties those to the kits).
        SELECT order_id, sku, sum(units) AS units FROM (
          SELECT s.order_id, m.sku, -m.quantity AS units
            FROM inventory_movements m LEFT JOIN shipments s ON s.id = m.reference_id
           WHERE m.kind = 'shipment' AND m.reference_type = 'shipment'
          UNION ALL
          SELECT order_id, sku, -quantity FROM reservations WHERE status = 'consumed' AND units_per_kit IS NOT NULL
        ) moved
         GROUP BY order_id, sku
        HAVING sum(units) <> 0
      ), lines AS (
        SELECT coalesce(ol.order_id, sh.order_id) AS order_id, coalesce(ol.line_no, sh.line_no) AS line_no,
               ol.sku, ol.quantity, ol.qty_shipped, ol.qty_lost, ol.qty_cancelled, coalesce(sh.units, 0) AS shipment_units,
               coalesce(p.kind = 'kit', false) AS is_kit, ol.dropship_supplier_id IS NOT NULL AS is_dropship
          FROM order_lines ol
          LEFT JOIN products p ON p.sku = ol.sku
          FULL JOIN shipped sh ON sh.order_id = ol.order_id AND sh.line_no = ol.line_no
      )
      SELECT coalesce(lines.order_id, lg.order_id) AS order_id, lines.line_no, coalesce(lines.sku, lg.sku) AS sku,
             lines.quantity, lines.qty_shipped, lines.qty_lost, lines.qty_cancelled,
             coalesce(lines.shipment_units, 0) AS shipment_units, coalesce(lg.units, 0) AS ledger_units, lines.is_kit, lines.is_dropship
        FROM lines
        FULL JOIN ledger lg ON lg.order_id = lines.order_id AND lg.sku = lines.sku
       WHERE lines.quantity IS NULL
          OR lines.qty_shipped + lines.qty_cancelled > lines.quantity
          OR lines.qty_shipped <> lines.shipment_units
          -- Dropshipped lines leave no ledger rows: the supplier's stock moved, not ours.
          OR (NOT lines.is_kit AND NOT lines.is_dropship AND lines.qty_shipped + lines.qty_lost <> coalesce(lg.units, 0))
       ORDER BY 1, 2, 3`,
    SHIPPED_STATUSES,
  );
  return found.map((row) => {
    const shipmentUnits = Number(row.shipment_units);
    const ledgerUnits = Number(row.ledger_units);
    if (row.order_id === null) {
      return `invariant 3 (order lines): shipment ledger rows of ${row.sku} (${ledgerUnits} units) reference no existing shipment`;
    }
    if (row.quantity === null) {
      return row.line_no === null
        ? `invariant 3 (order lines): order ${row.order_id} shipped ${ledgerUnits} units of ${row.sku} per the ledger, which is on no order line`
        : `invariant 3 (order lines): order ${row.order_id} has ${shipmentUnits} shipped units on line ${row.line_no}, which is no order line`;
    }
    const problems: string[] = [];
    if (row.qty_shipped! + row.qty_cancelled! > row.quantity) {
      problems.push(`shipped ${row.qty_shipped} + cancelled ${row.qty_cancelled} exceeds ordered ${row.quantity}`);
    }
    if (row.qty_shipped !== shipmentUnits) problems.push(`qty_shipped ${row.qty_shipped} but its shipped parcels carry ${shipmentUnits}`);
    if (!row.is_kit && !row.is_dropship && row.qty_shipped! + row.qty_lost! !== ledgerUnits) {
      problems.push(`qty_shipped ${row.qty_shipped} + qty_lost ${row.qty_lost} but the ledger shipped ${ledgerUnits}`);
    }
    return `invariant 3 (order lines): order ${row.order_id} line ${row.line_no} (${row.sku}): ${problems.join('; ')}`;
  });
}

/** 3. A kit line's shipped (and lost) kits are the whole kits each of its consumed components makes. */
async function kitLinesMatchConsumption(db: Knex): Promise<string[]> {
  const found = await rows<{ order_id: string; line_no: number; sku: string; shipped: number; component: string | null; kits: string }>(
    db,
    `SELECT ol.order_id, ol.line_no, ol.sku, ol.qty_shipped + ol.qty_lost AS shipped, r.sku AS component, coalesce(r.kits, 0) AS kits
       FROM order_lines ol
       JOIN products p ON p.sku = ol.sku
       LEFT JOIN (SELECT order_id, line_no, sku, sum(quantity::numeric / units_per_kit) AS kits FROM reservations
                   WHERE status = 'consumed' AND units_per_kit IS NOT NULL GROUP BY order_id, line_no, sku) r
         ON r.order_id = ol.order_id AND r.line_no = ol.line_no
      WHERE (p.kind = 'kit' OR r.sku IS NOT NULL)
        AND (ol.qty_shipped + ol.qty_lost <> coalesce(r.kits, 0) OR r.kits <> floor(r.kits))
      ORDER BY 1, 2, 5`,
  );
  return found.map(
    (row) =>
      `invariant 3 (order lines): order ${row.order_id} kit line ${row.line_no} (${row.sku}) shipped ${row.shipped} kits but ` +
      (row.component ? `its consumed ${row.component} makes ${Number(row.kits)}` : 'consumed no components'),
  );
}

/** 1. A kit holds no stock of its own: its components are stocked, reserved and shipped instead. */
async function kitsHoldNoStock(db: Knex): Promise<string[]> {
  const found = await rows<{ sku: string; location_id: string; on_hand: number; reserved: number }>(
    db,
    `SELECT l.sku, l.location_id, l.on_hand, l.reserved FROM inventory_levels l JOIN products p ON p.sku = l.sku
      WHERE p.kind = 'kit' AND (l.on_hand <> 0 OR l.reserved <> 0)
      ORDER BY 1, 2`,
  );
  return found.map((row) => `invariant 1 (ledger): kit ${row.sku} at ${row.location_id} holds stock (on_hand ${row.on_hand}, reserved ${row.reserved})`);
}

/** 3. Per order line: returned <= shipped, and qty_returned equals the units its return lines received. */
async function returnedWithinShipped(db: Knex): Promise<string[]> {
  const found = await rows<{ order_id: string; line_no: number; sku: string; qty_shipped: number; qty_returned: number; received: number }>(
    db,
    `SELECT ol.order_id, ol.line_no, ol.sku, ol.qty_shipped, ol.qty_returned, coalesce(r.units, 0) AS received
       FROM order_lines ol
       LEFT JOIN (SELECT order_id, line_no, sum(qty_received) AS units FROM return_lines GROUP BY order_id, line_no) r
         ON r.order_id = ol.order_id AND r.line_no = ol.line_no
      WHERE ol.qty_returned > ol.qty_shipped OR coalesce(r.units, 0) > ol.qty_shipped OR ol.qty_returned <> coalesce(r.units, 0)
      ORDER BY 1, 2`,
  );
  return found.map((row) => {
    const received = Number(row.received);
    const problems: string[] = [];
    if (row.qty_returned > row.qty_shipped) problems.push(`returned ${row.qty_returned} exceeds shipped ${row.qty_shipped}`);
    if (received > row.qty_shipped) problems.push(`its returns received ${received}, more than shipped ${row.qty_shipped}`);
    if (row.qty_returned !== received) problems.push(`qty_returned ${row.qty_returned} but its returns received ${received}`);
    return `invariant 3 (order lines): order ${row.order_id} line ${row.line_no} (${row.sku}): ${problems.join('; ')}`;
  });
}

/** 3. Every received unit of a return line has exactly one disposition. */
async function returnLinesAddUp(db: Knex): Promise<string[]> {
  const found = await rows<{
    return_id: string;
    line_no: number;
    sku: string;
    qty_received: number;
    qty_restocked: number;
    qty_damaged: number;
    qty_scrapped: number;
  }>(
    db,
    `SELECT return_id, line_no, sku, qty_received, qty_restocked, qty_damaged, qty_scrapped FROM return_lines
      WHERE qty_restocked + qty_damaged + qty_scrapped <> qty_received
      ORDER BY 1, 2`,
  );
  return found.map(
    (row) =>
      `invariant 3 (order lines): return ${row.return_id} line ${row.line_no} (${row.sku}): restocked ${row.qty_restocked} + ` +
      `damaged ${row.qty_damaged} + scrapped ${row.qty_scrapped} but received ${row.qty_received}`,
  );
}

/** 4. Per order, succeeded payments only: one authorization, captures and voids within it, refunds within captures. */
async function moneyStaysWithinAuthorization(db: Knex): Promise<string[]> {
  const found = await rows<{
    order_id: string;
    authorizations: number;
    authorized: number;
    captured: number;
    voided: number;
    refunded: number;
  }>(
    db,
    `SELECT order_id, authorizations, authorized, captured, voided, refunded FROM (
        SELECT order_id,
               count(*) FILTER (WHERE kind = 'authorization') AS authorizations,
               coalesce(sum(amount_cents) FILTER (WHERE kind = 'authorization'), 0) AS authorized,
               coalesce(sum(amount_cents) FILTER (WHERE kind = 'capture'), 0) AS captured,
               coalesce(sum(amount_cents) FILTER (WHERE kind = 'void'), 0) AS voided,
               coalesce(sum(amount_cents) FILTER (WHERE kind = 'refund'), 0) AS refunded
          FROM payments WHERE status = 'succeeded' GROUP BY order_id
      ) totals
      WHERE authorizations > 1 OR captured + voided > authorized OR refunded > captured
      ORDER BY order_id`,
  );
  return found.map((row) => {
    const [authorizations, authorized, captured, voided, refunded] = [
      row.authorizations, row.authorized, row.captured, row.voided, row.refunded,
    ].map(Number);
    const problems: string[] = [];
    if (authorizations > 1) problems.push(`${authorizations} succeeded authorizations`);
    if (captured > authorized) problems.push(`captured ${captured} exceeds authorized ${authorized}`);
    else if (captured + voided > authorized) problems.push(`voided ${voided} + captured ${captured} exceeds authorized ${authorized}`);
    if (refunded > captured) problems.push(`refunded ${refunded} exceeds captured ${captured}`);
    return `invariant 4 (money): order ${row.order_id}: ${problems.join('; ')}`;
  });
}

/** 4. The order's refunded total is what its succeeded refunds add up to. */
async function refundedTotalMatchesRefunds(db: Knex): Promise<string[]> {
  const found = await rows<{ id: string; refunded_cents: number; refunds: number }>(
    db,
    `SELECT o.id, o.refunded_cents, coalesce(p.total, 0) AS refunds
       FROM orders o
       LEFT JOIN (SELECT order_id, sum(amount_cents) AS total FROM payments
                   WHERE kind = 'refund' AND status = 'succeeded' GROUP BY order_id) p
         ON p.order_id = o.id
      WHERE o.refunded_cents <> coalesce(p.total, 0)
      ORDER BY o.id`,
  );
  return found.map(
    (row) => `invariant 4 (money): order ${row.id} says refunded ${row.refunded_cents} but its succeeded refunds sum to ${Number(row.refunds)}`,
  );
}

/** 4. A shipment's share is captured once. */
async function capturedOncePerShipment(db: Knex): Promise<string[]> {
  const found = await rows<{ shipment_id: string; order_id: string; captures: number }>(
    db,
    `SELECT shipment_id, min(order_id) AS order_id, count(*) AS captures
       FROM payments
      WHERE kind = 'capture' AND status = 'succeeded' AND shipment_id IS NOT NULL
      GROUP BY shipment_id HAVING count(*) > 1
      ORDER BY shipment_id`,
  );
  return found.map(
    (row) => `invariant 4 (money): shipment ${row.shipment_id} of order ${row.order_id} has ${Number(row.captures)} succeeded captures`,
  );
}

/** 5. An accepted order that is not finished has had its workflow started. */
async function acceptedOrdersHaveWorkflows(db: Knex, settledBeforeSeconds: number): Promise<string[]> {
  const found = await rows<{ id: string; status: string }>(
    db,
    `SELECT id, status FROM orders
      WHERE status NOT IN (${placeholders(FINAL_ORDER_STATUSES)})
        AND workflow_started_at IS NULL
        AND created_at < now() - make_interval(secs => ?)
      ORDER BY id`,
    [...FINAL_ORDER_STATUSES, settledBeforeSeconds],
  );
  return found.map((row) => `invariant 5 (workflows): order ${row.id} is ${row.status} but its workflow was never started`);
}

/**
 * 6. Each carrier event is applied at most once: one tracking event per (carrier, event id), every
 * applied webhook of a shipment has exactly one, only verified webhooks are applied, and every
 * tracking event belongs to an existing shipment.
 */
async function carrierEventsAppliedOnce(db: Knex): Promise<string[]> {
  const found = await rows<{ problem: string; carrier: string; event_id: string | null; count: number; shipment_id: string | null }>(
    db,
    `SELECT 'duplicate' AS problem, carrier, event_id, count(*) AS count, NULL AS shipment_id
       FROM tracking_events GROUP BY carrier, event_id HAVING count(*) > 1
     UNION ALL
     SELECT 'applied_without_one', w.carrier, w.event_id, count(t.id), NULL
       FROM webhook_events w
       LEFT JOIN tracking_events t ON t.carrier = w.carrier AND t.event_id = w.event_id
      WHERE w.applied_at IS NOT NULL AND w.return_id IS NULL
      GROUP BY w.id, w.carrier, w.event_id HAVING count(t.id) <> 1
     UNION ALL
     SELECT 'applied_unverified', carrier, event_id, 0, NULL
       FROM webhook_events WHERE applied_at IS NOT NULL AND NOT signature_valid
     UNION ALL
     SELECT 'no_shipment', t.carrier, t.event_id, 0, t.shipment_id
       FROM tracking_events t LEFT JOIN shipments s ON s.id = t.shipment_id
      WHERE s.id IS NULL
     ORDER BY 1, 2, 3`,
  );
  return found.map((row) => {
    const event = `${row.carrier} event ${row.event_id}`;
    switch (row.problem) {
      case 'duplicate':
        return `invariant 6 (carrier events): ${event} was recorded ${Number(row.count)} times`;
      case 'applied_without_one':
        return `invariant 6 (carrier events): webhook ${event} is marked applied but has ${Number(row.count)} tracking events`;
      case 'applied_unverified':
        return `invariant 6 (carrier events): webhook ${event} failed its signature check but is marked applied`;
      default:
        return `invariant 6 (carrier events): tracking ${event} belongs to shipment ${row.shipment_id}, which does not exist`;
    }
  });
}

/** 7. The remaining units of the cost layers (our own plus consigned) equal on_hand, per (sku, location). */
async function costLayersMatchOnHand(db: Knex): Promise<string[]> {
  const found = await rows<{ sku: string; location_id: string; on_hand: number; owned: number; consigned: number }>(
    db,
    `SELECT l.sku, l.location_id, l.on_hand,
            coalesce(c.owned, 0) AS owned, coalesce(c.consigned, 0) AS consigned
       FROM inventory_levels l
       LEFT JOIN (SELECT sku, location_id,
                         sum(remaining) FILTER (WHERE owner_id IS NULL) AS owned,
                         sum(remaining) FILTER (WHERE owner_id IS NOT NULL) AS consigned
                    FROM cost_layers GROUP BY sku, location_id) c
         ON c.sku = l.sku AND c.location_id = l.location_id
      WHERE l.on_hand <> coalesce(c.owned, 0) + coalesce(c.consigned, 0)
      ORDER BY 1, 2`,
  );
  return found.map(
    (row) =>
      `invariant 7 (cost layers): ${row.sku} at ${row.location_id} has on_hand ${row.on_hand} but its layers hold ` +
      `${Number(row.owned)} own + ${Number(row.consigned)} consigned units`,
  );
}

/**
 * 7. Each layer's consumed units (received less remaining) equal its consumption rows, so the value
 * the ledger gives (received less consumed, at the layer's cost, consigned at zero) is the value of
 * the remaining units; checked as value per (sku, location).
 */
async function inventoryValueMatchesLayers(db: Knex): Promise<string[]> {
  const found = await rows<{ sku: string; location_id: string; value: number; from_ledger: number }>(
    db,
    `SELECT l.sku, l.location_id,
            sum(l.remaining::bigint * l.unit_cost_cents) FILTER (WHERE l.owner_id IS NULL) AS value,
            sum((l.quantity - coalesce(c.taken, 0))::bigint * l.unit_cost_cents) FILTER (WHERE l.owner_id IS NULL) AS from_ledger
       FROM cost_layers l
       LEFT JOIN (SELECT layer_id, sum(quantity) AS taken FROM cost_consumptions GROUP BY layer_id) c ON c.layer_id = l.id
      GROUP BY l.sku, l.location_id
     HAVING bool_or(l.quantity - l.remaining <> coalesce(c.taken, 0))
      ORDER BY 1, 2`,
  );
  return found.map(
    (row) =>
      `invariant 7 (cost layers): ${row.sku} at ${row.location_id}: remaining layers are worth ${Number(row.value ?? 0)} cents ` +
      `but their receipts less consumptions give ${Number(row.from_ledger ?? 0)} (consumed units disagree with the consumption rows)`,
  );
}

/** 7. A movement's layers add up to the units it brought in, its consumption rows to the units it took out. */
async function movementsMatchTheirLayers(db: Knex): Promise<string[]> {
  const found = await rows<{ id: number; sku: string; location_id: string; quantity: number; layered: number; consumed: number }>(
    db,
    `SELECT m.id, m.sku, m.location_id, m.quantity, coalesce(l.units, 0) AS layered, coalesce(c.units, 0) AS consumed
       FROM inventory_movements m
       LEFT JOIN (SELECT movement_id, sum(quantity) AS units FROM cost_layers GROUP BY movement_id) l ON l.movement_id = m.id
       LEFT JOIN (SELECT movement_id, sum(quantity) AS units FROM cost_consumptions GROUP BY movement_id) c ON c.movement_id = m.id
      WHERE (l.units IS NOT NULL OR c.units IS NOT NULL)
        AND (coalesce(l.units, 0) - coalesce(c.units, 0) <> m.quantity
             OR (m.quantity > 0 AND c.units IS NOT NULL) OR (m.quantity < 0 AND l.units IS NOT NULL))
      ORDER BY 1`,
  );
  return found.map(
    (row) =>
      `invariant 7 (cost layers): movement ${row.id} (${row.quantity} ${row.sku} at ${row.location_id}) has layers of ` +
      `${Number(row.layered)} and consumptions of ${Number(row.consumed)} units`,
  );
}

/**
 * 1. Adjustments: every line of an APPLIED adjustment (or count correction) has its one ledger row of
 * the same units; an adjustment not applied (waiting, rejected, expired) has moved nothing.
 */
async function adjustmentsMatchLedger(db: Knex): Promise<string[]> {
  const found = await rows<{ adjustment_id: string; line_no: number; status: string; quantity: number; moved: number | null }>(
    db,
    `SELECT a.id AS adjustment_id, l.line_no, a.status, l.quantity, m.quantity AS moved
       FROM adjustment_lines l
       JOIN adjustments a ON a.id = l.adjustment_id
       LEFT JOIN inventory_movements m ON m.idempotency_key = 'adjustment:' || a.id || ':' || l.line_no
      WHERE (a.status = 'APPLIED') <> (m.id IS NOT NULL)
         OR m.quantity <> l.quantity
         OR m.kind <> a.kind
         OR (a.status = 'APPLIED') <> (l.movement_id IS NOT DISTINCT FROM m.id AND m.id IS NOT NULL)
      ORDER BY 1, 2`,
  );
  return found.map(
    (row) =>
      `invariant 1 (ledger): adjustment ${row.adjustment_id} line ${row.line_no} is ${row.status} for ${row.quantity} units, ` +
      `but the ledger moved ${row.moved ?? 'nothing'}`,
  );
}

/** 1. Count tasks: a counted task's variance is counted - expected, and it has a correction exactly when the variance is not 0, of that many units. */
async function countTasksMatchCorrections(db: Knex): Promise<string[]> {
  const found = await rows<{ id: string; variance: number | null; correction: number | null }>(
    db,
    `SELECT c.id, c.variance, l.quantity AS correction
       FROM count_tasks c
       LEFT JOIN adjustment_lines l ON l.adjustment_id = c.adjustment_id
      WHERE c.status = 'COUNTED'
        AND (c.variance IS DISTINCT FROM c.counted_quantity - c.expected_quantity
             OR (c.variance = 0) <> (c.adjustment_id IS NULL)
             OR (c.variance <> 0 AND l.quantity IS DISTINCT FROM c.variance))
      ORDER BY 1`,
  );
  return found.map((row) => `invariant 1 (ledger): count task ${row.id} has variance ${row.variance} but a correction of ${row.correction ?? 'nothing'}`);
}

/** 8. in_transit of every (sku, location) is what open transfers to it shipped and have neither received nor written off. */
async function inTransitMatchesOpenTransfers(db: Knex): Promise<string[]> {
  const found = await rows<{ sku: string; location_id: string; in_transit: number | null; open: number }>(
    db,
    `WITH open AS (
        SELECT tl.sku, t.to_location_id AS location_id, sum(tl.shipped - tl.received - tl.written_off) AS units
          FROM transfer_lines tl JOIN transfers t ON t.id = tl.transfer_id
         WHERE t.status IN ('RESERVED', 'IN_TRANSIT')
         GROUP BY 1, 2
      )
      SELECT coalesce(l.sku, o.sku) AS sku, coalesce(l.location_id, o.location_id) AS location_id,
             l.in_transit, coalesce(o.units, 0) AS open
        FROM (SELECT sku, location_id, in_transit FROM inventory_levels WHERE in_transit <> 0) l
        FULL JOIN open o ON o.sku = l.sku AND o.location_id = l.location_id
       WHERE coalesce(l.in_transit, 0) <> coalesce(o.units, 0)
       ORDER BY 1, 2`,
  );
  return found.map(
    (row) =>
      `invariant 8 (transfers): ${row.sku} at ${row.location_id} has in_transit ${row.in_transit ?? 0} but open transfers ` +
      `have ${Number(row.open)} units shipped there and not received or written off`,
  );
}

/**
 * 8. Per transfer line: one transfer_out row of -shipped at the source once shipped (none before), its
 * transfer_in rows at the destination summing to received; a RECEIVED transfer received all it
 * shipped, a CLOSED_SHORT one received or wrote off all of it.
 */
async function transfersMatchLedger(db: Knex): Promise<string[]> {
  const found = await rows<{ transfer_id: string; line_no: number; status: string; shipped: number; received: number; written_off: number; moved_out: number; moved_in: number }>(
    db,
    `SELECT t.id AS transfer_id, tl.line_no, t.status, tl.shipped, tl.received, tl.written_off,
            coalesce(o.units, 0) AS moved_out, coalesce(i.units, 0) AS moved_in
       FROM transfer_lines tl
       JOIN transfers t ON t.id = tl.transfer_id
       LEFT JOIN (SELECT reference_id, sku, location_id, -sum(quantity) AS units FROM inventory_movements
                   WHERE kind = 'transfer_out' AND reference_type = 'transfer' GROUP BY 1, 2, 3) o
         ON o.reference_id = t.id AND o.sku = tl.sku AND o.location_id = t.from_location_id
       LEFT JOIN (SELECT reference_id, sku, location_id, sum(quantity) AS units FROM inventory_movements
                   WHERE kind = 'transfer_in' AND reference_type = 'transfer' GROUP BY 1, 2, 3) i
         ON i.reference_id = t.id AND i.sku = tl.sku AND i.location_id = t.to_location_id
      WHERE coalesce(o.units, 0) <> tl.shipped
         OR coalesce(i.units, 0) <> tl.received
         OR (t.status = 'RESERVED' AND tl.shipped <> 0)
         OR (t.status = 'RECEIVED' AND tl.received <> tl.shipped)
         OR (t.status = 'CLOSED_SHORT' AND tl.received + tl.written_off <> tl.shipped)
      ORDER BY 1, 2`,
  );
  return found.map(
    (row) =>
      `invariant 8 (transfers): transfer ${row.transfer_id} line ${row.line_no} is ${row.status} with shipped ${row.shipped}, ` +
      `received ${row.received}, written off ${row.written_off}, but the ledger moved ${Number(row.moved_out)} out and ${Number(row.moved_in)} in`,
  );
}

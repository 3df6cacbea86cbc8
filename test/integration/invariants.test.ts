import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import { checkAllInvariants as checkInvariants, InvariantOptions } from '../../infra/workflow-invariants';
import { createDb, Db, ensureDatabase, migrateLatest } from '../../db/knex';
import { dropDatabase } from '../../dev/harness/drop-database';
import { expectInvariants } from '../helpers/invariants';

/**
 * Breaking invariants on purpose must not disturb the tests sharing the run's database,
 * so this suite seeds and breaks a scratch database of its own.
 */
const scratchUrl = (() => {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname}_invariants_${randomBytes(4).toString('hex')}`;
  return url.toString();
})();

const orderId = `inv-${randomBytes(6).toString('hex')}`;
const firstShipment = `${orderId}-1`;
const secondShipment = `${orderId}-2`;
const returnId = `${orderId}-r1`;
const settledNow: InvariantOptions = { settledBeforeSeconds: 0 };

let db: Db;

beforeAll(async () => {
  await ensureDatabase(scratchUrl);
  db = createDb(scratchUrl, 4);
  await migrateLatest(db);
  await seedConsistentState(db);
});

afterAll(async () => {
  await db?.destroy();
  await dropDatabase(scratchUrl);
});

/**
 * One partially shipped order: line 1 has 3 of 5 units in a delivered parcel (ledger, consumed
 * reservation, capture, tracking) and 2 reserved for a parcel still to be picked; line 2 was cancelled.
 * One unit of line 1 came back damaged: it sits in the warehouse's quarantine location.
 */
async function seedConsistentState(knex: Knex): Promise<void> {
  await knex('products').insert([
    { sku: 'INV-A', name: 'Mug', upc: '000000000017', unit_price_cents: 1000, weight_grams: 300 },
    { sku: 'INV-B', name: 'Tea', upc: '000000000024', unit_price_cents: 500, weight_grams: 100 },
    { sku: 'INV-C', name: 'Spoon', upc: '000000000031', unit_price_cents: 200, weight_grams: 20 },
  ]);
  await knex('locations').insert([
    { id: 'inv-wh', name: 'Main', fulfillment_mode: 'manual', priority: 1, address: {} },
    { id: 'inv-wh2', name: 'Overflow', fulfillment_mode: 'auto', priority: 2, address: {} },
  ]);
  await knex('locations').insert({
    id: 'inv-wh-q',
    name: 'Main quarantine',
    kind: 'quarantine',
    parent_location_id: 'inv-wh',
    fulfillment_mode: 'manual',
    priority: 99,
    address: {},
  });
  await knex('inventory_levels').insert([
    { sku: 'INV-A', location_id: 'inv-wh', on_hand: 7, reserved: 2 },
    { sku: 'INV-B', location_id: 'inv-wh', on_hand: 5, reserved: 0 },
    // A level that never saw stock needs no ledger rows.
    { sku: 'INV-C', location_id: 'inv-wh2', on_hand: 0, reserved: 0 },
    { sku: 'INV-A', location_id: 'inv-wh-q', on_hand: 1, reserved: 0 },
  ]);
  const [receivedA, shippedA, receivedB, returnedA] = await knex('inventory_movements')
    .insert([
      movement('INV-A', 'inv-wh', 10, 'receipt', 'receipt', 'rcpt-1'),
      movement('INV-A', 'inv-wh', -3, 'shipment', 'shipment', firstShipment),
      movement('INV-B', 'inv-wh', 5, 'receipt', 'receipt', 'rcpt-1'),
      movement('INV-A', 'inv-wh-q', 1, 'return', 'return', returnId),
    ])
    .returning('id');
  // FIFO layers: INV-A's receipt with the shipped 3 taken from it, INV-B's receipt, the returned unit.
  const [layerA] = await knex('cost_layers')
    .insert([
      { sku: 'INV-A', location_id: 'inv-wh', movement_id: receivedA.id, quantity: 10, remaining: 7, unit_cost_cents: 400 },
      { sku: 'INV-B', location_id: 'inv-wh', movement_id: receivedB.id, quantity: 5, remaining: 5, unit_cost_cents: 250 },
      { sku: 'INV-A', location_id: 'inv-wh-q', movement_id: returnedA.id, quantity: 1, remaining: 1, unit_cost_cents: 400 },
    ])
    .returning('id');
  await knex('cost_consumptions').insert({ movement_id: shippedA.id, layer_id: layerA.id, quantity: 3, unit_cost_cents: 400 });
  await knex('orders').insert({
    id: orderId,
    customer_id: 'cust-1',
    channel: 'web',
    status: 'PARTIALLY_SHIPPED',
    backorder_policy: 'wait',
    currency: 'USD',
    items_cents: 6000,
    shipping_cents: 500,
    total_cents: 6500,
    payment_token: 'tok_visa',
    capture_mode: 'on_shipment',
    shipping_address: {},
    workflow_started_at: knex.fn.now(),
    refunded_cents: 500,
  });
  await knex('order_lines').insert([
    { order_id: orderId, line_no: 1, sku: 'INV-A', quantity: 5, unit_price_cents: 1000, qty_shipped: 3, qty_returned: 1 },
    { order_id: orderId, line_no: 2, sku: 'INV-B', quantity: 2, unit_price_cents: 500, qty_cancelled: 2 },
  ]);
  await knex('shipments').insert([
    { id: firstShipment, order_id: orderId, shipment_no: 1, location_id: 'inv-wh', status: 'DELIVERED', amount_cents: 3500, carrier: 'sandbox', tracking_number: `TRK-${orderId}` },
    { id: secondShipment, order_id: orderId, shipment_no: 2, location_id: 'inv-wh', status: 'AWAITING_PICK', amount_cents: 2000 },
  ]);
  await knex('shipment_lines').insert([
    { shipment_id: firstShipment, line_no: 1, sku: 'INV-A', quantity: 3 },
    { shipment_id: secondShipment, line_no: 1, sku: 'INV-A', quantity: 2 },
  ]);
  await knex('reservations').insert([
    { order_id: orderId, allocation_no: 1, line_no: 1, sku: 'INV-A', location_id: 'inv-wh', quantity: 3, status: 'consumed', shipment_id: firstShipment },
    { order_id: orderId, allocation_no: 2, line_no: 1, sku: 'INV-A', location_id: 'inv-wh', quantity: 2, status: 'active', shipment_id: secondShipment },
  ]);
  await knex('payments').insert([
    payment('authorization', 6500, 'declined', 'auth-declined'),
    payment('authorization', 6500, 'succeeded', 'auth'),
    { ...payment('capture', 3500, 'succeeded', 'capture-1'), shipment_id: firstShipment },
    payment('refund', 500, 'succeeded', 'refund-1'),
    // A refund the gateway declined moves no money and counts nowhere.
    payment('refund', 700, 'declined', 'refund-declined'),
  ]);
  await knex('returns').insert({
    id: returnId,
    order_id: orderId,
    customer_id: 'cust-1',
    channel: 'web',
    location_id: 'inv-wh',
    status: 'RECEIVED',
    currency: 'USD',
    requested_cents: 1000,
    policy: {},
  });
  await knex('return_lines').insert({
    return_id: returnId,
    line_no: 1,
    order_id: orderId,
    sku: 'INV-A',
    quantity: 1,
    reason: 'damaged',
    unit_price_cents: 1000,
    qty_received: 1,
    qty_damaged: 1,
  });
  await knex('tracking_events').insert([
    trackingEvent('evt-1', 'picked_up', firstShipment),
    trackingEvent('evt-2', 'in_transit', firstShipment),
  ]);
  await knex('webhook_events').insert([
    { carrier: 'sandbox', event_id: 'evt-1', signature_valid: true, shipment_id: firstShipment, applied_at: knex.fn.now() },
    // A forged copy of a real event: recorded, never applied.
    { carrier: 'sandbox', event_id: 'evt-1', signature_valid: false },
  ]);
}

function movement(sku: string, locationId: string, quantity: number, kind: string, referenceType: string, referenceId: string) {
  return {
    sku,
    location_id: locationId,
    quantity,
    kind,
    reference_type: referenceType,
    reference_id: referenceId,
    idempotency_key: `${kind}:${referenceId}:${sku}:${randomBytes(4).toString('hex')}`,
  };
}

function payment(kind: string, amountCents: number, status: string, key: string) {
  return { order_id: orderId, kind, status, amount_cents: amountCents, currency: 'USD', idempotency_key: `${orderId}:${key}` };
}

function trackingEvent(eventId: string, status: string, shipmentId: string) {
  return { shipment_id: shipmentId, carrier: 'sandbox', event_id: eventId, status, occurred_at: new Date() };
}

/** Breaks something inside a transaction, checks, and rolls back: the seeded state is restored. */
async function violationsAfter(
  breakIt: (trx: Knex.Transaction) => Promise<unknown>,
  options: InvariantOptions = settledNow,
): Promise<string[]> {
  const trx = await db.transaction();
  try {
    await breakIt(trx);
    return await checkInvariants(trx, options);
  } finally {
    await trx.rollback();
  }
}

const level = (trx: Knex, sku: string, locationId: string) => trx('inventory_levels').where({ sku, location_id: locationId });

/** Drops the CHECK of a table whose definition contains the given text, to store what it forbids. */
async function dropCheck(trx: Knex, table: string, containing: string): Promise<void> {
  const { rows } = await trx.raw(
    `SELECT conname FROM pg_constraint WHERE conrelid = ?::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE ?`,
    [table, `%${containing}%`],
  );
  expect(rows).toHaveLength(1);
  await trx.raw('ALTER TABLE ?? DROP CONSTRAINT ??', [table, rows[0].conname]);
}

describe('checkInvariants on a consistent database', () => {
  it('reports nothing', async () => {
    expect(await checkInvariants(db, settledNow)).toEqual([]);
    await expectInvariants(db);
  });
});

describe('checkInvariants reports exactly the broken invariant', () => {
  afterEach(async () => {
    expect(await checkInvariants(db, settledNow)).toEqual([]);
  });

  describe('1. on_hand equals the ledger', () => {
    it('on_hand changed without a ledger row', async () => {
      expect(await violationsAfter((trx) => level(trx, 'INV-B', 'inv-wh').increment('on_hand', 1))).toEqual([
        'invariant 1 (ledger): INV-B at inv-wh has on_hand 6 but its ledger sums to 5',
        'invariant 7 (cost layers): INV-B at inv-wh has on_hand 6 but its layers hold 5 own + 0 consigned units',
      ]);
    });

    it('stock on a level that has no ledger rows', async () => {
      expect(await violationsAfter((trx) => level(trx, 'INV-C', 'inv-wh2').update({ on_hand: 1 }))).toEqual([
        'invariant 1 (ledger): INV-C at inv-wh2 has on_hand 1 but its ledger sums to 0',
        'invariant 7 (cost layers): INV-C at inv-wh2 has on_hand 1 but its layers hold 0 own + 0 consigned units',
      ]);
    });

    it('ledger rows without an inventory level', async () => {
      const violations = await violationsAfter((trx) =>
        trx('inventory_movements').insert(movement('INV-C', 'inv-wh', 4, 'receipt', 'receipt', 'rcpt-2')),
      );
      expect(violations).toEqual(['invariant 1 (ledger): INV-C at inv-wh has ledger rows summing to 4 but no inventory level']);
    });
  });

  describe('2. reserved matches active reservations and stays within on_hand', () => {
    it('reserved differs from the active reservations', async () => {
      expect(await violationsAfter((trx) => level(trx, 'INV-A', 'inv-wh').update({ reserved: 1 }))).toEqual([
        'invariant 2 (reservations): INV-A at inv-wh: reserved 1 but active reservations sum to 2',
      ]);
    });

    it('a reservation released without releasing the reserved units', async () => {
      const violations = await violationsAfter((trx) =>
        trx('reservations').where({ order_id: orderId, status: 'active' }).update({ status: 'released' }),
      );
      expect(violations).toEqual(['invariant 2 (reservations): INV-A at inv-wh: reserved 2 but active reservations sum to 0']);
    });

    it('more reserved than on hand (with the database CHECK out of the way)', async () => {
      const violations = await violationsAfter(async (trx) => {
        await trx.raw('ALTER TABLE inventory_levels DROP CONSTRAINT reserved_within_on_hand');
        await trx('reservations').where({ order_id: orderId, status: 'active' }).update({ quantity: 9 });
        await level(trx, 'INV-A', 'inv-wh').update({ reserved: 9 });
      });
      expect(violations).toEqual(['invariant 2 (reservations): INV-A at inv-wh: reserved 9 is outside 0..on_hand 7']);
    });

    it('quarantine stock reserved for an order', async () => {
      const violations = await violationsAfter(async (trx) => {
        await trx('reservations').insert({ order_id: orderId, allocation_no: 3, line_no: 1, sku: 'INV-A', location_id: 'inv-wh-q', quantity: 1 });
        await level(trx, 'INV-A', 'inv-wh-q').update({ reserved: 1 });
      });
      expect(violations).toEqual([
        'invariant 2 (reservations): INV-A at quarantine location inv-wh-q has reserved 1 and active reservations of 1; quarantine stock is never allocated',
      ]);
    });

    it('reserved stock at a deactivated location', async () => {
      const violations = await violationsAfter((trx) => trx('locations').where({ id: 'inv-wh' }).update({ active: false }));
      expect(violations).toEqual(['invariant 2 (reservations): INV-A at deactivated inv-wh has 2 reserved']);
    });
  });

  describe('3. order lines agree with shipments and the ledger', () => {
    it('shipped plus cancelled exceeds ordered (with the database CHECK out of the way)', async () => {
      const violations = await violationsAfter(async (trx) => {
        await trx.raw('ALTER TABLE order_lines DROP CONSTRAINT order_lines_check');
        await trx('order_lines').where({ order_id: orderId, line_no: 1 }).update({ qty_cancelled: 3 });
      });
      expect(violations).toEqual([
        `invariant 3 (order lines): order ${orderId} line 1 (INV-A): shipped 3 + cancelled 3 exceeds ordered 5`,
      ]);
    });

    it('a parcel marked shipped without counting its units as shipped', async () => {
      const violations = await violationsAfter((trx) => trx('shipments').where({ id: secondShipment }).update({ status: 'SHIPPED' }));
      expect(violations).toEqual([
        `invariant 3 (order lines): order ${orderId} line 1 (INV-A): qty_shipped 3 but its shipped parcels carry 5`,
      ]);
    });

    it('the ledger shipped more than the line says', async () => {
      const violations = await violationsAfter(async (trx) => {
        await trx('inventory_movements').insert(movement('INV-A', 'inv-wh', -1, 'shipment', 'shipment', firstShipment));
        await level(trx, 'INV-A', 'inv-wh').decrement('on_hand', 1);
      });
      expect(violations).toEqual([
        `invariant 3 (order lines): order ${orderId} line 1 (INV-A): qty_shipped 3 + qty_lost 0 but the ledger shipped 4`,
        'invariant 7 (cost layers): INV-A at inv-wh has on_hand 6 but its layers hold 7 own + 0 consigned units',
      ]);
    });

    it('a lost parcel counts as lost, not shipped: recorded so it holds, left as shipped it does not', async () => {
      const lostProperly = await violationsAfter(async (trx) => {
        // A lost parcel's unit cannot have come back: take the return's receipt away first.
        await trx('return_lines').where({ return_id: returnId }).update({ qty_received: 0, qty_damaged: 0 });
        await trx('shipments').where({ id: firstShipment }).update({ status: 'LOST' });
        await trx('order_lines').where({ order_id: orderId, line_no: 1 }).update({ qty_shipped: 0, qty_lost: 3, qty_returned: 0 });
      });
      expect(lostProperly).toEqual([]);
      const notMoved = await violationsAfter((trx) => trx('shipments').where({ id: firstShipment }).update({ status: 'LOST' }));
      expect(notMoved).toEqual([`invariant 3 (order lines): order ${orderId} line 1 (INV-A): qty_shipped 3 but its shipped parcels carry 0`]);
    });

    it('a shipment ledger row that names no shipment', async () => {
      const violations = await violationsAfter(async (trx) => {
        await trx('inventory_movements').insert(movement('INV-B', 'inv-wh', -1, 'shipment', 'shipment', 'no-such-shipment'));
        await level(trx, 'INV-B', 'inv-wh').decrement('on_hand', 1);
      });
      expect(violations).toEqual([
        'invariant 3 (order lines): shipment ledger rows of INV-B (1 units) reference no existing shipment',
        'invariant 7 (cost layers): INV-B at inv-wh has on_hand 4 but its layers hold 5 own + 0 consigned units',
      ]);
    });

    it('a returned unit not counted on its order line', async () => {
      const violations = await violationsAfter((trx) => trx('order_lines').where({ order_id: orderId, line_no: 1 }).update({ qty_returned: 0 }));
      expect(violations).toEqual([`invariant 3 (order lines): order ${orderId} line 1 (INV-A): qty_returned 0 but its returns received 1`]);
    });

    it('more units returned than shipped (with the database CHECK out of the way)', async () => {
      const violations = await violationsAfter(async (trx) => {
        await dropCheck(trx, 'order_lines', 'qty_returned <= qty_shipped');
        await trx('order_lines').where({ order_id: orderId, line_no: 1 }).update({ qty_returned: 4 });
        await trx('return_lines').where({ return_id: returnId }).update({ quantity: 4, qty_received: 4, qty_damaged: 4 });
      });
      expect(violations).toEqual([
        `invariant 3 (order lines): order ${orderId} line 1 (INV-A): returned 4 exceeds shipped 3; its returns received 4, more than shipped 3`,
      ]);
    });

    it('received units whose dispositions do not add up (with the database CHECK out of the way)', async () => {
      const violations = await violationsAfter(async (trx) => {
        await dropCheck(trx, 'return_lines', 'qty_restocked + qty_damaged');
        await trx('return_lines').where({ return_id: returnId }).update({ qty_restocked: 1 });
      });
      expect(violations).toEqual([
        `invariant 3 (order lines): return ${returnId} line 1 (INV-A): restocked 1 + damaged 1 + scrapped 0 but received 1`,
      ]);
    });
  });

  describe('4. money stays within the authorization', () => {
    it('captured more than authorized', async () => {
      const violations = await violationsAfter((trx) =>
        trx('payments').insert({ ...payment('capture', 4000, 'succeeded', 'capture-2'), shipment_id: secondShipment }),
      );
      expect(violations).toEqual([`invariant 4 (money): order ${orderId}: captured 7500 exceeds authorized 6500`]);
    });

    it('voided and captured together exceed the authorization', async () => {
      const violations = await violationsAfter((trx) => trx('payments').insert(payment('void', 3500, 'succeeded', 'void')));
      expect(violations).toEqual([`invariant 4 (money): order ${orderId}: voided 3500 + captured 3500 exceeds authorized 6500`]);
    });

    it('refunded more than captured', async () => {
      const violations = await violationsAfter(async (trx) => {
        await trx('payments').where({ idempotency_key: `${orderId}:refund-1` }).update({ amount_cents: 4000 });
        await trx('orders').where({ id: orderId }).update({ refunded_cents: 4000 });
      });
      expect(violations).toEqual([`invariant 4 (money): order ${orderId}: refunded 4000 exceeds captured 3500`]);
    });

    it("the order's refunded total disagrees with its refunds", async () => {
      const violations = await violationsAfter((trx) => trx('orders').where({ id: orderId }).update({ refunded_cents: 1200 }));
      expect(violations).toEqual([`invariant 4 (money): order ${orderId} says refunded 1200 but its succeeded refunds sum to 500`]);
    });

    it('a refund recorded without moving the order\'s refunded total', async () => {
      const violations = await violationsAfter((trx) => trx('payments').insert(payment('refund', 300, 'succeeded', 'refund-2')));
      expect(violations).toEqual([`invariant 4 (money): order ${orderId} says refunded 500 but its succeeded refunds sum to 800`]);
    });

    it('two succeeded authorizations', async () => {
      const violations = await violationsAfter((trx) =>
        trx('payments').where({ idempotency_key: `${orderId}:auth-declined` }).update({ status: 'succeeded' }),
      );
      expect(violations).toEqual([`invariant 4 (money): order ${orderId}: 2 succeeded authorizations`]);
    });

    it('a shipment captured twice', async () => {
      const violations = await violationsAfter((trx) =>
        trx('payments').insert({ ...payment('capture', 100, 'succeeded', 'capture-again'), shipment_id: firstShipment }),
      );
      expect(violations).toEqual([`invariant 4 (money): shipment ${firstShipment} of order ${orderId} has 2 succeeded captures`]);
    });
  });

  describe('5. accepted orders have a workflow', () => {
    const forgetWorkflow = (trx: Knex) => trx('orders').where({ id: orderId }).update({ workflow_started_at: null });

    it('an unfinished order whose workflow was never started', async () => {
      expect(await violationsAfter(forgetWorkflow)).toEqual([
        `invariant 5 (workflows): order ${orderId} is PARTIALLY_SHIPPED but its workflow was never started`,
      ]);
    });

    it('gives a young order time to start its workflow', async () => {
      expect(await violationsAfter(forgetWorkflow, { settledBeforeSeconds: 30 })).toEqual([]);
    });

    it('a finished order needs no workflow', async () => {
      const violations = await violationsAfter(async (trx) => {
        await forgetWorkflow(trx);
        await trx('orders').where({ id: orderId }).update({ status: 'REJECTED' });
      });
      expect(violations).toEqual([]);
    });
  });

  describe('6. carrier events are applied at most once', () => {
    it('the same event recorded twice (with the unique index out of the way)', async () => {
      const violations = await violationsAfter(async (trx) => {
        await trx.raw('ALTER TABLE tracking_events DROP CONSTRAINT tracking_events_carrier_event_id_unique');
        await trx('tracking_events').insert(trackingEvent('evt-2', 'in_transit', firstShipment));
      });
      expect(violations).toEqual(['invariant 6 (carrier events): sandbox event evt-2 was recorded 2 times']);
    });

    it('a webhook marked applied that left no tracking event', async () => {
      const violations = await violationsAfter((trx) =>
        trx('webhook_events').insert({ carrier: 'sandbox', event_id: 'evt-9', signature_valid: true, applied_at: trx.fn.now() }),
      );
      expect(violations).toEqual(['invariant 6 (carrier events): webhook sandbox event evt-9 is marked applied but has 0 tracking events']);
    });

    it('a forged webhook marked applied', async () => {
      const violations = await violationsAfter((trx) =>
        trx('webhook_events').where({ event_id: 'evt-1', signature_valid: false }).update({ applied_at: trx.fn.now() }),
      );
      expect(violations).toEqual(['invariant 6 (carrier events): webhook sandbox event evt-1 failed its signature check but is marked applied']);
    });

    it('a tracking event of a shipment that does not exist (with the foreign key out of the way)', async () => {
      const violations = await violationsAfter(async (trx) => {
        await trx.raw('ALTER TABLE tracking_events DROP CONSTRAINT tracking_events_shipment_id_foreign');
        await trx('tracking_events').insert(trackingEvent('evt-3', 'in_transit', 'ghost'));
      });
      expect(violations).toEqual(['invariant 6 (carrier events): tracking sandbox event evt-3 belongs to shipment ghost, which does not exist']);
    });
  });

  describe('10. a dropship shipment holds none of our stock and is owed once it is sent', () => {
    const dropshipShipment = `${orderId}-9`;
    async function awaitingSupplier(trx: Knex): Promise<void> {
      await trx('suppliers').insert({ id: 'sup-inv', name: 'Drop', contact: {}, currency: 'USD', lead_time_days: 2, payment_terms: 'net 30', webhook_secret: 'x' });
      await trx('shipments').insert({ id: dropshipShipment, order_id: orderId, shipment_no: 9, supplier_id: 'sup-inv', status: 'AWAITING_SUPPLIER', amount_cents: 0 });
      await trx('shipment_lines').insert({ shipment_id: dropshipShipment, line_no: 2, sku: 'INV-B', quantity: 1 });
    }

    it('holds while the supplier has not shipped and nothing is owed', async () => {
      expect(await violationsAfter(awaitingSupplier)).toEqual([]);
    });

    it('a payable for units the supplier never sent', async () => {
      const violations = await violationsAfter(async (trx) => {
        await awaitingSupplier(trx);
        await trx('supplier_payables').insert({
          supplier_id: 'sup-inv',
          shipment_id: dropshipShipment,
          order_id: orderId,
          amount_cents: 300,
          currency: 'USD',
          lines: JSON.stringify([{ sku: 'INV-B', supplierSku: 'S-B', quantity: 1, unitCostCents: 300 }]),
        });
      });
      expect(violations).toEqual([`invariant 10 (dropship): shipment ${dropshipShipment} is AWAITING_SUPPLIER but has a payable`]);
    });
  });
});

describe('checkInvariants: 7. cost layers match on_hand and their consumptions', () => {
  afterEach(async () => {
    expect(await checkInvariants(db, settledNow)).toEqual([]);
  });

  /** Takes `quantity` INV-B out of inv-wh by an adjustment, with a consumption row of `consumed` units. */
  async function writeOff(trx: Knex, quantity: number, consumed: number): Promise<void> {
    const [moved] = await trx('inventory_movements').insert(movement('INV-B', 'inv-wh', -quantity, 'adjustment', 'adjustment', 'adj-1')).returning('id');
    await level(trx, 'INV-B', 'inv-wh').decrement('on_hand', quantity);
    const layer = await trx('cost_layers').where({ sku: 'INV-B', location_id: 'inv-wh' }).first('id');
    await trx('cost_layers').where({ id: layer.id }).decrement('remaining', quantity);
    await trx('cost_consumptions').insert({ movement_id: moved.id, layer_id: layer.id, quantity: consumed, unit_cost_cents: 250 });
  }

  it('a write-off that consumes its layer holds', async () => {
    expect(await violationsAfter((trx) => writeOff(trx, 2, 2))).toEqual([]);
  });

  it('consigned units count toward on_hand', async () => {
    const violations = await violationsAfter(async (trx) => {
      const [moved] = await trx('inventory_movements').insert(movement('INV-B', 'inv-wh', 2, 'receipt', 'receipt', 'rcpt-3')).returning('id');
      await level(trx, 'INV-B', 'inv-wh').increment('on_hand', 2);
      await trx('cost_layers').insert({ sku: 'INV-B', location_id: 'inv-wh', movement_id: moved.id, quantity: 2, remaining: 2, unit_cost_cents: 900, owner_id: 'acme' });
    });
    expect(violations).toEqual([]);
  });

  it('a layer emptied without a movement or a consumption', async () => {
    const violations = await violationsAfter((trx) => trx('cost_layers').where({ sku: 'INV-B' }).decrement('remaining', 1));
    expect(violations).toEqual([
      'invariant 7 (cost layers): INV-B at inv-wh has on_hand 5 but its layers hold 4 own + 0 consigned units',
      'invariant 7 (cost layers): INV-B at inv-wh: remaining layers are worth 1000 cents but their receipts less consumptions give 1250 (consumed units disagree with the consumption rows)',
    ]);
  });

  it('a movement whose consumption rows take more than it moved', async () => {
    const violations = await violationsAfter((trx) => writeOff(trx, 1, 2));
    expect(violations).toHaveLength(2);
    expect(violations[0]).toBe(
      'invariant 7 (cost layers): INV-B at inv-wh: remaining layers are worth 1000 cents but their receipts less consumptions give 750 (consumed units disagree with the consumption rows)',
    );
    expect(violations[1]).toMatch(/^invariant 7 \(cost layers\): movement \d+ \(-1 INV-B at inv-wh\) has layers of 0 and consumptions of 2 units$/);
  });

  it('a receipt whose layer holds fewer units than it brought in', async () => {
    const violations = await violationsAfter((trx) => trx('cost_layers').where({ sku: 'INV-B' }).update({ quantity: 4, remaining: 4 }));
    expect(violations).toHaveLength(2);
    expect(violations[0]).toBe('invariant 7 (cost layers): INV-B at inv-wh has on_hand 5 but its layers hold 4 own + 0 consigned units');
    expect(violations[1]).toMatch(/^invariant 7 \(cost layers\): movement \d+ \(5 INV-B at inv-wh\) has layers of 4 and consumptions of 0 units$/);
  });
});

describe('checkInvariants with Temporal: order workflows match the orders', () => {
  let connection: Connection;
  let temporal: Client;
  const workflowId = `order:${orderId}`;
  const withTemporal = (): InvariantOptions => ({ temporal, settledBeforeSeconds: 0 });
  const finish = (trx: Knex) =>
    trx('orders').where({ id: orderId }).update({ status: 'DELIVERED', closed_at: trx.raw("now() - interval '1 minute'") });

  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    temporal = new Client({ connection });
  });

  afterAll(async () => {
    await connection?.close();
  });

  it('an unfinished order without any workflow is reported', async () => {
    expect(await checkInvariants(db, withTemporal())).toEqual([
      `invariant 5 (workflows): order ${orderId} is PARTIALLY_SHIPPED but there is no workflow ${workflowId}`,
    ]);
  });

  it('a running workflow passes; once the order is final it must have ended', async () => {
    // No worker polls this task queue: the workflow stays RUNNING, which is all this check reads.
    await temporal.workflow.start('orderWorkflow', {
      taskQueue: `invariants-test-${randomBytes(4).toString('hex')}`,
      workflowId,
      args: [{ orderId }],
    });
    expect(await checkInvariants(db, withTemporal())).toEqual([]);
    await expectInvariants(db, temporal);
    expect(await violationsAfter(finish, withTemporal())).toEqual([
      `invariant 5 (workflows): order ${orderId} is DELIVERED but its workflow ${workflowId} is still running`,
    ]);
  });

  it('an unfinished order whose workflow was terminated is reported; a finished one is not', async () => {
    await temporal.workflow.getHandle(workflowId).terminate('invariants test');
    expect(await checkInvariants(db, withTemporal())).toEqual([
      `invariant 5 (workflows): order ${orderId} is PARTIALLY_SHIPPED but its workflow ${workflowId} is TERMINATED`,
    ]);
    await expect(expectInvariants(db, temporal)).rejects.toThrow(`${workflowId} is TERMINATED`);
    expect(await violationsAfter(finish, withTemporal())).toEqual([]);
  });
});

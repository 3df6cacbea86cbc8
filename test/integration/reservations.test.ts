import { randomBytes } from 'node:crypto';
import { inventoryActivities } from '../../activities/inventory';
import { orderActivities } from '../../activities/orders';
import { createFreshDatabase, FreshDatabase } from '../../dev/harness/database';
import { seedProduct, seedWarehouse } from '../../dev/harness/catalog';

/**
 * The reservation and order-status activities against real Postgres, called concurrently the way a
 * timed-out attempt and its retry (or many orders for one hot SKU) call them.
 */
let database: FreshDatabase;
const wakes: { source: string; skus: string[] }[] = [];
const activities = () => ({
  ...inventoryActivities(database.db, async (source, skus) => {
    wakes.push({ source, skus });
  }),
  ...orderActivities(database.db),
});

beforeAll(async () => {
  database = await createFreshDatabase(process.env.DATABASE_URL!, 'reservations', 40);
  await seedWarehouse(database.db, { id: 'WH-1', mode: 'auto', priority: 10, bins: [] });
  await seedWarehouse(database.db, { id: 'WH-2', mode: 'auto', priority: 20, bins: [] });
});

afterAll(async () => {
  await database?.drop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

async function stock(sku: string, locationId: string, onHand: number): Promise<void> {
  await database.db('inventory_levels').insert({ sku, location_id: locationId, on_hand: onHand });
  await database.db('inventory_movements').insert({
    sku,
    location_id: locationId,
    quantity: onHand,
    kind: 'receipt',
    reference_type: 'receipt',
    reference_id: unique('rcv'),
    idempotency_key: unique('receipt'),
  });
}

async function order(sku: string, quantity: number): Promise<string> {
  const id = unique('ord');
  await database.db('orders').insert({
    id,
    customer_id: 'cus',
    channel: 'web',
    status: 'ACCEPTED',
    backorder_policy: 'wait',
    currency: 'USD',
    items_cents: 1000 * quantity,
    shipping_cents: 0,
    total_cents: 1000 * quantity,
    payment_token: 'tok_visa',
    capture_mode: 'on_shipment',
    shipping_address: JSON.stringify({ name: 'A', line1: '1 St', city: 'C', region: 'R', postalCode: '1', country: 'US' }),
  });
  await database.db('order_lines').insert({ order_id: id, line_no: 1, sku, quantity, unit_price_cents: 1000 });
  return id;
}

async function levels(sku: string) {
  return database.db('inventory_levels').where({ sku }).orderBy('location_id').select('location_id', 'on_hand', 'reserved');
}

it('an attempt and its retry running at once reserve one set, even when either warehouse could serve', async () => {
  const sku = (await seedProduct(database.db, unique('TWIN'), 1000)).sku;
  await stock(sku, 'WH-1', 1);
  await stock(sku, 'WH-2', 1);
  const orderId = await order(sku, 1);
  const input = { orderId, allocationNo: 1, lines: [{ lineNo: 1, sku, quantity: 1 }], allowPartial: false };

  const [first, retry] = await Promise.all([activities().reserveStock(input), activities().reserveStock(input)]);

  expect(retry).toEqual(first);
  expect(await database.db('reservations').where({ order_id: orderId })).toHaveLength(1);
  const held = await levels(sku);
  expect(held.reduce((sum, level) => sum + level.reserved, 0)).toBe(1);
});

it('a hot SKU: 60 orders at once for 25 units reserve exactly 25, with no error', async () => {
  const sku = (await seedProduct(database.db, unique('HOT'), 1000)).sku;
  await stock(sku, 'WH-1', 15);
  await stock(sku, 'WH-2', 10);
  const orders = await Promise.all(Array.from({ length: 60 }, () => order(sku, 1)));

  const results = await Promise.all(
    orders.map((orderId) => activities().reserveStock({ orderId, allocationNo: 1, lines: [{ lineNo: 1, sku, quantity: 1 }], allowPartial: false })),
  );

  expect(results.filter((result) => result.shortfall.length === 0)).toHaveLength(25);
  expect(await levels(sku)).toEqual([
    { location_id: 'WH-1', on_hand: 15, reserved: 15 },
    { location_id: 'WH-2', on_hand: 10, reserved: 10 },
  ]);
  expect(await database.db('reservations').where({ sku, status: 'active' })).toHaveLength(25);
});

it('a release gives the units back and wakes the orders waiting for that SKU, also when repeated', async () => {
  const sku = (await seedProduct(database.db, unique('REL'), 1000)).sku;
  await stock(sku, 'WH-1', 3);
  const orderId = await order(sku, 2);
  await activities().reserveStock({ orderId, allocationNo: 1, lines: [{ lineNo: 1, sku, quantity: 2 }], allowPartial: false });

  expect(await activities().releaseReservations({ orderId })).toBe(2);
  // A retry after a crash between the release and the wake-up releases nothing but still wakes.
  expect(await activities().releaseReservations({ orderId })).toBe(0);
  expect(await levels(sku)).toEqual([{ location_id: 'WH-1', on_hand: 3, reserved: 0 }]);
  expect(wakes.filter((wake) => wake.source === `release:${orderId}`)).toEqual([
    { source: `release:${orderId}`, skus: [sku] },
    { source: `release:${orderId}`, skus: [sku] },
  ]);
});

it('a late status write never overwrites a newer one', async () => {
  const sku = (await seedProduct(database.db, unique('VER'), 1000)).sku;
  const orderId = await order(sku, 1);
  const { recordOrderStatus } = activities();
  await recordOrderStatus({ orderId, status: 'FULFILLING', eventKey: 'status:2', version: 2 });
  // The first attempt of the earlier write, still running when its retry and the next write succeeded.
  await recordOrderStatus({ orderId, status: 'BACKORDERED', eventKey: 'status:1', version: 1, cancelledQuantities: [{ lineNo: 1, quantity: 1 }] });
  expect(await database.db('orders').where({ id: orderId }).first('status', 'status_version')).toEqual({ status: 'FULFILLING', status_version: 2 });
  expect((await database.db('order_lines').where({ order_id: orderId }).first()).qty_cancelled).toBe(0);
});


it("lists an allocation's pick lines in the walking order of their bins, not by bin code; unbinned last", async () => {
  await seedWarehouse(database.db, { id: 'WH-WALK', mode: 'auto', priority: 5, bins: [] });
  await database.db('bins').insert([
    { location_id: 'WH-WALK', code: 'A-01', sequence: 30 },
    { location_id: 'WH-WALK', code: 'C-01', sequence: 10 },
    { location_id: 'WH-WALK', code: 'B-01', sequence: 20 },
  ]);
  const skus = [];
  for (const bin of ['A-01', 'B-01', 'C-01', null]) {
    const sku = (await seedProduct(database.db, unique('WALK'), 1000)).sku;
    await stock(sku, 'WH-WALK', 1);
    if (bin) await database.db('bin_assignments').insert({ sku, location_id: 'WH-WALK', bin_code: bin });
    skus.push(sku);
  }
  const orderId = await order(skus[0], 1);
  await database.db('order_lines').insert(
    skus.slice(1).map((sku, i) => ({ order_id: orderId, line_no: i + 2, sku, quantity: 1, unit_price_cents: 1000 })),
  );
  const lines = skus.map((sku, i) => ({ lineNo: i + 1, sku, quantity: 1 }));

  const result = await activities().reserveStock({ orderId, allocationNo: 1, lines, allowPartial: false });

  expect(result.allocations.map((allocation) => allocation.locationId)).toEqual(['WH-WALK']);
  expect(result.allocations[0].lines.map((line) => line.bin)).toEqual(['C-01', 'B-01', 'A-01', null]);
});

it("a re-check after BACKORDERED leaves the stock to an older waiting order and wakes them oldest first instead", async () => {
  const sku = unique('FAIR');
  await seedProduct(database.db, sku, 1000);
  await stock(sku, 'WH-1', 1);
  const older = await order(sku, 2);
  await database.db('orders').where({ id: older }).update({ status: 'BACKORDERED' });
  const younger = await order(sku, 1);
  await database.db('orders').where({ id: younger }).update({ status: 'BACKORDERED' });
  const { reserveStock } = activities();
  const line = { lineNo: 1, sku, quantity: 1 };

  const recheck = await reserveStock({ orderId: younger, allocationNo: 2, lines: [line], allowPartial: false, yieldToOlderWaiters: true });
  expect(recheck).toEqual({ allocations: [], shortfall: [line] });
  expect(wakes).toContainEqual({ source: `recheck:${younger}:2`, skus: [sku] });
  expect(await levels(sku)).toEqual([{ location_id: 'WH-1', on_hand: 1, reserved: 0 }]);

  // The older order is no longer waiting: the re-check takes the stock itself.
  await database.db('orders').where({ id: older }).update({ status: 'CANCELLED' });
  const taken = await reserveStock({ orderId: younger, allocationNo: 3, lines: [line], allowPartial: false, yieldToOlderWaiters: true });
  expect(taken.shortfall).toEqual([]);
  // A retry of that attempt answers with what it took, even were an older order waiting again.
  await database.db('orders').where({ id: older }).update({ status: 'BACKORDERED' });
  const retried = await reserveStock({ orderId: younger, allocationNo: 3, lines: [line], allowPartial: false, yieldToOlderWaiters: true });
  expect(retried).toEqual(taken);
});

it('a re-check with an older order waiting and nothing available wakes no one: the next receipt or release will', async () => {
  const sku = unique('FAIR');
  await seedProduct(database.db, sku, 1000);
  const older = await order(sku, 1);
  await database.db('orders').where({ id: older }).update({ status: 'BACKORDERED' });
  const younger = await order(sku, 1);
  const line = { lineNo: 1, sku, quantity: 1 };

  const recheck = await activities().reserveStock({ orderId: younger, allocationNo: 2, lines: [line], allowPartial: false, yieldToOlderWaiters: true });
  expect(recheck).toEqual({ allocations: [], shortfall: [line] });
  expect(wakes.filter((wake) => wake.skus.includes(sku))).toEqual([]);
});

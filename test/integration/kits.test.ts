import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, Product, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

/**
 * Kits through the HTTP API on the real Temporal dev server and Postgres: a kit holds no stock; an
 * order of one reserves, picks, scans, ships and takes back its components.
 */
let engine: Engine;

beforeAll(async () => {
  engine = await Engine.start({
    label: 'kits',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
  });
  await seedWarehouse(engine.db, { id: 'WH-KIT', mode: 'manual', priority: 10, bins: ['A-01', 'B-02'] });
});

afterEach(async () => {
  await expectInvariants(engine.db, engine.temporal);
});

afterAll(async () => {
  await engine?.stop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;
const product = (priceCents: number): Promise<Product> => seedProduct(engine.db, unique('SKU'), priceCents);

const defineKit = (sku: string, components: { sku: string; quantity: number }[]) =>
  engine.call('ops', 'PUT', `/v1/products/${sku}/components`, { components });

async function receive(lines: { sku: string; quantity: number; bin?: string }[]) {
  return engine.call('warehouse', 'POST', '/v1/inventory/receipts', { locationId: 'WH-KIT', lines });
}

async function placeOrder(lines: { sku: string; quantity: number }[], extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), lines, extra));
  expect(answer.status).toBe(201);
  return answer.body.id;
}

async function orderOnceItIs(orderId: string, status: string) {
  return eventually(async () => {
    const answer = await engine.call('client', 'GET', `/v1/orders/${orderId}`);
    return answer.body.status === status ? answer.body : undefined;
  }, 60_000);
}

async function available(sku: string): Promise<number> {
  return (await engine.call('client', 'GET', `/v1/inventory/availability?sku=${sku}`)).body.data[0].available;
}

async function level(sku: string, locationId = 'WH-KIT') {
  return (await engine.db('inventory_levels').where({ sku, location_id: locationId }).first('on_hand', 'reserved')) ?? { on_hand: 0, reserved: 0 };
}

describe('defining a kit', () => {
  it('refuses a kit containing itself, directly or through another kit, and unknown or inactive components; nothing is written', async () => {
    const [kit, outer, part, retired] = [await product(5000), await product(9000), await product(100), await product(100)];
    await engine.db('products').where({ sku: retired.sku }).update({ active: false });
    expect((await defineKit(kit.sku, [{ sku: part.sku, quantity: 2 }])).status).toBe(200);
    expect((await defineKit(outer.sku, [{ sku: kit.sku, quantity: 1 }])).status).toBe(200);

    const refusals = [
      [[{ sku: kit.sku, quantity: 1 }], 'kit_cycle'],
      [[{ sku: outer.sku, quantity: 1 }], 'kit_cycle'],
      [[{ sku: retired.sku, quantity: 1 }], 'inactive_component'],
      [[{ sku: unique('NOPE'), quantity: 1 }], 'unknown_component'],
      [[{ sku: part.sku, quantity: 1 }, { sku: part.sku, quantity: 2 }], 'duplicate_component'],
    ] as const;
    for (const [components, code] of refusals) {
      const answer = await defineKit(kit.sku, [...components]);
      expect([answer.status, answer.body.code]).toEqual([422, code]);
    }
    const cycle = await defineKit(kit.sku, [{ sku: outer.sku, quantity: 1 }]);
    expect(cycle.body.details).toEqual({ path: [kit.sku, outer.sku, kit.sku] });
    expect(await engine.db('kit_components').where({ kit_sku: kit.sku }).select('component_sku', 'quantity')).toEqual([
      { component_sku: part.sku, quantity: 2 },
    ]);
    expect((await defineKit(kit.sku, [])).status).toBe(400);
    expect((await engine.call('client', 'PUT', `/v1/products/${kit.sku}/components`, { components: [{ sku: part.sku, quantity: 1 }] })).status).toBe(403);
  });

  it('a kit is never a stock target, and a product holding stock cannot become a kit', async () => {
    const [kit, part, stocked] = [await product(5000), await product(100), await product(100)];
    expect((await defineKit(kit.sku, [{ sku: part.sku, quantity: 1 }])).status).toBe(200);
    const receipt = await receive([{ sku: kit.sku, quantity: 3 }]);
    expect([receipt.status, receipt.body.code]).toEqual([422, 'kit_not_stockable']);
    expect(await engine.db('inventory_movements').where({ sku: kit.sku })).toHaveLength(0);

    expect((await receive([{ sku: stocked.sku, quantity: 1 }])).status).toBe(201);
    const answer = await defineKit(stocked.sku, [{ sku: part.sku, quantity: 1 }]);
    expect([answer.status, answer.body.code]).toEqual([409, 'kit_has_stock']);
    expect(await engine.db('kit_components').where({ kit_sku: stocked.sku })).toHaveLength(0);
  });
});

describe('ordering a kit', () => {
  it('reserves, picks, scans and ships its components, counts kits shipped, and a return restocks the components', async () => {
    const [mug, pen, desk] = [await product(800), await product(150), await product(2000)];
    expect((await defineKit(desk.sku, [{ sku: mug.sku, quantity: 1 }, { sku: pen.sku, quantity: 2 }])).status).toBe(200);
    expect((await receive([{ sku: mug.sku, quantity: 5, bin: 'B-02' }, { sku: pen.sku, quantity: 7, bin: 'A-01' }])).status).toBe(201);
    // 5 mugs make 5 desks, 7 pens 3: the pens decide.
    expect(await available(desk.sku)).toBe(3);
    expect((await engine.call('ops', 'GET', `/v1/products/${desk.sku}/components`)).body).toMatchObject({ kind: 'kit', available: 3 });

    // Two desk sets and a pen on its own: five pens in all.
    const orderId = await placeOrder([{ sku: desk.sku, quantity: 2 }, { sku: pen.sku, quantity: 1 }]);
    await orderOnceItIs(orderId, 'FULFILLING');
    expect(await level(mug.sku)).toEqual({ on_hand: 5, reserved: 2 });
    expect(await level(pen.sku)).toEqual({ on_hand: 7, reserved: 5 });
    expect(await available(desk.sku)).toBe(1);

    const pickList = await engine.call('warehouse', 'GET', '/v1/warehouses/WH-KIT/pick-lists');
    const shipment = pickList.body.data.find((entry: { orderId: string }) => entry.orderId === orderId);
    expect(shipment.lines).toEqual([
      { lineNo: 2, sku: pen.sku, name: expect.any(String), upc: pen.upc, bin: 'A-01', quantity: 1 },
      {
        lineNo: 1,
        sku: desk.sku,
        name: expect.any(String),
        upc: desk.upc,
        bin: null,
        quantity: 2,
        components: [
          { sku: pen.sku, name: expect.any(String), upc: pen.upc, bin: 'A-01', quantity: 4, unitsPerKit: 2 },
          { sku: mug.sku, name: expect.any(String), upc: mug.upc, bin: 'B-02', quantity: 2, unitsPerKit: 1 },
        ],
      },
    ]);

    const path = `/v1/shipments/${shipment.shipmentId}`;
    expect((await engine.call('warehouse', 'POST', `${path}/pick`, {})).status).toBe(200);
    const kitItself = await engine.call('warehouse', 'POST', `${path}/scans`, { upc: desk.upc });
    expect([kitItself.status, kitItself.body.code]).toEqual([422, 'item_not_in_shipment']);
    for (let n = 0; n < 5; n++) expect((await engine.call('warehouse', 'POST', `${path}/scans`, { upc: pen.upc })).status).toBe(200);
    const extraPen = await engine.call('warehouse', 'POST', `${path}/scans`, { upc: pen.upc });
    expect([extraPen.status, extraPen.body.code]).toEqual([422, 'scan_exceeds_quantity']);
    expect((await engine.call('warehouse', 'POST', `${path}/scans`, { upc: mug.upc })).body).toMatchObject({
      packed: false,
      remaining: [{ sku: mug.sku, upc: mug.upc, quantity: 1 }],
    });
    expect((await engine.call('warehouse', 'POST', `${path}/scans`, { upc: mug.upc })).body).toMatchObject({ packed: true, remaining: [] });

    const delivered = await orderOnceItIs(orderId, 'DELIVERED');
    expect(delivered.lines.map((line: { sku: string; qtyShipped: number }) => [line.sku, line.qtyShipped])).toEqual([
      [desk.sku, 2],
      [pen.sku, 1],
    ]);
    expect(await level(mug.sku)).toEqual({ on_hand: 3, reserved: 0 });
    expect(await level(pen.sku)).toEqual({ on_hand: 2, reserved: 0 });
    const shipped = await engine
      .db('inventory_movements')
      .where({ kind: 'shipment', reference_id: shipment.shipmentId })
      .orderBy(['sku', 'quantity'])
      .select('sku', 'quantity');
    expect(shipped).toEqual(
      [
        { sku: mug.sku, quantity: -2 },
        { sku: pen.sku, quantity: -4 },
        { sku: pen.sku, quantity: -1 },
      ].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : a.quantity - b.quantity)),
    );
    expect(await engine.db('inventory_movements').where({ sku: desk.sku })).toHaveLength(0);

    // One desk set back to the shelf, one damaged: their components go back, by the recipe shipped.
    const requested = await engine.call('client', 'POST', `/v1/orders/${orderId}/returns`, { lines: [{ lineNo: 1, quantity: 2, reason: 'wrong_item' }] });
    expect(requested.status).toBe(201);
    await eventually(async () => (await engine.call('ops', 'GET', `/v1/returns/${requested.body.id}`)).body.status === 'ARRIVED', 60_000);
    const received = await engine.call('warehouse', 'POST', `/v1/returns/${requested.body.id}/receive`, {
      lines: [{ lineNo: 1, restock: 1, damaged: 1, scrap: 0 }],
    });
    expect(received.status).toBe(200);
    const quarantine = (await engine.db('locations').where({ parent_location_id: 'WH-KIT', kind: 'quarantine' }).first('id')).id;
    expect(await level(mug.sku)).toEqual({ on_hand: 4, reserved: 0 });
    expect(await level(pen.sku)).toEqual({ on_hand: 4, reserved: 0 });
    expect(await level(mug.sku, quarantine)).toEqual({ on_hand: 1, reserved: 0 });
    expect(await level(pen.sku, quarantine)).toEqual({ on_hand: 2, reserved: 0 });
    expect(await level(desk.sku)).toEqual({ on_hand: 0, reserved: 0 });
    await eventually(async () => (await engine.call('ops', 'GET', `/v1/returns/${requested.body.id}`)).body.status === 'CLOSED', 60_000);
  });

  it('a backordered kit order wakes when its component arrives', async () => {
    const [part, kit] = [await product(100), await product(900)];
    expect((await defineKit(kit.sku, [{ sku: part.sku, quantity: 3 }])).status).toBe(200);
    expect((await receive([{ sku: part.sku, quantity: 2 }])).status).toBe(201);
    const orderId = await placeOrder([{ sku: kit.sku, quantity: 1 }], { backorder: { policy: 'wait' } });
    await orderOnceItIs(orderId, 'BACKORDERED');
    expect(await level(part.sku)).toEqual({ on_hand: 2, reserved: 0 });

    expect((await receive([{ sku: part.sku, quantity: 1 }])).status).toBe(201);
    await orderOnceItIs(orderId, 'FULFILLING');
    expect(await level(part.sku)).toEqual({ on_hand: 3, reserved: 3 });
    expect((await engine.call('client', 'POST', `/v1/orders/${orderId}/cancel`, { reason: 'test over' })).status).toBe(200);
    await eventually(async () => (await level(part.sku)).reserved === 0, 30_000);
  });
});

describe('racing for a kit and its component', () => {
  it('200 orders for a two-unit kit and its single component on one SKU of 50: never oversold, never negative', async () => {
    const [hot, pair] = [await product(1000), await product(1800)];
    expect((await defineKit(pair.sku, [{ sku: hot.sku, quantity: 2 }])).status).toBe(200);
    expect((await receive([{ sku: hot.sku, quantity: 50 }])).status).toBe(201);

    const requests = Array.from({ length: 200 }, (_, i) => ({
      sku: i % 2 === 0 ? pair.sku : hot.sku,
      policy: i % 4 < 2 ? 'reject' : 'wait',
    }));
    const created = await Promise.all(
      requests.map((request, i) =>
        engine.call('client', 'POST', '/v1/orders', orderRequest(`race-${i}`, [{ sku: request.sku, quantity: 1 }], { backorder: { policy: request.policy } })),
      ),
    );
    expect(created.map((answer) => answer.status)).toEqual(requests.map(() => 201));
    const skuOf = new Map(created.map((answer, i) => [answer.body.id as string, requests[i].sku]));

    const settled = await eventually(async () => {
      const rows: { id: string; status: string }[] = await engine.db('orders').whereIn('id', [...skuOf.keys()]).select('id', 'status');
      return rows.every((row) => ['FULFILLING', 'BACKORDERED', 'REJECTED'].includes(row.status)) && rows;
    }, 240_000, 500);

    const fulfilling = settled.filter((row) => row.status === 'FULFILLING');
    const units = fulfilling.reduce((sum, row) => sum + (skuOf.get(row.id) === pair.sku ? 2 : 1), 0);
    const stock = await level(hot.sku);
    expect(stock.on_hand).toBe(50);
    expect(units).toBeLessThanOrEqual(50);
    expect(stock.reserved).toBe(units);
    // Nothing was freed meanwhile: once an order went without, what is left cannot serve it.
    const short = settled.filter((row) => row.status !== 'FULFILLING');
    if (short.some((row) => skuOf.get(row.id) === hot.sku)) expect(stock.reserved).toBe(50);
    if (short.length > 0) expect(stock.reserved).toBeGreaterThanOrEqual(49);
    const active = await engine.db('reservations').where({ sku: hot.sku, status: 'active' }).select('order_id', 'quantity', 'units_per_kit');
    expect(new Set(active.map((row) => row.order_id))).toEqual(new Set(fulfilling.map((row) => row.id)));
    expect(active.every((row) => (skuOf.get(row.order_id) === pair.sku ? row.quantity === 2 && row.units_per_kit === 2 : row.units_per_kit === null))).toBe(true);
    expect(await available(pair.sku)).toBe(Math.floor((50 - units) / 2));
  }, 300_000);
});

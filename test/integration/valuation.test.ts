import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, Product, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

/**
 * FIFO valuation and consignment through the HTTP API on the real Temporal dev server and Postgres:
 * receipts at different costs, orders shipped by an `auto` warehouse across layers, valuation now and
 * as of the past, consigned units sold first or last, what is owed to their owner, CSV.
 */
let engine: Engine;
const WH = 'WH-FIFO';

beforeAll(async () => {
  engine = await Engine.start({
    label: 'valuation',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
  });
  await seedWarehouse(engine.db, { id: WH, mode: 'auto', priority: 10, bins: [] });
});

afterEach(async () => {
  await expectInvariants(engine.db, engine.temporal);
});

afterAll(async () => {
  await engine?.stop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A product whose catalog cost (seedProduct) is 100 cents. */
const product = (): Promise<Product> => seedProduct(engine.db, unique('FIFO'), 2000);

async function receive(lines: { sku: string; quantity: number; unitCostCents?: number }[], owner?: string) {
  const answer = await engine.call('warehouse', 'POST', '/v1/inventory/receipts', { locationId: WH, lines, ...(owner ? { owner } : {}) });
  expect(answer.status).toBe(201);
  return answer.body;
}

/** Places an order and waits until the auto warehouse has shipped every unit of it. */
async function shipOrder(sku: string, quantity: number): Promise<string> {
  const placed = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), [{ sku, quantity }]));
  expect(placed.status).toBe(201);
  const orderId = placed.body.id;
  await eventually(async () => {
    const order = await engine.call('client', 'GET', `/v1/orders/${orderId}`);
    return order.body.lines[0].qtyShipped === quantity;
  }, 60_000);
  return orderId;
}

const valuation = async (query = '') => engine.call('ops', 'GET', `/v1/reports/valuation${query}`);
const lineOf = (report: { lines: { sku: string }[] }, sku: string) => report.lines.find((line) => line.sku === sku);

async function csv(path: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${engine.apiUrl}${path}`, { headers: { authorization: `Bearer ${engine.keys.ops}`, accept: 'text/csv' } });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

async function cogsOf(orderId: string): Promise<number[]> {
  return engine.db('shipment_lines as sl').join('shipments as s', 's.id', 'sl.shipment_id').where('s.order_id', orderId).pluck('sl.cogs_cents');
}

describe('FIFO valuation', () => {
  it('ships the oldest layer first, records COGS per line, and values stock now and as of before the second receipt', async () => {
    const mug = await product();
    await receive([{ sku: mug.sku, quantity: 5, unitCostCents: 300 }]);
    await pause(20);
    const beforeSecond = new Date();
    await pause(20);
    await receive([{ sku: mug.sku, quantity: 5, unitCostCents: 500 }]);

    expect(lineOf((await valuation(`?sku=${mug.sku}`)).body, mug.sku)).toEqual({
      sku: mug.sku,
      locationId: WH,
      units: 10,
      valueCents: 5 * 300 + 5 * 500,
      consignedUnits: 0,
    });

    const orderId = await shipOrder(mug.sku, 7);
    expect(await cogsOf(orderId)).toEqual([5 * 300 + 2 * 500]);

    const now = await valuation(`?sku=${mug.sku}`);
    expect(now.status).toBe(200);
    expect(now.body.lines).toEqual([{ sku: mug.sku, locationId: WH, units: 3, valueCents: 3 * 500, consignedUnits: 0 }]);
    expect(now.body.total).toEqual({ units: 3, valueCents: 1500, consignedUnits: 0 });

    // Before the second receipt, and before the shipment: only the first layer, whole.
    const then = await valuation(`?sku=${mug.sku}&asOf=${beforeSecond.toISOString()}`);
    expect(then.body.asOf).toBe(beforeSecond.toISOString());
    expect(then.body.lines).toEqual([{ sku: mug.sku, locationId: WH, units: 5, valueCents: 5 * 300, consignedUnits: 0 }]);
  });

  it('a line without a unit cost takes the product cost; the total adds up every sku', async () => {
    const tea = await product();
    const receipt = await receive([{ sku: tea.sku, quantity: 4 }]);
    expect(receipt.owner).toBeNull();
    const report = (await valuation()).body;
    expect(lineOf(report, tea.sku)).toMatchObject({ units: 4, valueCents: 400 });
    const sum = report.lines.reduce((total: number, line: { valueCents: number }) => total + line.valueCents, 0);
    expect(report.total.valueCents).toBe(sum);
  });

  it('streams CSV with Accept: text/csv', async () => {
    const spoon = await product();
    await receive([{ sku: spoon.sku, quantity: 2, unitCostCents: 250 }]);
    const answer = await csv(`/v1/reports/valuation?sku=${spoon.sku}`);
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^text\/csv/);
    expect(answer.text).toBe(`sku,location_id,units,value_cents,consigned_units\r\n${spoon.sku},${WH},2,500,0\r\n`);
  });

  it('refuses a future asOf (422 as_of_in_future) and a malformed one, and is for ops only', async () => {
    const future = await valuation(`?asOf=${new Date(Date.now() + 3_600_000).toISOString()}`);
    expect([future.status, future.body.code]).toEqual([422, 'as_of_in_future']);
    const malformed = await valuation('?asOf=yesterday');
    expect(malformed.status).toBe(400);
    expect((await engine.call('warehouse', 'GET', '/v1/reports/valuation')).status).toBe(403);
    expect((await engine.call('client', 'GET', '/v1/reports/consignment')).status).toBe(403);
  });
});

describe('returns', () => {
  it('restocked and damaged units come back at the cost they left with; scrap is written off at it', async () => {
    const vase = await product();
    await receive([{ sku: vase.sku, quantity: 3, unitCostCents: 300 }]);
    await receive([{ sku: vase.sku, quantity: 3, unitCostCents: 700 }]);
    const orderId = await shipOrder(vase.sku, 4);
    expect(await cogsOf(orderId)).toEqual([3 * 300 + 700]);
    await eventually(async () => (await engine.call('client', 'GET', `/v1/orders/${orderId}`)).body.status === 'DELIVERED', 60_000);

    const requested = await engine.call('client', 'POST', `/v1/orders/${orderId}/returns`, {
      lines: [{ lineNo: 1, quantity: 3, reason: 'wrong_item' }],
    });
    expect(requested.status).toBe(201);
    const returnPath = `/v1/returns/${requested.body.id}`;
    await eventually(async () => (await engine.call('ops', 'GET', returnPath)).body.status === 'ARRIVED', 60_000);
    const received = await engine.call('warehouse', 'POST', `${returnPath}/receive`, {
      lines: [{ lineNo: 1, restock: 1, damaged: 1, scrap: 1 }],
      receivedBy: 'dock-1',
    });
    expect(received.status).toBe(200);

    // 1600 cents for 4 units: each came back at 400, after the 2 left at 700.
    const report = (await valuation(`?sku=${vase.sku}`)).body;
    const quarantine = (await engine.db('locations').where({ parent_location_id: WH, kind: 'quarantine' }).first('id')).id;
    expect(report.lines).toEqual([
      { sku: vase.sku, locationId: WH, units: 3, valueCents: 2 * 700 + 400, consignedUnits: 0 },
      { sku: vase.sku, locationId: quarantine, units: 1, valueCents: 400, consignedUnits: 0 },
    ]);
    const writeOff = await engine
      .db('cost_consumptions as c')
      .join('inventory_movements as m', 'm.id', 'c.movement_id')
      .where({ 'm.sku': vase.sku, 'm.kind': 'adjustment', 'm.reason_code': 'scrap' })
      .select('c.quantity', 'c.unit_cost_cents');
    expect(writeOff).toEqual([{ quantity: 1, unit_cost_cents: 400 }]);
  });
});

describe('consignment', () => {
  const owner = unique('acme');

  it('sells consigned units last by default and first when the location says so, recording what is owed', async () => {
    const lamp = await product();
    await receive([{ sku: lamp.sku, quantity: 2, unitCostCents: 200 }]);
    const consigned = await receive([{ sku: lamp.sku, quantity: 3, unitCostCents: 800 }], owner);
    expect(consigned.owner).toBe(owner);

    // Ours are worth their cost; the owner's 3 units are held at zero.
    expect(lineOf((await valuation(`?sku=${lamp.sku}`)).body, lamp.sku)).toMatchObject({ units: 2, valueCents: 400, consignedUnits: 3 });

    // Rule "last": our 2 units go first, then 1 of the owner's.
    const first = await shipOrder(lamp.sku, 3);
    expect(await cogsOf(first)).toEqual([2 * 200 + 800]);
    expect(lineOf((await valuation(`?sku=${lamp.sku}`)).body, lamp.sku)).toMatchObject({ units: 0, valueCents: 0, consignedUnits: 2 });
    await pause(20);
    const betweenShipments = new Date();

    const rule = await engine.call('ops', 'PUT', `/v1/locations/${WH}/consignment-rule`, { rule: 'first' });
    expect([rule.status, rule.body]).toEqual([200, { locationId: WH, rule: 'first' }]);
    await receive([{ sku: lamp.sku, quantity: 2, unitCostCents: 200 }]);
    // Rule "first": the owner's 2 remaining units go before our newer ones.
    const second = await shipOrder(lamp.sku, 2);
    expect(await cogsOf(second)).toEqual([2 * 800]);
    expect(lineOf((await valuation(`?sku=${lamp.sku}`)).body, lamp.sku)).toMatchObject({ units: 2, valueCents: 400, consignedUnits: 0 });

    const owed = await engine.call('ops', 'GET', `/v1/reports/consignment?ownerId=${owner}`);
    expect(owed.status).toBe(200);
    expect(owed.body.owners).toEqual([{ ownerId: owner, units: 3, owedCents: 2400, skus: [{ sku: lamp.sku, units: 3, owedCents: 2400 }] }]);
    expect(owed.body.totalOwedCents).toBe(2400);

    const period = await engine.call('ops', 'GET', `/v1/reports/consignment?ownerId=${owner}&from=${betweenShipments.toISOString()}`);
    expect(period.body.owners).toEqual([{ ownerId: owner, units: 2, owedCents: 1600, skus: [{ sku: lamp.sku, units: 2, owedCents: 1600 }] }]);
    const before = await engine.call('ops', 'GET', `/v1/reports/consignment?ownerId=${owner}&to=${betweenShipments.toISOString()}`);
    expect(before.body.owners).toEqual([{ ownerId: owner, units: 1, owedCents: 800, skus: [{ sku: lamp.sku, units: 1, owedCents: 800 }] }]);

    const asCsv = await csv(`/v1/reports/consignment?ownerId=${owner}`);
    expect(asCsv.type).toMatch(/^text\/csv/);
    expect(asCsv.text).toBe(`owner_id,sku,units,owed_cents\r\n${owner},${lamp.sku},3,2400\r\n`);

    await engine.call('ops', 'PUT', `/v1/locations/${WH}/consignment-rule`, { rule: 'last' });
  });

  it('refuses a bad rule, an unknown location and a period that ends before it starts, writing nothing', async () => {
    const before = await engine.db('locations').where({ id: WH }).first('consignment_rule');
    const bad = await engine.call('ops', 'PUT', `/v1/locations/${WH}/consignment-rule`, { rule: 'sometimes' });
    expect(bad.status).toBe(400);
    const unknown = await engine.call('ops', 'PUT', '/v1/locations/NOPE/consignment-rule', { rule: 'first' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'location_not_found']);
    expect((await engine.call('warehouse', 'PUT', `/v1/locations/${WH}/consignment-rule`, { rule: 'first' })).status).toBe(403);
    expect(await engine.db('locations').where({ id: WH }).first('consignment_rule')).toEqual(before);

    const period = await engine.call('ops', 'GET', '/v1/reports/consignment?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z');
    expect([period.status, period.body.code]).toEqual([422, 'invalid_period']);
  });

  it('a receipt with an owner or a cost that fails validation writes no layer', async () => {
    const layersBefore = await engine.db('cost_layers').count({ n: '*' }).first();
    const negative = await engine.call('warehouse', 'POST', '/v1/inventory/receipts', {
      locationId: WH,
      lines: [{ sku: (await product()).sku, quantity: 1, unitCostCents: -5 }],
    });
    expect(negative.status).toBe(400);
    const emptyOwner = await engine.call('warehouse', 'POST', '/v1/inventory/receipts', {
      locationId: WH,
      owner: '',
      lines: [{ sku: (await product()).sku, quantity: 1 }],
    });
    expect(emptyOwner.status).toBe(400);
    expect(await engine.db('cost_layers').count({ n: '*' }).first()).toEqual(layersBefore);
  });
});

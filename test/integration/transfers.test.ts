import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, type Product, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { createTransfer } from '../../activities/transfers';
import { sweepUnstartedWork } from '../../activities/sweep';
import { createApiKey } from '../../infra/api-keys';
import { transferWorkflowId } from '../../workflows/transfer-definitions';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

/**
 * Transfers through the HTTP API on the real Temporal dev server and Postgres. SOURCE and DEST are
 * `manual` (a person ships, orders keep their reservations); LIGHTS_OUT is `auto` (ships at once).
 */
let engine: Engine;
const SOURCE = 'WH-TRF-SRC';
const DEST = 'WH-TRF-DST';
const LIGHTS_OUT = 'WH-TRF-AUTO';
const DEFAULT_DEADLINE_HOURS = 168;

beforeAll(async () => {
  engine = await Engine.start({
    label: 'transfers',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
  });
  await seedWarehouse(engine.db, { id: SOURCE, mode: 'manual', priority: 10, bins: [] });
  await seedWarehouse(engine.db, { id: DEST, mode: 'manual', priority: 20, bins: [] });
  await seedWarehouse(engine.db, { id: LIGHTS_OUT, mode: 'auto', priority: 30, bins: [] });
});

afterEach(async () => {
  engine.config.transfers.deadlineHours = DEFAULT_DEADLINE_HOURS;
  await expectInvariants(engine.db, engine.temporal);
});

afterAll(async () => {
  await engine?.stop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

/** A new product with these receipts (units at a unit cost) at a location. */
async function stocked(receipts: { quantity: number; unitCostCents?: number }[], locationId = SOURCE): Promise<Product> {
  const product = await seedProduct(engine.db, unique('TRF'), 1000);
  for (const receipt of receipts) {
    const answer = await engine.call('ops', 'POST', '/v1/inventory/receipts', {
      locationId,
      lines: [{ sku: product.sku, quantity: receipt.quantity, ...(receipt.unitCostCents ? { unitCostCents: receipt.unitCostCents } : {}) }],
    });
    expect(answer.status).toBe(201);
  }
  return product;
}

const transfer = (body: object, headers: Record<string, string> = {}) => engine.call('warehouse', 'POST', '/v1/inventory/transfers', body, headers);
const ship = (id: string) => engine.call('warehouse', 'POST', `/v1/inventory/transfers/${id}/ship`, {});
const receive = (id: string, lines: { sku: string; quantity: number }[]) => engine.call('warehouse', 'POST', `/v1/inventory/transfers/${id}/receive`, { lines });

async function level(sku: string, locationId: string): Promise<{ onHand: number; reserved: number; inTransit: number }> {
  const row = await engine.db('inventory_levels').where({ sku, location_id: locationId }).first();
  return row ? { onHand: row.on_hand, reserved: row.reserved, inTransit: row.in_transit } : { onHand: 0, reserved: 0, inTransit: 0 };
}

/** The inTransit the levels API shows for a SKU at a location. */
async function levelsInTransit(sku: string, locationId: string): Promise<number> {
  const answer = await engine.call('ops', 'GET', `/v1/inventory/levels?sku=${sku}&locationId=${locationId}`);
  expect(answer.status).toBe(200);
  return answer.body.data[0]?.inTransit ?? 0;
}

const rowCounts = async () => {
  const count = async (table: string) => Number((await engine.db(table).count({ n: '*' }).first())!.n);
  return { transfers: await count('transfers'), lines: await count('transfer_lines'), movements: await count('inventory_movements') };
};

async function transferOnceItIs(id: string, status: string) {
  return eventually(async () => {
    const answer = await engine.call('ops', 'GET', `/v1/inventory/transfers/${id}`);
    return answer.body.status === status ? answer.body : undefined;
  }, 60_000);
}

async function orderOnceItIs(orderId: string, statuses: string[]) {
  return eventually(async () => {
    const answer = await engine.call('ops', 'GET', `/v1/orders/${orderId}`);
    return statuses.includes(answer.body.status) ? answer.body : undefined;
  }, 60_000);
}

const layersAt = (sku: string, locationId: string) =>
  engine.db('cost_layers').where({ sku, location_id: locationId }).orderBy('id').select('quantity', 'remaining', 'unit_cost_cents');

describe('a transfer from request to receipt', () => {
  it('holds at the source, ships with its FIFO cost, is in transit, is received in two parts and wakes a backorder at the destination', async () => {
    const product = await stocked([{ quantity: 3, unitCostCents: 100 }, { quantity: 4, unitCostCents: 250 }]);
    const created = await transfer({ fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku: product.sku, quantity: 5 }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'RESERVED', deadline: null, lines: [{ lineNo: 1, sku: product.sku, quantity: 5, shipped: 0, inTransit: 0 }] });
    const id = created.body.id as string;
    expect(await level(product.sku, SOURCE)).toEqual({ onHand: 7, reserved: 5, inTransit: 0 });

    // All that is left to sell is held by the transfer: the order waits for stock.
    const order = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), [{ sku: product.sku, quantity: 4 }]));
    expect(order.status).toBe(201);
    await orderOnceItIs(order.body.id, ['BACKORDERED']);

    const shipped = await ship(id);
    expect(shipped.status).toBe(200);
    expect(shipped.body).toMatchObject({ status: 'IN_TRANSIT', deadline: expect.any(String), lines: [{ shipped: 5, received: 0, inTransit: 5 }] });
    expect(await level(product.sku, SOURCE)).toEqual({ onHand: 2, reserved: 0, inTransit: 0 });
    expect(await level(product.sku, DEST)).toEqual({ onHand: 0, reserved: 0, inTransit: 5 });
    expect(await levelsInTransit(product.sku, DEST)).toBe(5);
    // Oldest layers leave first: 3 at 100 and 2 of the 4 at 250.
    expect(await layersAt(product.sku, SOURCE)).toEqual([
      { quantity: 3, remaining: 0, unit_cost_cents: 100 },
      { quantity: 4, remaining: 2, unit_cost_cents: 250 },
    ]);
    const again = await ship(id);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('transfer_not_awaiting_shipment');

    const first = await receive(id, [{ sku: product.sku, quantity: 4 }]);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'IN_TRANSIT', lines: [{ shipped: 5, received: 4, inTransit: 1 }] });
    expect(await level(product.sku, DEST)).toMatchObject({ onHand: 4, inTransit: 1 });
    // The units arrive with the cost they left with, in the order they left.
    expect(await layersAt(product.sku, DEST)).toEqual([
      { quantity: 3, remaining: 3, unit_cost_cents: 100 },
      { quantity: 1, remaining: 1, unit_cost_cents: 250 },
    ]);
    await orderOnceItIs(order.body.id, ['FULFILLING']);
    expect(await level(product.sku, DEST)).toEqual({ onHand: 4, reserved: 4, inTransit: 1 });

    const last = await receive(id, [{ sku: product.sku, quantity: 1 }]);
    expect(last.body).toMatchObject({ status: 'RECEIVED', closedAt: expect.any(String), lines: [{ received: 5, writtenOff: 0, inTransit: 0 }] });
    expect(await level(product.sku, DEST)).toEqual({ onHand: 5, reserved: 4, inTransit: 0 });
    const ledger = await engine.db('inventory_movements').where({ reference_type: 'transfer', reference_id: id }).orderBy('id');
    expect(ledger.map((row) => [row.kind, row.location_id, row.quantity])).toEqual([
      ['transfer_out', SOURCE, -5],
      ['transfer_in', DEST, 4],
      ['transfer_in', DEST, 1],
    ]);
    expect(await engine.temporal.workflow.getHandle(transferWorkflowId(id)).result()).toBe('RECEIVED');
    const closed = await receive(id, [{ sku: product.sku, quantity: 1 }]);
    expect(closed.status).toBe(409);
    expect(closed.body.code).toBe('transfer_not_in_transit');
  });

  it('from an auto location ships at once, and replays an Idempotency-Key without a second transfer', async () => {
    const product = await stocked([{ quantity: 6 }], LIGHTS_OUT);
    const body = { fromLocationId: LIGHTS_OUT, toLocationId: DEST, lines: [{ sku: product.sku, quantity: 6 }] };
    const key = { 'idempotency-key': unique('trf-key') };
    const first = await transfer(body, key);
    const replayed = await transfer(body, key);
    expect(first.status).toBe(201);
    expect(replayed.body.id).toBe(first.body.id);
    expect(await engine.db('transfers').where({ from_location_id: LIGHTS_OUT }).whereIn('id', [first.body.id])).toHaveLength(1);
    await transferOnceItIs(first.body.id, 'IN_TRANSIT');
    expect(await level(product.sku, LIGHTS_OUT)).toEqual({ onHand: 0, reserved: 0, inTransit: 0 });
    expect(await level(product.sku, DEST)).toEqual({ onHand: 0, reserved: 0, inTransit: 6 });
    const reused = await transfer({ ...body, lines: [{ sku: product.sku, quantity: 1 }] }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
    const done = await receive(first.body.id, [{ sku: product.sku, quantity: 6 }]);
    expect(done.body.status).toBe('RECEIVED');
  });

  it('writes off what has not arrived by the deadline as lost_in_transit and closes', async () => {
    engine.config.transfers.deadlineHours = 8 / 3600;
    const product = await stocked([{ quantity: 5, unitCostCents: 300 }]);
    const created = await transfer({ fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku: product.sku, quantity: 5 }] });
    expect((await ship(created.body.id)).status).toBe(200);
    const partial = await receive(created.body.id, [{ sku: product.sku, quantity: 3 }]);
    expect(partial.body).toMatchObject({ status: 'IN_TRANSIT', lines: [{ received: 3, inTransit: 2 }] });

    const closed = await transferOnceItIs(created.body.id, 'CLOSED_SHORT');
    expect(closed).toMatchObject({ writeOffReason: 'lost_in_transit', lines: [{ shipped: 5, received: 3, writtenOff: 2, inTransit: 0 }] });
    expect(await engine.db('transfer_lines').where({ transfer_id: created.body.id }).first('written_off_cost_cents')).toEqual({ written_off_cost_cents: 600 });
    expect(await level(product.sku, DEST)).toEqual({ onHand: 3, reserved: 0, inTransit: 0 });
    expect(await level(product.sku, SOURCE)).toEqual({ onHand: 0, reserved: 0, inTransit: 0 });
    expect(await engine.temporal.workflow.getHandle(transferWorkflowId(created.body.id)).result()).toBe('CLOSED_SHORT');
    const late = await receive(created.body.id, [{ sku: product.sku, quantity: 2 }]);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('transfer_not_in_transit');
  });
});

describe('a transfer left without its workflow by a crash', () => {
  it('is started by the sweep, and then ships', async () => {
    const product = await stocked([{ quantity: 2 }]);
    const id = await engine.db.transaction((trx) =>
      createTransfer(trx, { fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku: product.sku, quantity: 2 }], receiveWithinSeconds: 3600 }),
    );
    await engine.db('transfers').where({ id }).update({ created_at: engine.db.raw("now() - interval '5 minutes'") });
    const swept = await sweepUnstartedWork(engine.db, engine.temporal, engine.taskQueue, { olderThanSeconds: 60 });
    expect(swept.transfers).toBeGreaterThanOrEqual(1);
    expect(await engine.db('transfers').where({ id }).first('workflow_started_at')).toEqual({ workflow_started_at: expect.any(Date) });
    expect((await ship(id)).body).toMatchObject({ status: 'IN_TRANSIT' });
    expect((await receive(id, [{ sku: product.sku, quantity: 2 }])).body).toMatchObject({ status: 'RECEIVED' });
  });
});

describe('refusals: a code, and nothing written', () => {
  it.each([
    ['same_location', 422, (sku: string) => ({ fromLocationId: SOURCE, toLocationId: SOURCE, lines: [{ sku, quantity: 1 }] })],
    ['exceeds_available', 422, (sku: string) => ({ fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku, quantity: 6 }] })],
    ['unknown_sku', 422, () => ({ fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku: 'NO-SUCH-SKU', quantity: 1 }] })],
    ['location_not_found', 404, (sku: string) => ({ fromLocationId: SOURCE, toLocationId: 'NOWHERE', lines: [{ sku, quantity: 1 }] })],
    ['duplicate_line', 422, (sku: string) => ({ fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku, quantity: 1 }, { sku, quantity: 1 }] })],
  ])('%s', async (code, status, body) => {
    const product = await stocked([{ quantity: 5 }]);
    const before = await rowCounts();
    const answer = await transfer(body(product.sku));
    expect(answer.status).toBe(status);
    expect(answer.body.code).toBe(code);
    expect(await rowCounts()).toEqual(before);
    expect(await level(product.sku, SOURCE)).toEqual({ onHand: 5, reserved: 0, inTransit: 0 });
  });

  it('kit_not_transferable: a kit holds no stock; its components are transferred instead', async () => {
    const component = await stocked([{ quantity: 5 }]);
    const kit = await seedProduct(engine.db, unique('TRF-KIT'), 3000);
    await engine.db('products').where({ sku: kit.sku }).update({ kind: 'kit' });
    await engine.db('kit_components').insert({ kit_sku: kit.sku, component_sku: component.sku, quantity: 2 });
    const before = await rowCounts();
    const answer = await transfer({ fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku: kit.sku, quantity: 1 }] });
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe('kit_not_transferable');
    expect(await rowCounts()).toEqual(before);
  });

  it('exceeds_shipped and sku_not_on_transfer on receipt; a key holding only the other end cannot ship or receive', async () => {
    const product = await stocked([{ quantity: 4 }]);
    const created = await transfer({ fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku: product.sku, quantity: 4 }] });
    const early = await receive(created.body.id, [{ sku: product.sku, quantity: 1 }]);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('transfer_not_in_transit');

    const destinationOnly = (await createApiKey(engine.db, 'destination dock', 'warehouse', { locationIds: [DEST] })).key;
    const sourceOnly = (await createApiKey(engine.db, 'source dock', 'warehouse', { locationIds: [SOURCE] })).key;
    const as = (key: string, path: string, body: object) =>
      fetch(`${engine.apiUrl}/v1/inventory/transfers/${created.body.id}/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await as(destinationOnly, 'ship', {})).status).toBe(404);
    expect((await as(sourceOnly, 'ship', {})).status).toBe(200);
    expect((await as(sourceOnly, 'receive', { lines: [{ sku: product.sku, quantity: 1 }] })).status).toBe(404);

    const before = await rowCounts();
    const tooMany = await receive(created.body.id, [{ sku: product.sku, quantity: 5 }]);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.code).toBe('exceeds_shipped');
    const other = await receive(created.body.id, [{ sku: 'NOT-ON-IT', quantity: 1 }]);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('sku_not_on_transfer');
    expect(await rowCounts()).toEqual(before);
    expect(await level(product.sku, DEST)).toEqual({ onHand: 0, reserved: 0, inTransit: 4 });

    const received = await as(destinationOnly, 'receive', { lines: [{ sku: product.sku, quantity: 4 }] });
    expect(received.status).toBe(200);
    expect(((await received.json()) as { status: string }).status).toBe('RECEIVED');
  });
});

describe('transfers racing orders', () => {
  it('on one SKU never oversell: orders and transfers together hold at most what is on hand', async () => {
    const product = await stocked([{ quantity: 20 }]);
    const orders = Array.from({ length: 8 }, () =>
      engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), [{ sku: product.sku, quantity: 2 }])),
    );
    const transfers = Array.from({ length: 3 }, () => transfer({ fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku: product.sku, quantity: 6 }] }));
    const [orderAnswers, transferAnswers] = await Promise.all([Promise.all(orders), Promise.all(transfers)]);
    expect(orderAnswers.every((answer) => answer.status === 201)).toBe(true);
    const accepted = transferAnswers.filter((answer) => answer.status === 201);
    const refused = transferAnswers.filter((answer) => answer.status !== 201);
    expect(refused.every((answer) => answer.status === 422 && answer.body.code === 'exceeds_available')).toBe(true);

    const settled = await Promise.all(orderAnswers.map((answer) => orderOnceItIs(answer.body.id, ['FULFILLING', 'BACKORDERED'])));
    const fulfilling = settled.filter((order) => order.status === 'FULFILLING').length;
    const source = await level(product.sku, SOURCE);
    expect(source.onHand).toBe(20);
    expect(source.reserved).toBe(fulfilling * 2 + accepted.length * 6);
    expect(source.reserved).toBeLessThanOrEqual(20);
    // Nothing sellable is left idle while an order waits: a backordered order means less than 2 available.
    if (fulfilling < 8) expect(source.onHand - source.reserved).toBeLessThan(2);

    for (const answer of accepted) expect((await ship(answer.body.id)).status).toBe(200);
    expect(await level(product.sku, SOURCE)).toMatchObject({ onHand: 20 - accepted.length * 6, reserved: fulfilling * 2 });
    expect(await level(product.sku, DEST)).toMatchObject({ inTransit: accepted.length * 6 });
  });
});

describe('cancelling a transfer', () => {
  it('releases the hold at the source (waking an order waiting there) and closes CANCELLED; then it can neither ship nor cancel again', async () => {
    const product = await stocked([{ quantity: 5 }]);
    const created = await transfer({ fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku: product.sku, quantity: 5 }] });
    const id = created.body.id as string;
    const order = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), [{ sku: product.sku, quantity: 2 }]));
    await orderOnceItIs(order.body.id, ['BACKORDERED']);

    const destinationOnly = (await createApiKey(engine.db, 'destination dock', 'warehouse', { locationIds: [DEST] })).key;
    const sourceOnly = (await createApiKey(engine.db, 'source dock', 'warehouse', { locationIds: [SOURCE] })).key;
    const cancelAs = (key: string) =>
      fetch(`${engine.apiUrl}/v1/inventory/transfers/${id}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'stock needed here' }),
      });
    expect((await cancelAs(destinationOnly)).status).toBe(404);
    expect(await level(product.sku, SOURCE)).toEqual({ onHand: 5, reserved: 5, inTransit: 0 });

    const cancelled = await cancelAs(sourceOnly);
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: 'CANCELLED', cancelReason: 'stock needed here', closedAt: expect.any(String), lines: [{ shipped: 0 }] });
    expect(await engine.temporal.workflow.getHandle(transferWorkflowId(id)).result()).toBe('CANCELLED');
    await orderOnceItIs(order.body.id, ['FULFILLING']);
    expect(await level(product.sku, SOURCE)).toEqual({ onHand: 5, reserved: 2, inTransit: 0 });
    expect(await engine.db('inventory_movements').where({ reference_type: 'transfer', reference_id: id })).toEqual([]);

    const shipAfter = await ship(id);
    expect(shipAfter.status).toBe(409);
    expect(shipAfter.body.code).toBe('transfer_not_awaiting_shipment');
    const again = await engine.call('ops', 'POST', `/v1/inventory/transfers/${id}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('transfer_not_cancellable');
  });

  it('is refused 409 once shipped, with nothing changed', async () => {
    const product = await stocked([{ quantity: 3 }]);
    const created = await transfer({ fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku: product.sku, quantity: 3 }] });
    expect((await ship(created.body.id)).status).toBe(200);
    const before = await rowCounts();
    const refused = await engine.call('ops', 'POST', `/v1/inventory/transfers/${created.body.id}/cancel`, { reason: 'too late' });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('transfer_not_cancellable');
    expect(await rowCounts()).toEqual(before);
    expect(await level(product.sku, DEST)).toEqual({ onHand: 0, reserved: 0, inTransit: 3 });
    expect((await engine.call('ops', 'GET', `/v1/inventory/transfers/${created.body.id}`)).body.status).toBe('IN_TRANSIT');
    expect((await receive(created.body.id, [{ sku: product.sku, quantity: 3 }])).body.status).toBe('RECEIVED');
  });
});

describe('GET /v1/inventory/transfers', () => {
  it('lists newest first by status and location (from or to), in pages, and a warehouse key sees only transfers touching its locations', async () => {
    const north = unique('WH-N');
    const south = unique('WH-S');
    await seedWarehouse(engine.db, { id: north, mode: 'manual', priority: 40, bins: [] });
    await seedWarehouse(engine.db, { id: south, mode: 'manual', priority: 50, bins: [] });
    const atNorth = await stocked([{ quantity: 10 }], north);
    const atSource = await stocked([{ quantity: 10 }]);
    const make = async (body: object) => (await transfer(body)).body.id as string;
    const first = await make({ fromLocationId: north, toLocationId: south, lines: [{ sku: atNorth.sku, quantity: 1 }] });
    const second = await make({ fromLocationId: SOURCE, toLocationId: north, lines: [{ sku: atSource.sku, quantity: 1 }] });
    const third = await make({ fromLocationId: north, toLocationId: DEST, lines: [{ sku: atNorth.sku, quantity: 2 }] });
    expect((await engine.call('ops', 'POST', `/v1/inventory/transfers/${second}/cancel`, {})).status).toBe(200);

    const list = async (query: string, role: 'ops' | 'warehouse' = 'ops') => {
      const answer = await engine.call(role, 'GET', `/v1/inventory/transfers?${query}`);
      expect(answer.status).toBe(200);
      return answer.body as { data: { id: string; lines: { sku: string; quantity: number }[] }[]; nextCursor: string | null };
    };
    const ids = (page: { data: { id: string }[] }) => page.data.map((row) => row.id);
    const all = await list(`locationId=${north}`);
    expect(ids(all)).toEqual([third, second, first]);
    expect(all.data[0].lines).toMatchObject([{ sku: atNorth.sku, quantity: 2 }]);
    expect(ids(await list(`locationId=${south}`))).toEqual([first]);
    expect(ids(await list(`locationId=${north}&status=CANCELLED`))).toEqual([second]);
    expect(ids(await list(`locationId=${north}&status=RESERVED`))).toEqual([third, first]);

    const page1 = await list(`locationId=${north}&limit=2`);
    expect(ids(page1)).toEqual([third, second]);
    const page2 = await list(`locationId=${north}&limit=2&cursor=${page1.nextCursor}`);
    expect(ids(page2)).toEqual([first]);
    expect(page2.nextCursor).toBeNull();

    const southKey = (await createApiKey(engine.db, 'south dock', 'warehouse', { locationIds: [south] })).key;
    const asSouth = (query: string) => fetch(`${engine.apiUrl}/v1/inventory/transfers?${query}`, { headers: { authorization: `Bearer ${southKey}` } });
    const seen = (await (await asSouth('limit=200')).json()) as { data: { id: string }[] };
    expect(ids(seen)).toEqual([first]);
    expect((await asSouth(`locationId=${north}`)).status).toBe(404);
    expect((await engine.call('ops', 'GET', '/v1/inventory/transfers?status=LOST')).status).toBe(400);
    expect((await engine.call('ops', 'GET', '/v1/inventory/transfers?cursor=nonsense')).body.code).toBe('invalid_cursor');

    for (const id of [first, third]) expect((await engine.call('ops', 'POST', `/v1/inventory/transfers/${id}/cancel`, {})).status).toBe(200);
  });
});

describe('units in transit in the valuation report', () => {
  const valuation = async (sku: string, asOf?: Date) => {
    const answer = await engine.call('ops', 'GET', `/v1/reports/valuation?sku=${sku}${asOf ? `&asOf=${asOf.toISOString()}` : ''}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const pause = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('carry the FIFO cost they left with until received, per SKU and in total, now and as of a past moment', async () => {
    const product = await stocked([{ quantity: 3, unitCostCents: 100 }, { quantity: 4, unitCostCents: 250 }]);
    const created = await transfer({ fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku: product.sku, quantity: 5 }] });
    const held = await valuation(product.sku);
    expect(held.inTransit).toEqual({ lines: [], total: { units: 0, valueCents: 0, consignedUnits: 0 } });
    await pause();
    const beforeShipping = new Date();
    await pause();
    expect((await ship(created.body.id)).status).toBe(200);

    // 3 at 100 and 2 at 250 left the source: 800 in transit; 2 at 250 stay at the source.
    const shipped = await valuation(product.sku);
    expect(shipped.total).toMatchObject({ units: 2, valueCents: 500 });
    expect(shipped.inTransit).toEqual({
      lines: [{ sku: product.sku, units: 5, valueCents: 800, consignedUnits: 0 }],
      total: { units: 5, valueCents: 800, consignedUnits: 0 },
    });
    await pause();
    const whileShipped = new Date();
    await pause();

    // The first 4 to arrive are the 3 at 100 and one at 250: one at 250 is still on its way.
    await receive(created.body.id, [{ sku: product.sku, quantity: 4 }]);
    const partly = await valuation(product.sku);
    expect(partly.inTransit.lines).toEqual([{ sku: product.sku, units: 1, valueCents: 250, consignedUnits: 0 }]);
    expect(partly.total).toMatchObject({ units: 6, valueCents: 500 + 550 });
    expect((await valuation(product.sku, whileShipped)).inTransit.total).toEqual({ units: 5, valueCents: 800, consignedUnits: 0 });
    expect((await valuation(product.sku, beforeShipping)).inTransit.lines).toEqual([]);

    await receive(created.body.id, [{ sku: product.sku, quantity: 1 }]);
    const received = await valuation(product.sku);
    expect(received.inTransit.lines).toEqual([]);
    expect(received.total).toMatchObject({ units: 7, valueCents: 1300 });
  });

  it('leave it once written off at the deadline', async () => {
    engine.config.transfers.deadlineHours = 6 / 3600;
    const product = await stocked([{ quantity: 4, unitCostCents: 300 }]);
    const created = await transfer({ fromLocationId: SOURCE, toLocationId: DEST, lines: [{ sku: product.sku, quantity: 4 }] });
    expect((await ship(created.body.id)).status).toBe(200);
    await receive(created.body.id, [{ sku: product.sku, quantity: 1 }]);
    expect((await valuation(product.sku)).inTransit.total).toEqual({ units: 3, valueCents: 900, consignedUnits: 0 });
    await pause();
    const beforeWriteOff = new Date();
    await transferOnceItIs(created.body.id, 'CLOSED_SHORT');
    const closed = await valuation(product.sku);
    expect(closed.inTransit.lines).toEqual([]);
    expect(closed.total).toMatchObject({ units: 1, valueCents: 300 });
    expect((await valuation(product.sku, beforeWriteOff)).inTransit.total).toEqual({ units: 3, valueCents: 900, consignedUnits: 0 });
  });
});

import { createTransfer, transferActivities } from '../../activities/transfers';
import { createApiKey } from '../../infra/api-keys';
import { receiptWorkflowId } from '../../workflows/definitions';
import {
  type ApiTest,
  bearer,
  insertOrder,
  rowCounts,
  type SeededProduct,
  seedLocation,
  seedProduct,
  seedStock,
  startApiTest,
  finishApiTest,
} from '../helpers/api';

let t: ApiTest;
let warehouse: string;
let otherWarehouse: string;
let bolt: SeededProduct;
let nut: SeededProduct;
let washer: SeededProduct;

beforeAll(async () => {
  t = await startApiTest();
  warehouse = `${t.prefix}-WH`;
  otherWarehouse = `${t.prefix}-WH2`;
  await seedLocation(t.db, warehouse, ['A-01', 'B-07']);
  await seedLocation(t.db, otherWarehouse, ['Z-99']);
  bolt = await seedProduct(t.db, `${t.prefix}-BOLT`);
  nut = await seedProduct(t.db, `${t.prefix}-NUT`);
  washer = await seedProduct(t.db, `${t.prefix}-WASHER`);
  await seedStock(t.db, bolt.sku, warehouse, 5, 'A-01');
});

afterAll(() => finishApiTest(t));

const receive = (payload: unknown, headers: Record<string, string> = {}) =>
  t.request({ method: 'POST', url: '/v1/inventory/receipts', headers: { ...bearer(t.keys.warehouse), ...headers }, payload });
const counts = () => rowCounts(t.db, { locationId: warehouse });
const levelsAt = async (locationId: string) =>
  Object.fromEntries(
    (await t.db('inventory_levels').where({ location_id: locationId })).map((row) => [row.sku, row.on_hand]),
  );

describe('POST /v1/inventory/receipts', () => {
  it('adds to on_hand, writes one ledger row per line, assigns bins and wakes backorders', async () => {
    const res = await receive({
      locationId: warehouse,
      reference: 'ASN-1001',
      lines: [
        { sku: nut.sku, quantity: 40, bin: 'B-07' },
        { sku: bolt.sku, quantity: 10 },
      ],
    });
    expect(res.statusCode).toBe(201);
    const receipt = res.json();
    expect(receipt.id).toMatch(/^rcv_[0-9a-f]{24}$/);
    expect(receipt).toMatchObject({ locationId: warehouse, reference: 'ASN-1001' });
    expect(receipt.levels).toEqual([
      { sku: bolt.sku, locationId: warehouse, onHand: 15, reserved: 0, available: 15, inTransit: 0, incoming: 0, bin: 'A-01' },
      { sku: nut.sku, locationId: warehouse, onHand: 40, reserved: 0, available: 40, inTransit: 0, incoming: 0, bin: 'B-07' },
    ]);

    const ledger = await t.db('inventory_movements').where({ reference_type: 'receipt', reference_id: receipt.id }).orderBy('sku');
    expect(ledger).toEqual([
      expect.objectContaining({ sku: bolt.sku, quantity: 10, kind: 'receipt', idempotency_key: `receipt:${receipt.id}:${bolt.sku}` }),
      expect.objectContaining({ sku: nut.sku, quantity: 40, kind: 'receipt', idempotency_key: `receipt:${receipt.id}:${nut.sku}` }),
    ]);

    const row = await t.db('receipts').where({ id: receipt.id }).first();
    expect(row.wake_started_at).not.toBeNull();
    const wake = await t.temporal.workflow.getHandle(receiptWorkflowId(receipt.id)).describe();
    expect(wake.type).toBe('wakeBackordersWorkflow');
  });

  it('replays the same key and body without touching stock, and refuses the key with another body', async () => {
    const key = { 'idempotency-key': `${t.prefix}-rcv` };
    const body = { locationId: warehouse, lines: [{ sku: washer.sku, quantity: 7 }] };
    const first = await receive(body, key);
    expect(first.statusCode).toBe(201);
    const before = { counts: await counts(), levels: await levelsAt(warehouse) };

    const replay = await receive(body, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotency-replayed']).toBe('true');
    expect(replay.json().id).toBe(first.json().id);

    const other = await receive({ ...body, lines: [{ sku: washer.sku, quantity: 8 }] }, key);
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('idempotency_key_reused');
    expect({ counts: await counts(), levels: await levelsAt(warehouse) }).toEqual(before);
  });

  it('scopes keys to the API key: another caller with the same key and body receives again', async () => {
    const key = { 'idempotency-key': `${t.prefix}-rcv-shared` };
    const body = { locationId: warehouse, lines: [{ sku: washer.sku, quantity: 2 }] };
    const onHandBefore = (await levelsAt(warehouse))[washer.sku];
    const other = await createApiKey(t.db, `${t.prefix} other warehouse`, 'warehouse', { locationIds: [warehouse] });
    const mine = await receive(body, key);
    const theirs = await receive(body, { ...key, ...bearer(other.key) });
    expect([mine.statusCode, theirs.statusCode]).toEqual([201, 201]);
    expect(theirs.headers['idempotency-replayed']).toBeUndefined();
    expect(theirs.json().id).not.toBe(mine.json().id);
    expect((await levelsAt(warehouse))[washer.sku]).toBe(onHandBefore + 4);
    const theirRetry = await receive(body, { ...key, ...bearer(other.key) });
    expect(theirRetry.headers['idempotency-replayed']).toBe('true');
    expect(theirRetry.json().id).toBe(theirs.json().id);
    expect((await levelsAt(warehouse))[washer.sku]).toBe(onHandBefore + 4);
  });

  it('turns concurrent receipts with one key into one receipt', async () => {
    const key = { 'idempotency-key': `${t.prefix}-race` };
    const body = { locationId: warehouse, lines: [{ sku: washer.sku, quantity: 3 }] };
    const onHandBefore = (await levelsAt(warehouse))[washer.sku];
    const responses = await Promise.all(Array.from({ length: 5 }, () => receive(body, key)));
    expect(responses.map((res) => res.statusCode)).toEqual(Array(5).fill(201));
    expect(new Set(responses.map((res) => res.json().id)).size).toBe(1);
    expect((await levelsAt(warehouse))[washer.sku]).toBe(onHandBefore + 3);
  });

  describe('refuses bad input and writes nothing', () => {
    const cases: [string, () => unknown, number, string][] = [
      ['an unknown location', () => ({ locationId: `${t.prefix}-NOWHERE`, lines: [{ sku: bolt.sku, quantity: 1 }] }), 422, 'unknown_location'],
      ['an unknown sku', () => ({ locationId: warehouse, lines: [{ sku: `${t.prefix}-GHOST`, quantity: 1 }] }), 422, 'unknown_sku'],
      ['the same sku twice', () => ({ locationId: warehouse, lines: [{ sku: bolt.sku, quantity: 1 }, { sku: bolt.sku, quantity: 2 }] }), 422, 'duplicate_sku'],
      ['a bin of another location', () => ({ locationId: warehouse, lines: [{ sku: bolt.sku, quantity: 1, bin: 'Z-99' }] }), 422, 'unknown_bin'],
      ['a bin that does not exist', () => ({ locationId: warehouse, lines: [{ sku: bolt.sku, quantity: 1, bin: 'Q-00' }] }), 422, 'unknown_bin'],
      ['quantity 0', () => ({ locationId: warehouse, lines: [{ sku: bolt.sku, quantity: 0 }] }), 400, 'validation_error'],
      ['quantity "3"', () => ({ locationId: warehouse, lines: [{ sku: bolt.sku, quantity: '3' }] }), 400, 'validation_error'],
      ['no lines', () => ({ locationId: warehouse, lines: [] }), 400, 'validation_error'],
      ['an unknown field', () => ({ locationId: warehouse, lines: [{ sku: bolt.sku, quantity: 1 }], supplier: 'x' }), 400, 'validation_error'],
    ];

    it.each(cases)('%s', async (_name, body, status, code) => {
      const before = { counts: await counts(), levels: await levelsAt(warehouse), bins: await t.db('bin_assignments').where({ location_id: warehouse }) };
      const res = await receive(body());
      expect(res.statusCode).toBe(status);
      expect(res.json().code).toBe(code);
      expect({
        counts: await counts(),
        levels: await levelsAt(warehouse),
        bins: await t.db('bin_assignments').where({ location_id: warehouse }),
      }).toEqual(before);
    });
  });
});

describe('GET /v1/inventory/levels', () => {
  it('filters by sku and location and computes available', async () => {
    // Reserved stock as the engine records it: an order's active reservation and the level's reserved together.
    const orderId = `ord_${t.prefix}res`;
    await insertOrder(t, { id: orderId, customerId: `${t.prefix}-cust`, createdAt: new Date(), sku: bolt.sku });
    await t.db.transaction(async (trx) => {
      await trx('reservations').insert({ order_id: orderId, allocation_no: 1, line_no: 1, sku: bolt.sku, location_id: warehouse, quantity: 2 });
      await trx('inventory_levels').where({ sku: bolt.sku, location_id: warehouse }).increment('reserved', 2);
    });
    const res = await t.request({ url: `/v1/inventory/levels?sku=${bolt.sku}`, headers: bearer(t.keys.warehouse) });
    expect(res.statusCode).toBe(200);
    const [level] = res.json().data;
    expect(res.json()).toEqual({ data: [level], nextCursor: null });
    expect(level).toMatchObject({ sku: bolt.sku, locationId: warehouse, reserved: 2, available: level.onHand - 2, bin: 'A-01' });

    const byLocation = await t.request({ url: `/v1/inventory/levels?locationId=${warehouse}`, headers: bearer(t.keys.warehouse) });
    expect(byLocation.json().data.map((row: { sku: string }) => row.sku)).toEqual([bolt.sku, nut.sku, washer.sku]);
  });

  const levelsPage = (query: string) => t.request({ url: `/v1/inventory/levels?${query}`, headers: bearer(t.keys.warehouse) });

  /** Every page of a query, as sku@location per page. */
  async function allPages(query: string, between?: (pageNo: number) => Promise<void>): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await levelsPage(`${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      pages.push(res.json().data.map((row: { sku: string; locationId: string }) => `${row.sku}@${row.locationId}`));
      cursor = res.json().nextCursor;
      await between?.(pages.length);
    } while (cursor);
    return pages;
  }

  it('pages by sku then location: every level once, a new level before the cursor shifts no page', async () => {
    // One sku at two locations: the cursor breaks the tie on location.
    await seedStock(t.db, washer.sku, otherWarehouse, 1);
    expect(await allPages(`sku=${washer.sku}&limit=1`)).toEqual([[`${washer.sku}@${warehouse}`], [`${washer.sku}@${otherWarehouse}`]]);

    const rivet = await seedProduct(t.db, `${t.prefix}-RIVET`);
    const screw = await seedProduct(t.db, `${t.prefix}-SCREW`);
    await seedStock(t.db, rivet.sku, otherWarehouse, 1);
    await seedStock(t.db, screw.sku, otherWarehouse, 1);
    const pages = await allPages(`locationId=${otherWarehouse}&limit=1`, async (pageNo) => {
      // Sorts before the first page's row: offset paging would repeat that row on page 2.
      if (pageNo === 1) await seedStock(t.db, bolt.sku, otherWarehouse, 1);
    });
    expect(pages).toEqual([[`${rivet.sku}@${otherWarehouse}`], [`${screw.sku}@${otherWarehouse}`], [`${washer.sku}@${otherWarehouse}`]]);
    expect(await allPages(`locationId=${warehouse}&limit=2`)).toEqual([
      [`${bolt.sku}@${warehouse}`, `${nut.sku}@${warehouse}`],
      [`${washer.sku}@${warehouse}`],
    ]);
  });

  it('answers 50 levels a page by default', async () => {
    const crowded = `${t.prefix}-WH3`;
    await seedLocation(t.db, crowded);
    const skus = Array.from({ length: 51 }, (_, index) => `${t.prefix}-MANY-${String(index).padStart(2, '0')}`);
    for (const sku of skus) {
      await seedProduct(t.db, sku);
      await seedStock(t.db, sku, crowded, 1);
    }
    const pages = await allPages(`locationId=${crowded}`);
    expect(pages.map((page) => page.length)).toEqual([50, 1]);
    expect(pages.flat()).toEqual(skus.map((sku) => `${sku}@${crowded}`));
  });

  it.each([
    ['limit 0', 'limit=0', 'validation_error'],
    ['limit 201', 'limit=201', 'validation_error'],
    ['a limit that is no number', 'limit=ten', 'validation_error'],
    ['a cursor that is not base64 JSON', 'cursor=not-a-cursor', 'invalid_cursor'],
    ['a cursor of numbers', `cursor=${Buffer.from(JSON.stringify([1, 2])).toString('base64url')}`, 'invalid_cursor'],
    ['a cursor of another list', `cursor=${Buffer.from(JSON.stringify(['SKU-1'])).toString('base64url')}`, 'invalid_cursor'],
  ])('refuses %s', async (_name, query, code) => {
    const res = await levelsPage(query);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe(code);
  });
});

describe('quarantine stock (damaged returns)', () => {
  it('never counts toward availability, but is listed among the levels with none available', async () => {
    const quarantine = `${t.prefix}-WH-Q`;
    const gear = await seedProduct(t.db, `${t.prefix}-GEAR`);
    await t.db('locations').insert({
      id: quarantine,
      name: 'Damaged returns',
      kind: 'quarantine',
      parent_location_id: warehouse,
      fulfillment_mode: 'manual',
      priority: 99,
      address: JSON.stringify({}),
    });
    await seedStock(t.db, gear.sku, warehouse, 3);
    await seedStock(t.db, gear.sku, quarantine, 2);

    const availability = await t.request({ url: `/v1/inventory/availability?sku=${gear.sku}`, headers: bearer(t.keys.client) });
    expect(availability.json()).toEqual({ data: [{ sku: gear.sku, available: 3 }], nextCursor: null });

    const levels = await t.request({ url: `/v1/inventory/levels?sku=${gear.sku}`, headers: bearer(t.keys.ops) });
    type Level = { locationId: string; onHand: number; available: number };
    expect(levels.json().data.map((level: Level) => [level.locationId, level.onHand, level.available])).toEqual([
      [warehouse, 3, 3],
      [quarantine, 2, 0],
    ]);
  });
});

describe('GET /v1/inventory/movements', () => {
  it('pages through the ledger newest first', async () => {
    const all = await t.db('inventory_movements').where({ location_id: warehouse }).orderBy('id', 'desc').pluck('id');
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `locationId=${warehouse}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.request({ url: `/v1/inventory/movements?${query}`, headers: bearer(t.keys.warehouse) });
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().data.map((movement: { id: number }) => movement.id));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(all.length).toBeGreaterThan(2);
    expect(seen).toEqual(all);
  });

  it('filters by sku and refuses a bad cursor', async () => {
    const res = await t.request({ url: `/v1/inventory/movements?sku=${nut.sku}`, headers: bearer(t.keys.ops) });
    expect(res.json().data).toEqual([
      expect.objectContaining({ sku: nut.sku, locationId: warehouse, quantity: 40, kind: 'receipt', referenceType: 'receipt' }),
    ]);
    const bad = await t.request({ url: '/v1/inventory/movements?cursor=WzBd', headers: bearer(t.keys.ops) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('invalid_cursor');
  });
});

describe('levels with in transit and incoming, and their totals', () => {
  let gasket: SeededProduct;
  let quarantine: string;

  beforeAll(async () => {
    gasket = await seedProduct(t.db, `${t.prefix}-GASKET`);
    quarantine = `${t.prefix}-WH-Q`; // the warehouse's quarantine, made by the test above
    await seedStock(t.db, gasket.sku, warehouse, 13);
    await seedStock(t.db, gasket.sku, otherWarehouse, 6);
    await seedStock(t.db, gasket.sku, quarantine, 2);
    // Three units on their way to the other warehouse: a transfer shipped (its activities, without its workflow).
    const request = { fromLocationId: warehouse, toLocationId: otherWarehouse, lines: [{ sku: gasket.sku, quantity: 3 }] };
    const transferId = await t.db.transaction((trx) => createTransfer(trx, { ...request, receiveWithinSeconds: 3600 }));
    await t.db('transfers').where({ id: transferId }).update({ workflow_started_at: t.db.fn.now() });
    await transferActivities(t.db, async () => undefined).shipTransfer({ transferId });
    const orderId = `ord_${t.prefix}gasket`;
    await insertOrder(t, { id: orderId, customerId: `${t.prefix}-cust`, createdAt: new Date(), sku: gasket.sku });
    await t.db.raw('SELECT * FROM reserve_stock(?, 1, ?::jsonb)', [
      orderId,
      JSON.stringify([{ line_no: 1, sku: gasket.sku, location_id: warehouse, quantity: 4 }]),
    ]);
  });

  it('shows on hand, reserved, available, in transit and incoming per sku and location', async () => {
    const res = await t.request({ url: `/v1/inventory/levels?sku=${gasket.sku}`, headers: bearer(t.keys.ops) });
    const levels = res.json().data.map(({ locationId, onHand, reserved, available, inTransit, incoming }: Record<string, unknown>) => ({
      locationId, onHand, reserved, available, inTransit, incoming,
    }));
    expect(levels).toEqual([
      { locationId: warehouse, onHand: 10, reserved: 4, available: 6, inTransit: 0, incoming: 0 },
      { locationId: otherWarehouse, onHand: 6, reserved: 0, available: 6, inTransit: 3, incoming: 0 },
      { locationId: quarantine, onHand: 2, reserved: 0, available: 0, inTransit: 0, incoming: 0 },
    ].sort((a, b) => (a.locationId < b.locationId ? -1 : 1)));
  });

  it('sums them per sku and in total, over a warehouse key\'s locations only', async () => {
    const all = await t.request({ url: `/v1/inventory/levels/totals?sku=${gasket.sku}`, headers: bearer(t.keys.ops) });
    const totals = { onHand: 18, reserved: 4, available: 12, inTransit: 3, incoming: 0 };
    expect(all.json()).toEqual({ data: [{ sku: gasket.sku, ...totals }], total: totals, nextCursor: null });

    const { key } = await createApiKey(t.db, `${t.prefix} gasket`, 'warehouse', { locationIds: [warehouse] });
    const mine = await t.request({ url: `/v1/inventory/levels/totals?sku=${gasket.sku}`, headers: bearer(key) });
    const here = { onHand: 10, reserved: 4, available: 6, inTransit: 0, incoming: 0 };
    expect(mine.json()).toEqual({ data: [{ sku: gasket.sku, ...here }], total: here, nextCursor: null });
    expect((await t.request({ url: '/v1/inventory/levels/totals', headers: bearer(t.keys.client) })).statusCode).toBe(403);
  });

  it('pages totals by sku; the total covers every page', async () => {
    const seen: string[] = [];
    let onHand = 0;
    let cursor: string | null = null;
    let total: { onHand: number } | undefined;
    do {
      const res = await t.request({
        url: `/v1/inventory/levels/totals?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers: bearer(t.keys.ops),
      });
      seen.push(...res.json().data.map((row: { sku: string }) => row.sku));
      onHand += res.json().data.reduce((sum: number, row: { onHand: number }) => sum + row.onHand, 0);
      total = res.json().total;
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(total!.onHand).toBe(onHand);
  });
});

describe('GET /v1/inventory/movements as CSV', () => {
  const csv = (query: string, key = t.keys.ops) =>
    t.request({ url: `/v1/inventory/movements?${query}`, headers: { ...bearer(key), accept: 'text/csv' } });

  it('streams every matching row, whatever the page size, newest first', async () => {
    // More rows than one CSV page (1000) reads, written by the engine's own receipts.
    const dock = `${t.prefix}-DOCK`;
    await seedLocation(t.db, dock);
    const skus = [];
    for (let i = 0; i < 200; i++) skus.push((await seedProduct(t.db, `${t.prefix}-CSV${String(i).padStart(3, '0')}`)).sku);
    for (let receipt = 0; receipt < 6; receipt++) {
      const res = await receive({ locationId: dock, lines: skus.map((sku) => ({ sku, quantity: 1 })) });
      expect(res.statusCode).toBe(201);
    }
    const res = await csv(`locationId=${dock}&limit=1`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.body.trimEnd().split('\n');
    expect(lines[0]).toBe('id,createdAt,sku,locationId,kind,quantity,reasonCode,referenceType,referenceId');
    const ids = lines.slice(1).map((line) => Number(line.split(',')[0]));
    const ledger = await t.db('inventory_movements').where({ location_id: dock }).orderBy('id', 'desc').pluck('id');
    expect(ledger).toHaveLength(1200);
    expect(ids).toEqual(ledger.map(Number));
    expect(lines[1]).toMatch(new RegExp(`^\\d+,\\d{4}-\\d\\d-\\d\\dT[^,]+Z,${t.prefix}-CSV\\d{3},${dock},receipt,1,,receipt,rcv_[0-9a-f]{24}$`));
  });

  it('filters by a date range, in CSV and in JSON', async () => {
    const rows = await t.db('inventory_movements').where({ location_id: warehouse }).orderBy('id');
    const from = new Date(rows[1].created_at.getTime()).toISOString();
    const to = new Date(rows[rows.length - 1].created_at.getTime()).toISOString();
    const expected = rows
      .filter((row) => row.created_at.getTime() >= Date.parse(from) && row.created_at.getTime() < Date.parse(to))
      .map((row) => Number(row.id))
      .reverse();
    const range = `locationId=${warehouse}&createdFrom=${from}&createdTo=${to}`;
    const res = await csv(range);
    expect(res.body.trimEnd().split('\n').slice(1).map((line) => Number(line.split(',')[0]))).toEqual(expected);
    const json = await t.request({ url: `/v1/inventory/movements?${range}&limit=200`, headers: bearer(t.keys.ops) });
    expect(json.json().data.map((row: { id: number }) => row.id)).toEqual(expected);

    const empty = await csv(`locationId=${warehouse}&createdFrom=2001-01-01T00:00:00Z&createdTo=2001-01-02T00:00:00Z`);
    expect(empty.body).toBe('id,createdAt,sku,locationId,kind,quantity,reasonCode,referenceType,referenceId\n');
    const bad = await csv('createdFrom=yesterday');
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'validation_error']);
  });

  it("shows a warehouse key only its locations' rows", async () => {
    const { key } = await createApiKey(t.db, `${t.prefix} csv`, 'warehouse', { locationIds: [warehouse] });
    const res = await csv('limit=5', key);
    const locations = new Set(res.body.trimEnd().split('\n').slice(1).map((line) => line.split(',')[3]));
    expect([...locations]).toEqual([warehouse]);
    const other = await csv(`locationId=${otherWarehouse}`, key);
    expect([other.statusCode, other.json().code]).toEqual([404, 'location_not_found']);
  });
});

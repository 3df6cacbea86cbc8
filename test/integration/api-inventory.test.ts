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
      { sku: bolt.sku, locationId: warehouse, onHand: 15, reserved: 0, available: 15, bin: 'A-01' },
      { sku: nut.sku, locationId: warehouse, onHand: 40, reserved: 0, available: 40, bin: 'B-07' },
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
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('idempotency_key_reused');
    expect({ counts: await counts(), levels: await levelsAt(warehouse) }).toEqual(before);
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
    const res = await t.request({ url: `/v1/inventory/levels?sku=${bolt.sku}`, headers: bearer(t.keys.client) });
    expect(res.statusCode).toBe(200);
    const [level] = res.json();
    expect(res.json()).toHaveLength(1);
    expect(level).toMatchObject({ sku: bolt.sku, locationId: warehouse, reserved: 2, available: level.onHand - 2, bin: 'A-01' });

    const byLocation = await t.request({ url: `/v1/inventory/levels?locationId=${warehouse}`, headers: bearer(t.keys.client) });
    expect(byLocation.json().map((row: { sku: string }) => row.sku)).toEqual([bolt.sku, nut.sku, washer.sku]);
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

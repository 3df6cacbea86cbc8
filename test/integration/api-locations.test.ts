import { randomBytes } from 'node:crypto';
import { createApiKey } from '../../infra/api-keys';
import {
  type ApiTest,
  bearer,
  finishApiTest,
  insertOrder,
  insertShipment,
  type SeededProduct,
  seedProduct,
  startApiTest,
} from '../helpers/api';

let t: ApiTest;
let cup: SeededProduct;
let mug: SeededProduct;
let jar: SeededProduct;

beforeAll(async () => {
  t = await startApiTest();
  cup = await seedProduct(t.db, `${t.prefix}-CUP`);
  mug = await seedProduct(t.db, `${t.prefix}-MUG`);
  jar = await seedProduct(t.db, `${t.prefix}-JAR`);
});

afterAll(() => finishApiTest(t));

const address = { name: 'Dock 4', line1: '1 Quay St', city: 'Leeds', region: 'WYK', postalCode: 'LS1 4AP', country: 'GB' };
const call = (method: string, url: string, payload?: unknown, key = t.keys.ops, headers: Record<string, string> = {}) =>
  t.request({ method, url, headers: { ...bearer(key), ...headers }, payload });
const once = (name: string) => ({ 'idempotency-key': `${t.prefix}-${name}` });
const locationBody = (id: string, overrides: object = {}) => ({ id, name: `Site ${id}`, fulfillmentMode: 'manual', priority: 20, address, ...overrides });
const locationCount = async () => Number((await t.db('locations').where('id', 'like', `${t.prefix}%`).count({ n: '*' }))[0].n);
const receive = (locationId: string, lines: object[]) => call('POST', '/v1/inventory/receipts', { locationId, lines });

describe('creating and changing locations', () => {
  it('creates a warehouse once per Idempotency-Key, with its ship-from address', async () => {
    const id = `${t.prefix}-NORTH`;
    const first = await call('POST', '/v1/locations', locationBody(id), t.keys.ops, once('north'));
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({
      id,
      name: `Site ${id}`,
      kind: 'warehouse',
      parentLocationId: null,
      fulfillmentMode: 'manual',
      priority: 20,
      address,
      active: true,
      bins: [],
    });
    const retry = await call('POST', '/v1/locations', locationBody(id), t.keys.ops, once('north'));
    expect([retry.statusCode, retry.headers['idempotency-replayed']]).toEqual([201, 'true']);
    expect(retry.json()).toEqual(first.json());

    const again = await call('POST', '/v1/locations', locationBody(id));
    expect([again.statusCode, again.json().code]).toEqual([409, 'location_exists']);
  });

  it('gives a warehouse one quarantine location, never a parentless one or one under a quarantine', async () => {
    const parent = `${t.prefix}-SOUTH`;
    expect((await call('POST', '/v1/locations', locationBody(parent))).statusCode).toBe(201);
    const before = await locationCount();
    const cases: Array<[object, number, string]> = [
      [locationBody(`${t.prefix}-Q0`, { kind: 'quarantine' }), 422, 'parent_required'],
      [locationBody(`${t.prefix}-Q0`, { parentLocationId: parent }), 422, 'parent_not_allowed'],
      [locationBody(`${t.prefix}-Q0`, { kind: 'quarantine', parentLocationId: `${t.prefix}-NOPE` }), 422, 'invalid_parent'],
      [locationBody(`${t.prefix}-Q0`, { kind: 'bunker' }), 400, 'validation_error'],
      [locationBody(`${t.prefix}-Q0`, { address: { ...address, line1: '' } }), 400, 'validation_error'],
      [locationBody(`${t.prefix}/Q0`), 400, 'validation_error'],
    ];
    for (const [body, status, code] of cases) {
      const res = await call('POST', '/v1/locations', body);
      expect([res.statusCode, res.json().code]).toEqual([status, code]);
    }
    expect(await locationCount()).toBe(before);

    const quarantine = await call('POST', '/v1/locations', locationBody(`${t.prefix}-SQ`, { kind: 'quarantine', parentLocationId: parent }));
    expect(quarantine.json()).toMatchObject({ kind: 'quarantine', parentLocationId: parent });
    const underQuarantine = await call(
      'POST',
      '/v1/locations',
      locationBody(`${t.prefix}-SQQ`, { kind: 'quarantine', parentLocationId: `${t.prefix}-SQ` }),
    );
    expect([underQuarantine.statusCode, underQuarantine.json().code]).toEqual([422, 'invalid_parent']);
    const second = await call('POST', '/v1/locations', locationBody(`${t.prefix}-SQ2`, { kind: 'quarantine', parentLocationId: parent }));
    expect([second.statusCode, second.json().code]).toEqual([409, 'quarantine_exists']);
  });

  it('updates name, mode, priority and address; only ops write locations', async () => {
    const id = `${t.prefix}-EAST`;
    await call('POST', '/v1/locations', locationBody(id));
    const moved = { ...address, line1: '9 New Rd', postalCode: 'LS2 7EY' };
    const res = await call('PATCH', `/v1/locations/${id}`, { fulfillmentMode: 'auto', priority: 5, address: moved }, t.keys.ops, once('east'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, fulfillmentMode: 'auto', priority: 5, address: moved });
    expect(await t.db('locations').where({ id }).first()).toMatchObject({ fulfillment_mode: 'auto', priority: 5, address: moved });

    const empty = await call('PATCH', `/v1/locations/${id}`, {});
    expect([empty.statusCode, empty.json().code]).toEqual([400, 'validation_error']);
    const missing = await call('PATCH', `/v1/locations/${t.prefix}-NOPE`, { priority: 1 });
    expect([missing.statusCode, missing.json().code]).toEqual([404, 'location_not_found']);
    expect((await call('POST', '/v1/locations', locationBody(`${t.prefix}-W`), t.keys.warehouse)).statusCode).toBe(403);
    expect((await call('PATCH', `/v1/locations/${id}`, { priority: 1 }, t.keys.warehouse)).statusCode).toBe(403);
    expect((await t.db('locations').where({ id }).first()).priority).toBe(5);
  });
});

describe('bins, slotting and bin moves', () => {
  const site = () => `${t.prefix}-BINS`;

  beforeAll(async () => {
    await call('POST', '/v1/locations', locationBody(site()));
    // Codes sort one way, the walk goes another.
    for (const [code, sequence] of [['C-01', 10], ['A-09', 30], ['B-05', 20]] as const) {
      const res = await call('POST', `/v1/locations/${site()}/bins`, { code, sequence });
      expect(res.json()).toEqual({ locationId: site(), code, sequence });
    }
  });

  it('lists bins in walking order and reorders them when a sequence changes', async () => {
    const codes = async () => (await call('GET', `/v1/locations/${site()}/bins`)).json().data.map((bin: { code: string }) => bin.code);
    expect(await codes()).toEqual(['C-01', 'B-05', 'A-09']);
    expect((await call('PATCH', `/v1/locations/${site()}/bins/A-09`, { sequence: 5 })).json()).toMatchObject({ sequence: 5 });
    expect(await codes()).toEqual(['A-09', 'C-01', 'B-05']);
    const listed = (await call('GET', '/v1/locations?limit=200')).json().data.find((l: { id: string }) => l.id === site());
    expect(listed.bins).toEqual(['A-09', 'C-01', 'B-05']);
    await call('PATCH', `/v1/locations/${site()}/bins/A-09`, { sequence: 30 });
  });

  it('refuses a duplicate bin, an unknown bin and a bad code', async () => {
    const duplicate = await call('POST', `/v1/locations/${site()}/bins`, { code: 'C-01', sequence: 1 });
    expect([duplicate.statusCode, duplicate.json().code]).toEqual([409, 'bin_exists']);
    const unknown = await call('PATCH', `/v1/locations/${site()}/bins/Z-99`, { sequence: 1 });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'unknown_bin']);
    const bad = await call('POST', `/v1/locations/${site()}/bins`, { code: 'a b', sequence: -1 });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'validation_error']);
    expect(await t.db('bins').where({ location_id: site() }).orderBy('code').pluck('code')).toEqual(['A-09', 'B-05', 'C-01']);
  });

  it("assigns a SKU's bin per location, refusing unknown bins and SKUs", async () => {
    const res = await call('PUT', `/v1/locations/${site()}/bin-assignments/${jar.sku}`, { bin: 'B-05' }, t.keys.warehouse);
    expect(res.json()).toEqual({ sku: jar.sku, locationId: site(), bin: 'B-05' });
    const unknownBin = await call('PUT', `/v1/locations/${site()}/bin-assignments/${jar.sku}`, { bin: 'Z-99' });
    expect([unknownBin.statusCode, unknownBin.json().code]).toEqual([422, 'unknown_bin']);
    const unknownSku = await call('PUT', `/v1/locations/${site()}/bin-assignments/${t.prefix}-NOPE`, { bin: 'B-05' });
    expect([unknownSku.statusCode, unknownSku.json().code]).toEqual([422, 'unknown_sku']);
    expect(await t.db('bin_assignments').where({ location_id: site() }).select('sku', 'bin_code')).toEqual([{ sku: jar.sku, bin_code: 'B-05' }]);
  });

  it('moves all of a SKU\'s units to another bin: a bin ledger row, on hand and the stock ledger untouched', async () => {
    expect((await receive(site(), [{ sku: mug.sku, quantity: 12, bin: 'C-01' }])).statusCode).toBe(201);
    const ledgerBefore = await t.db('inventory_movements').where({ location_id: site() }).count({ n: '*' }).first();

    const move = await call('POST', `/v1/locations/${site()}/bin-moves`, { sku: mug.sku, toBin: 'A-09' }, t.keys.warehouse, once('move'));
    expect(move.statusCode).toBe(201);
    expect(move.json()).toMatchObject({ sku: mug.sku, locationId: site(), fromBin: 'C-01', toBin: 'A-09', quantity: 12 });
    const retry = await call('POST', `/v1/locations/${site()}/bin-moves`, { sku: mug.sku, toBin: 'A-09' }, t.keys.warehouse, once('move'));
    expect([retry.statusCode, retry.headers['idempotency-replayed'], retry.json().id]).toEqual([201, 'true', move.json().id]);

    expect(await t.db('bin_movements').where({ location_id: site() }).select('sku', 'from_bin_code', 'to_bin_code', 'quantity')).toEqual([
      { sku: mug.sku, from_bin_code: 'C-01', to_bin_code: 'A-09', quantity: 12 },
    ]);
    const level = (await call('GET', `/v1/inventory/levels?sku=${mug.sku}&locationId=${site()}`)).json().data[0];
    expect(level).toMatchObject({ onHand: 12, bin: 'A-09' });
    expect(await t.db('inventory_movements').where({ location_id: site() }).count({ n: '*' }).first()).toEqual(ledgerBefore);
  });

  it('refuses a move to the same bin, of a SKU with no units here, or to an unknown bin, and writes nothing', async () => {
    const cases: Array<[object, number, string]> = [
      [{ sku: mug.sku, toBin: 'A-09' }, 422, 'same_bin'],
      [{ sku: jar.sku, toBin: 'C-01' }, 422, 'no_stock_to_move'],
      [{ sku: mug.sku, toBin: 'Z-99' }, 422, 'unknown_bin'],
      [{ sku: `${t.prefix}-NOPE`, toBin: 'C-01' }, 422, 'unknown_sku'],
      [{ sku: mug.sku, toBin: 'C-01', quantity: 3 }, 400, 'validation_error'],
    ];
    for (const [body, status, code] of cases) {
      const res = await call('POST', `/v1/locations/${site()}/bin-moves`, body);
      expect([res.statusCode, res.json().code]).toEqual([status, code]);
    }
    expect(await t.db('bin_movements').where({ location_id: site() }).count({ n: '*' }).first()).toEqual({ n: 1 });
  });

  it('keeps a warehouse key to its own locations', async () => {
    const other = (await createApiKey(t.db, `${t.prefix} elsewhere`, 'warehouse', { locationIds: [`${t.prefix}-NORTH`] })).key;
    for (const [method, url, body] of [
      ['GET', `/v1/locations/${site()}/bins`, undefined],
      ['PUT', `/v1/locations/${site()}/bin-assignments/${jar.sku}`, { bin: 'C-01' }],
      ['POST', `/v1/locations/${site()}/bin-moves`, { sku: mug.sku, toBin: 'C-01' }],
    ] as const) {
      const res = await call(method, url, body, other);
      expect([res.statusCode, res.json().code]).toEqual([404, 'location_not_found']);
    }
    expect((await t.db('bin_assignments').where({ location_id: site(), sku: mug.sku }).first()).bin_code).toBe('A-09');
  });

  it('orders pick lists by the walking sequence of the bins, then by code', async () => {
    await t.db('bins').insert({ location_id: site(), code: 'A-00', sequence: 20 });
    await call('PUT', `/v1/locations/${site()}/bin-assignments/${cup.sku}`, { bin: 'A-00' });
    // Walk: C-01 (10), A-00 and B-05 (20, by code), A-09 (30).
    const orderId = `ord_${randomBytes(12).toString('hex')}`;
    await insertOrder(t, { id: orderId, customerId: `${t.prefix}-cust`, createdAt: new Date(), sku: mug.sku });
    await t.db('order_lines').insert([
      { order_id: orderId, line_no: 2, sku: jar.sku, quantity: 1, unit_price_cents: 1000 },
      { order_id: orderId, line_no: 3, sku: cup.sku, quantity: 1, unit_price_cents: 1000 },
    ]);
    await insertShipment(t.db, {
      orderId,
      shipmentNo: 1,
      locationId: site(),
      status: 'AWAITING_PICK',
      lines: [
        { lineNo: 1, sku: mug.sku, quantity: 1 },
        { lineNo: 2, sku: jar.sku, quantity: 1 },
        { lineNo: 3, sku: cup.sku, quantity: 1 },
      ],
    });
    const bins = async () =>
      (await call('GET', `/v1/warehouses/${site()}/pick-lists`)).json().data[0].lines.map((line: { bin: string | null }) => line.bin);
    expect(await bins()).toEqual(['A-00', 'B-05', 'A-09']);
    await call('PATCH', `/v1/locations/${site()}/bins/A-09`, { sequence: 1 });
    expect(await bins()).toEqual(['A-09', 'A-00', 'B-05']);
  });
});

describe('deactivating a location', () => {
  it('is refused while it holds reserved stock, then closes it: nothing available, nothing reserved there again', async () => {
    const site = `${t.prefix}-WEST`;
    await call('POST', '/v1/locations', locationBody(site));
    await receive(site, [{ sku: cup.sku, quantity: 4 }]);
    const orderId = `ord_${randomBytes(12).toString('hex')}`;
    await insertOrder(t, { id: orderId, customerId: `${t.prefix}-cust`, createdAt: new Date(), sku: cup.sku });
    await t.db.raw('SELECT * FROM reserve_stock(?, 1, ?::jsonb)', [
      orderId,
      JSON.stringify([{ line_no: 1, sku: cup.sku, location_id: site, quantity: 1 }]),
    ]);

    const refused = await call('POST', `/v1/locations/${site}/deactivate`, undefined, t.keys.ops, once('west-1'));
    expect([refused.statusCode, refused.json().code, refused.json().details]).toEqual([409, 'location_has_reservations', { skus: [cup.sku] }]);
    expect((await t.db('locations').where({ id: site }).first()).active).toBe(true);

    await t.db.transaction(async (trx) => {
      await trx('inventory_levels').where({ sku: cup.sku, location_id: site }).decrement('reserved', 1);
      await trx('reservations').where({ order_id: orderId }).update({ status: 'released' });
    });
    const done = await call('POST', `/v1/locations/${site}/deactivate`, undefined, t.keys.ops, once('west-2'));
    expect([done.statusCode, done.json().active]).toEqual([200, false]);
    expect((await call('POST', `/v1/locations/${site}/deactivate`, undefined, t.keys.warehouse)).statusCode).toBe(403);

    const level = (await call('GET', `/v1/inventory/levels?sku=${cup.sku}&locationId=${site}`)).json().data[0];
    expect(level).toMatchObject({ onHand: 4, reserved: 0, available: 0 });
    // A plan made before the deactivation cannot reserve there afterwards: the engine plans again.
    await expect(
      t.db.raw('SELECT * FROM reserve_stock(?, 2, ?::jsonb)', [
        orderId,
        JSON.stringify([{ line_no: 1, sku: cup.sku, location_id: site, quantity: 1 }]),
      ]),
    ).rejects.toMatchObject({ code: 'OM001' });
    expect((await t.db('inventory_levels').where({ sku: cup.sku, location_id: site }).first()).reserved).toBe(0);
  });
});

import { randomBytes } from 'node:crypto';
import { createApiKey, hashApiKey } from '../../infra/api-keys';
import {
  type ApiTest,
  bearer,
  finishApiTest,
  insertOrder,
  insertShipment,
  rowCounts,
  type SeededProduct,
  seedLocation,
  seedProduct,
  seedStock,
  startApiTest,
} from '../helpers/api';

let t: ApiTest;
let mug: SeededProduct;
let here: string;
let there: string;
let closed: string;
let hereKey: string;
let shipmentThere: string;
let shipmentHere: string;

beforeAll(async () => {
  t = await startApiTest();
  here = `${t.prefix}-HERE`;
  there = `${t.prefix}-THERE`;
  closed = `${t.prefix}-CLOSED`;
  mug = await seedProduct(t.db, `${t.prefix}-MUG`);
  for (const location of [here, there, closed]) await seedLocation(t.db, location);
  await t.db('locations').where({ id: closed }).update({ active: false });
  await seedStock(t.db, mug.sku, here, 5);
  await seedStock(t.db, mug.sku, there, 7);
  await seedStock(t.db, mug.sku, closed, 100);
  hereKey = (await createApiKey(t.db, `${t.prefix} scanner here`, 'warehouse', { locationIds: [here] })).key;
  const orderId = `ord_${randomBytes(12).toString('hex')}`;
  await insertOrder(t, { id: orderId, customerId: `${t.prefix}-cust`, createdAt: new Date(), sku: mug.sku });
  const lines = [{ lineNo: 1, sku: mug.sku, quantity: 1 }];
  shipmentHere = await insertShipment(t.db, { orderId, shipmentNo: 1, locationId: here, status: 'AWAITING_PICK', lines });
  shipmentThere = await insertShipment(t.db, { orderId, shipmentNo: 2, locationId: there, status: 'AWAITING_PICK', lines });
});

afterAll(() => finishApiTest(t));

const get = (url: string, key = hereKey) => t.request({ url, headers: bearer(key) });
const expectNotFound = (res: { statusCode: number; json(): { code: string } }, code: string) =>
  expect([res.statusCode, res.json().code]).toEqual([404, code]);

describe('a warehouse key sees only its locations', () => {
  it("reads its own pick list; another location's is 404 location_not_found", async () => {
    const own = await get(`/v1/warehouses/${here}/pick-lists`);
    expect(own.statusCode).toBe(200);
    expect(own.json().data.map((s: { shipmentId: string }) => s.shipmentId)).toEqual([shipmentHere]);
    expectNotFound(await get(`/v1/warehouses/${there}/pick-lists`), 'location_not_found');
    expect((await get(`/v1/warehouses/${there}/pick-lists`, t.keys.ops)).statusCode).toBe(200);
  });

  it("reads, picks and scans its own shipments; another location's are 404 shipment_not_found", async () => {
    expect((await get(`/v1/shipments/${shipmentHere}`)).statusCode).toBe(200);
    expectNotFound(await get(`/v1/shipments/${shipmentThere}`), 'shipment_not_found');
    const pick = await t.request({
      method: 'POST',
      url: `/v1/shipments/${shipmentThere}/pick`,
      headers: { ...bearer(hereKey), 'idempotency-key': `${t.prefix}-pick` },
      payload: { pickedBy: 'someone' },
    });
    expectNotFound(pick, 'shipment_not_found');
    const scan = await t.request({
      method: 'POST',
      url: `/v1/shipments/${shipmentThere}/scans`,
      headers: { ...bearer(hereKey), 'idempotency-key': `${t.prefix}-scan` },
      payload: { upc: mug.upc, scannedBy: 'someone' },
    });
    expectNotFound(scan, 'shipment_not_found');
    expect((await t.db('shipments').where({ id: shipmentThere }).first('status')).status).toBe('AWAITING_PICK');
  });

  it('receives only into its locations: another is 404 and writes nothing', async () => {
    const before = await rowCounts(t.db, { locationId: there });
    const res = await t.request({
      method: 'POST',
      url: '/v1/inventory/receipts',
      headers: { ...bearer(hereKey), 'idempotency-key': `${t.prefix}-rcv` },
      payload: { locationId: there, lines: [{ sku: mug.sku, quantity: 3 }] },
    });
    expectNotFound(res, 'location_not_found');
    expect(await rowCounts(t.db, { locationId: there })).toEqual(before);
  });

  it('lists only its locations, levels and movements; naming another location is 404', async () => {
    const locations = await get('/v1/locations?limit=200');
    expect(locations.json().data.map((l: { id: string }) => l.id)).toEqual([here]);

    const levels = await get(`/v1/inventory/levels?sku=${mug.sku}`);
    expect(levels.json().data.map((l: { locationId: string }) => l.locationId)).toEqual([here]);
    expectNotFound(await get(`/v1/inventory/levels?locationId=${there}`), 'location_not_found');

    const movements = await get(`/v1/inventory/movements?sku=${mug.sku}`);
    expect(movements.json().data.map((m: { locationId: string }) => m.locationId)).toEqual([here]);
    expectNotFound(await get(`/v1/inventory/movements?locationId=${there}`), 'location_not_found');

    const all = await get(`/v1/inventory/levels?sku=${mug.sku}`, t.keys.ops);
    expect(all.json().data.map((l: { locationId: string }) => l.locationId).sort()).toEqual([closed, here, there].sort());
  });
});

describe('clients see available quantity per sku, never per location', () => {
  it('sums available over active locations; per-location levels are not for clients', async () => {
    await t.db('inventory_levels').where({ sku: mug.sku, location_id: there }).update({ reserved: 2 });
    const res = await get(`/v1/inventory/availability?sku=${mug.sku}`, t.keys.client);
    expect(res.statusCode).toBe(200);
    // 5 here + (7 - 2) there; the inactive location's 100 are not for sale.
    expect(res.json()).toEqual({ data: [{ sku: mug.sku, available: 10 }], nextCursor: null });
    const levels = await get(`/v1/inventory/levels?sku=${mug.sku}`, t.keys.client);
    expect([levels.statusCode, levels.json().code]).toEqual([403, 'forbidden']);
    await t.db('inventory_levels').where({ sku: mug.sku, location_id: there }).update({ reserved: 0 });
  });
});

describe('keys made before scopes are refused until bound', () => {
  it('a client key without channels gets 403 key_unscoped, and works once rescoped', async () => {
    const key = `oms_client_${randomBytes(24).toString('base64url')}`;
    const id = `key_${t.prefix}_legacy`;
    await t.db('api_keys').insert({ id, name: 'legacy', role: 'client', key_hash: hashApiKey(key) });
    const refused = await get('/v1/orders', key);
    expect([refused.statusCode, refused.json().code]).toEqual([403, 'key_unscoped']);

    const rescoped = await t.request({
      method: 'PATCH',
      url: `/v1/api-keys/${id}`,
      headers: bearer(t.keys.ops),
      payload: { channels: ['web'] },
    });
    expect(rescoped.statusCode).toBe(200);
    expect(rescoped.json()).toMatchObject({ id, role: 'client', channels: ['web'], locationIds: null });
  });
});

describe('ops manage keys through the API', () => {
  const create = (payload: object, key = t.keys.ops) =>
    t.request({ method: 'POST', url: '/v1/api-keys', headers: bearer(key), payload });

  it('creates a scoped key whose secret is shown once and works at once', async () => {
    const res = await create({ name: `${t.prefix} scanner`, role: 'warehouse', locationIds: [there] });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ role: 'warehouse', locationIds: [there], channels: null, revokedAt: null, lastUsedAt: null });
    expect(created.key).toMatch(/^oms_warehouse_/);
    expect((await get(`/v1/shipments/${shipmentThere}`, created.key)).statusCode).toBe(200);
    expectNotFound(await get(`/v1/shipments/${shipmentHere}`, created.key), 'shipment_not_found');
  });

  it('refuses a scope the role cannot hold with 422, and writes no key', async () => {
    const before = Number((await t.db('api_keys').count({ n: '*' }).first())?.n);
    const cases: Array<[object, string]> = [
      [{ name: 'no locations', role: 'warehouse' }, 'locations_required'],
      [{ name: 'unknown location', role: 'warehouse', locationIds: [`${t.prefix}-NOWHERE`] }, 'unknown_location'],
      [{ name: 'no channels', role: 'client' }, 'channels_required'],
      [{ name: 'past', role: 'ops', expiresAt: '2001-01-01T00:00:00Z' }, 'expiry_in_past'],
    ];
    for (const [payload, code] of cases) {
      const res = await create(payload);
      expect([res.statusCode, res.json().code]).toEqual([422, code]);
    }
    expect(Number((await t.db('api_keys').count({ n: '*' }).first())?.n)).toBe(before);
  });

  it('lists keys page by page without their secret or hash', async () => {
    const first = await t.request({ url: '/v1/api-keys?limit=2', headers: bearer(t.keys.ops) });
    expect(first.statusCode).toBe(200);
    expect(first.json().data).toHaveLength(2);
    expect(first.body).not.toMatch(/oms_(client|warehouse|ops)_|key_hash|keyHash/);
    const second = await t.request({ url: `/v1/api-keys?limit=2&cursor=${first.json().nextCursor}`, headers: bearer(t.keys.ops) });
    const ids = [...first.json().data, ...second.json().data].map((k: { id: string }) => k.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('revokes a key: it is refused afterwards, and revoking again is harmless', async () => {
    const { id, key } = await createApiKey(t.db, `${t.prefix} to revoke`, 'ops');
    const revoke = () => t.request({ method: 'POST', url: `/v1/api-keys/${id}/revoke`, headers: bearer(t.keys.ops) });
    const res = await revoke();
    expect(res.statusCode).toBe(200);
    expect(res.json().revokedAt).not.toBeNull();
    expect((await revoke()).json().revokedAt).toBe(res.json().revokedAt);
    expect((await get('/v1/locations', key)).statusCode).toBe(401);
    expectNotFound(await t.request({ method: 'POST', url: '/v1/api-keys/key_nope/revoke', headers: bearer(t.keys.ops) }), 'api_key_not_found');
  });

  it('is for ops only', async () => {
    for (const role of ['client', 'warehouse'] as const) {
      expect((await get('/v1/api-keys', t.keys[role])).statusCode).toBe(403);
      expect((await create({ name: 'sneaky', role: 'ops' }, t.keys[role])).statusCode).toBe(403);
    }
  });
});

import { randomInt } from 'node:crypto';
import { gtinCheckDigit } from '../../domain/upc';
import { type ApiTest, bearer, seedLocation, seedProduct, uniqueUpc, startApiTest, finishApiTest } from '../helpers/api';

let t: ApiTest;

beforeAll(async () => {
  t = await startApiTest();
});

afterAll(() => finishApiTest(t));

const ops = () => bearer(t.keys.ops);
const productBody = (sku: string, overrides: object = {}) => ({
  sku,
  name: `Widget ${sku}`,
  upc: uniqueUpc(),
  unitPriceCents: 1999,
  weightGrams: 250,
  ...overrides,
});
const createProduct = (body: object, headers: Record<string, string> = {}) =>
  t.request({ method: 'POST', url: '/v1/products', headers: { ...ops(), ...headers }, payload: body });
const productCount = async () => Number((await t.db('products').where('sku', 'like', `${t.prefix}%`).count({ n: '*' }))[0].n);

describe('POST /v1/products', () => {
  it('adds a product and returns it', async () => {
    const body = productBody(`${t.prefix}-P1`, { unitCostCents: 800, lengthMm: 100, widthMm: 50, heightMm: 20 });
    const res = await createProduct(body);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ ...body, active: true, finalSale: false, returnWindowDays: null, createdAt: expect.any(String) });
    expect(await t.db('products').where({ sku: body.sku }).first()).toMatchObject({ unit_price_cents: 1999, unit_cost_cents: 800 });
  });

  it('stores the return settings: final sale and its own return window', async () => {
    const finalSale = productBody(`${t.prefix}-FS`, { finalSale: true });
    const ownWindow = productBody(`${t.prefix}-RW`, { returnWindowDays: 14 });
    expect((await createProduct(finalSale)).json()).toMatchObject({ sku: finalSale.sku, finalSale: true, returnWindowDays: null });
    expect((await createProduct(ownWindow)).json()).toMatchObject({ sku: ownWindow.sku, finalSale: false, returnWindowDays: 14 });
    expect(await t.db('products').where({ sku: ownWindow.sku }).first()).toMatchObject({ final_sale: false, return_window_days: 14 });
  });

  it.each([
    ['a wrong check digit', () => ({ upc: '036000291453' }), 422, 'invalid_upc'],
    ['letters', () => ({ upc: '03600029145X' }), 422, 'invalid_upc'],
    ['11 digits', () => ({ upc: '03600029145' }), 422, 'invalid_upc'],
    ['an unknown field', () => ({ colour: 'red' }), 400, 'validation_error'],
    ['a negative price', () => ({ unitPriceCents: -1 }), 400, 'validation_error'],
    ['a price as text', () => ({ unitPriceCents: '19.99' }), 400, 'validation_error'],
    ['zero weight', () => ({ weightGrams: 0 }), 400, 'validation_error'],
    ['a sku with a slash', () => ({ sku: 'A/B' }), 400, 'validation_error'],
    ['a return window of zero days', () => ({ returnWindowDays: 0 }), 400, 'validation_error'],
    ['a fractional return window', () => ({ returnWindowDays: 1.5 }), 400, 'validation_error'],
    ['final sale as text', () => ({ finalSale: 'yes' }), 400, 'validation_error'],
  ])('refuses %s and writes nothing', async (_name, overrides, status, code) => {
    const before = await productCount();
    const res = await createProduct(productBody(`${t.prefix}-BAD`, overrides()));
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
    expect(await productCount()).toBe(before);
  });

  it('refuses an existing sku and an upc another product has', async () => {
    const first = productBody(`${t.prefix}-P2`);
    expect((await createProduct(first)).statusCode).toBe(201);

    const sameSku = await createProduct(productBody(first.sku));
    expect(sameSku.statusCode).toBe(409);
    expect(sameSku.json().code).toBe('sku_exists');

    const sameUpc = await createProduct(productBody(`${t.prefix}-P3`, { upc: first.upc }));
    expect(sameUpc.statusCode).toBe(409);
    expect(sameUpc.json().code).toBe('upc_exists');
    expect(await t.db('products').where({ sku: `${t.prefix}-P3` }).first()).toBeUndefined();
  });

  it('answers a retried creation (Idempotency-Key, same body) with the product, and a different one with 409', async () => {
    const body = productBody(`${t.prefix}-P4`);
    const key = { 'idempotency-key': `${t.prefix}-p4` };
    const first = await createProduct(body, key);
    const retry = await createProduct(body, key);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());

    const changed = await createProduct({ ...body, unitPriceCents: 1 }, key);
    expect(changed.statusCode).toBe(409);
    expect(changed.json().code).toBe('sku_exists');
    const nowFinalSale = await createProduct({ ...body, finalSale: true }, key);
    expect(nowFinalSale.statusCode).toBe(409);
  });
});

describe('PATCH /v1/products/:sku', () => {
  const patch = (sku: string, payload: object) =>
    t.request({ method: 'PATCH', url: `/v1/products/${sku}`, headers: ops(), payload });

  it('changes price and dimensions, and deactivates', async () => {
    const { sku } = await seedProduct(t.db, `${t.prefix}-E1`);
    const res = await patch(sku, { unitPriceCents: 4200, lengthMm: 30, active: false });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ sku, unitPriceCents: 4200, lengthMm: 30, active: false });
    const cleared = await patch(sku, { lengthMm: null });
    expect(cleared.json().lengthMm).toBeNull();
  });

  it('sets and clears the return settings', async () => {
    const { sku } = await seedProduct(t.db, `${t.prefix}-E4`);
    const set = await patch(sku, { finalSale: true, returnWindowDays: 60 });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ sku, finalSale: true, returnWindowDays: 60 });
    const cleared = await patch(sku, { finalSale: false, returnWindowDays: null });
    expect(cleared.json()).toMatchObject({ finalSale: false, returnWindowDays: null });
    const read = await t.request({ url: `/v1/products/${sku}`, headers: bearer(t.keys.client) });
    expect(read.json()).toMatchObject({ finalSale: false, returnWindowDays: null });
  });

  it('applies the same checks as creation', async () => {
    const mine = await seedProduct(t.db, `${t.prefix}-E2`);
    const other = await seedProduct(t.db, `${t.prefix}-E3`);
    const cases: [object, number, string][] = [
      [{ upc: '036000291453' }, 422, 'invalid_upc'],
      [{ upc: other.upc }, 409, 'upc_exists'],
      [{ sku: 'NEW' }, 400, 'validation_error'],
      [{}, 400, 'validation_error'],
      [{ unitPriceCents: -5 }, 400, 'validation_error'],
      [{ returnWindowDays: -1 }, 400, 'validation_error'],
      [{ finalSale: null }, 400, 'validation_error'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await patch(mine.sku, payload);
      expect({ payload, status: res.statusCode, code: res.json().code }).toEqual({ payload, status, code });
    }
    expect(await t.db('products').where({ sku: mine.sku }).first()).toMatchObject({ upc: mine.upc, unit_price_cents: mine.unitPriceCents });
  });

  it('answers 404 for an unknown sku', async () => {
    const res = await patch(`${t.prefix}-NONE`, { name: 'x' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('product_not_found');
  });
});

describe('reading the catalog', () => {
  it('finds a product by sku and by upc', async () => {
    const product = await seedProduct(t.db, `${t.prefix}-R1`);
    const bySku = await t.request({ url: `/v1/products/${product.sku}`, headers: bearer(t.keys.client) });
    expect(bySku.json()).toMatchObject({ sku: product.sku, upc: product.upc, finalSale: false, returnWindowDays: null });
    const byUpc = await t.request({ url: `/v1/products/by-upc/${product.upc}`, headers: bearer(t.keys.warehouse) });
    expect(byUpc.json()).toMatchObject({ sku: product.sku, finalSale: false, returnWindowDays: null });
    for (const url of [`/v1/products/${t.prefix}-R404`, '/v1/products/by-upc/000000000000']) {
      const res = await t.request({ url, headers: bearer(t.keys.client) });
      expect({ url, status: res.statusCode, code: res.json().code }).toEqual({ url, status: 404, code: 'product_not_found' });
    }
  });

  it('lists products in sku order across pages, with the active filter', async () => {
    await seedProduct(t.db, `${t.prefix}-L1`);
    await seedProduct(t.db, `${t.prefix}-L2`, { active: false });
    await seedProduct(t.db, `${t.prefix}-L3`);
    const everything: { sku: string; active: boolean }[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.request({ url: `/v1/products?${query}`, headers: bearer(t.keys.client) });
      expect(res.statusCode).toBe(200);
      everything.push(...res.json().data);
      cursor = res.json().nextCursor;
    } while (cursor);
    const skus = everything.map((product) => product.sku);
    expect(new Set(skus).size).toBe(skus.length);
    // Other test files add products too; this file's skus differ only after the prefix, where collations agree.
    const mine = skus.filter((sku) => sku.startsWith(`${t.prefix}-`));
    expect(mine).toEqual([...mine].sort());
    expect(mine).toEqual(expect.arrayContaining([`${t.prefix}-L1`, `${t.prefix}-L2`, `${t.prefix}-L3`]));

    const active = await t.request({ url: '/v1/products?active=false&limit=200', headers: bearer(t.keys.client) });
    expect(active.json().data.every((product: { active: boolean }) => !product.active)).toBe(true);
    expect(active.json().data.map((product: { sku: string }) => product.sku)).toContain(`${t.prefix}-L2`);
  });

  it('refuses an invalid cursor and an invalid limit', async () => {
    const badCursor = await t.request({ url: '/v1/products?cursor=%%%', headers: bearer(t.keys.client) });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().code).toBe('invalid_cursor');
    const badLimit = await t.request({ url: '/v1/products?limit=ten', headers: bearer(t.keys.client) });
    expect(badLimit.statusCode).toBe(400);
    expect(badLimit.json().code).toBe('validation_error');
  });
});

describe('barcodes: UPC-A and EAN-13', () => {
  const uniqueEan13 = () => {
    const body = `4${randomInt(10_000_000_000, 99_999_999_999)}`;
    return body + gtinCheckDigit(body);
  };
  const findByBarcode = (code: string) => t.request({ url: `/v1/products/by-upc/${code}`, headers: bearer(t.keys.warehouse) });

  it('accepts an EAN-13 and finds it by barcode', async () => {
    const ean = uniqueEan13();
    const res = await createProduct(productBody(`${t.prefix}-EAN`, { upc: ean }));
    expect([res.statusCode, res.json().upc]).toEqual([201, ean]);
    const found = await findByBarcode(ean);
    expect([found.statusCode, found.json().sku]).toEqual([200, `${t.prefix}-EAN`]);
  });

  it('finds a UPC-A product by its 13-digit form too', async () => {
    const product = await seedProduct(t.db, `${t.prefix}-UPCA`);
    for (const code of [product.upc, `0${product.upc}`]) {
      const res = await findByBarcode(code);
      expect([res.statusCode, res.json().sku]).toEqual([200, product.sku]);
    }
  });

  it('refuses an EAN-13 with a wrong check digit and writes nothing', async () => {
    const ean = uniqueEan13();
    const wrong = ean.slice(0, 12) + ((Number(ean[12]) + 1) % 10);
    const before = await productCount();
    const res = await createProduct(productBody(`${t.prefix}-EANBAD`, { upc: wrong }));
    expect([res.statusCode, res.json().code]).toEqual([422, 'invalid_upc']);
    expect(await productCount()).toBe(before);
  });

  it('refuses a barcode in use with 409 upc_exists, in either form, on creation and on change', async () => {
    const upcProduct = await seedProduct(t.db, `${t.prefix}-USED`);
    const eanProduct = productBody(`${t.prefix}-USED13`, { upc: uniqueEan13() });
    await createProduct(eanProduct);
    const before = await productCount();
    for (const upc of [upcProduct.upc, `0${upcProduct.upc}`, eanProduct.upc]) {
      const res = await createProduct(productBody(`${t.prefix}-DUP`, { upc }));
      expect([res.statusCode, res.json().code]).toEqual([409, 'upc_exists']);
    }
    expect(await productCount()).toBe(before);
    const change = await t.request({
      method: 'PATCH',
      url: `/v1/products/${eanProduct.sku}`,
      headers: ops(),
      payload: { upc: `0${upcProduct.upc}` },
    });
    expect([change.statusCode, change.json().code]).toEqual([409, 'upc_exists']);
    expect((await t.db('products').where({ sku: eanProduct.sku }).first()).upc).toBe(eanProduct.upc);
  });
});

describe('GET /v1/locations', () => {
  it('lists locations with fulfillment mode, priority and bins', async () => {
    await seedLocation(t.db, `${t.prefix}-LOC`, ['B-02', 'A-01']);
    const all: { id: string }[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.request({
        url: `/v1/locations?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        headers: bearer(t.keys.warehouse),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().data.length).toBeLessThanOrEqual(1);
      all.push(...res.json().data);
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(new Set(all.map((location) => location.id)).size).toBe(all.length);
    expect(all).toContainEqual(
      expect.objectContaining({ id: `${t.prefix}-LOC`, fulfillmentMode: 'manual', priority: 10, bins: ['A-01', 'B-02'] }),
    );
  });
});

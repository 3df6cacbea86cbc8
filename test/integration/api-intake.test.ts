/**
 * Intake refuses what can never ship: a product no configured carrier can take in a parcel, and
 * an order whose shipping address has a blank name, street, city, region or postal code.
 */
import { buildApp } from '../../api/app';
import { SANDBOX_PARCEL_LIMITS } from '../../carriers/sandbox/limits';
import {
  type ApiTest,
  bearer,
  finishApiTest,
  orderBody,
  type SeededProduct,
  seedProduct,
  serve,
  startApiTest,
  uniqueUpc,
} from '../helpers/api';

let t: ApiTest;
let tea: SeededProduct;

beforeAll(async () => {
  t = await startApiTest();
  tea = await seedProduct(t.db, `${t.prefix}-TEA`);
});

afterAll(() => finishApiTest(t));

const ops = () => bearer(t.keys.ops);
const productBody = (sku: string, overrides: object = {}) => ({
  sku: `${t.prefix}-${sku}`,
  name: `Item ${sku}`,
  upc: uniqueUpc(),
  unitPriceCents: 1999,
  weightGrams: 1_000,
  ...overrides,
});
const createProduct = (body: object) => t.request({ method: 'POST', url: '/v1/products', headers: ops(), payload: body });
const patchProduct = (sku: string, body: object) =>
  t.request({ method: 'PATCH', url: `/v1/products/${sku}`, headers: ops(), payload: body });

describe('products over every carrier’s parcel limits', () => {
  // The configured carrier is the sandbox: 30 kg, 1200 mm longest side, 3000 mm length plus girth.
  it.each([
    ['too heavy', { weightGrams: 45_000 }, 'weight 45000 g exceeds the largest carrier limit of 30000 g', { measure: 'weight', value: 45_000, limit: 30_000 }],
    ['too long', { lengthMm: 300, widthMm: 1_500, heightMm: 100 }, 'longest side 1500 mm exceeds the largest carrier limit of 1200 mm', { measure: 'length', value: 1_500, limit: 1_200 }],
    [
      'too bulky',
      { lengthMm: 1_000, widthMm: 600, heightMm: 500 },
      'length plus girth 3200 mm exceeds the largest carrier limit of 3000 mm',
      { measure: 'length_plus_girth', value: 3_200, limit: 3_000 },
    ],
  ])('refuses a product %s with exceeds_carrier_limits and stores nothing', async (_name, size, message, details) => {
    const body = productBody(`BIG-${_name.replace(/ /g, '-')}`, size);
    const res = await createProduct(body);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ code: 'exceeds_carrier_limits', message, details, requestId: expect.any(String) });
    expect(await t.db('products').where({ sku: body.sku }).first()).toBeUndefined();
  });

  it('accepts a product exactly at the limits', async () => {
    const { maxWeightGrams, maxLengthMm, maxLengthPlusGirthMm } = SANDBOX_PARCEL_LIMITS;
    const side = (maxLengthPlusGirthMm - maxLengthMm) / 4;
    const res = await createProduct(productBody('AT-LIMITS', { weightGrams: maxWeightGrams, lengthMm: maxLengthMm, widthMm: side, heightMm: side }));
    expect(res.statusCode).toBe(201);
  });

  it('refuses a change that makes a product too big, judging the sides not sent as they are', async () => {
    const body = productBody('GROWS', { lengthMm: 1_000, widthMm: 400, heightMm: 400 }); // 1000 + 2 * 800 = 2600
    expect((await createProduct(body)).statusCode).toBe(201);

    const heavier = await patchProduct(body.sku, { weightGrams: 30_001 });
    expect(heavier.statusCode).toBe(422);
    expect(heavier.json()).toMatchObject({ code: 'exceeds_carrier_limits', message: 'weight 30001 g exceeds the largest carrier limit of 30000 g' });

    // Only the height is sent: with the stored 1000 x 400 it comes to 1000 + 2 * (400 + 700) = 3200.
    const taller = await patchProduct(body.sku, { heightMm: 700 });
    expect(taller.statusCode).toBe(422);
    expect(taller.json().message).toBe('length plus girth 3200 mm exceeds the largest carrier limit of 3000 mm');
    expect(await t.db('products').where({ sku: body.sku }).first()).toMatchObject({ weight_grams: 1_000, height_mm: 400 });

    // Within the limits, or no longer measuring a side, is fine; so is any change that leaves the size alone.
    expect((await patchProduct(body.sku, { heightMm: 500 })).statusCode).toBe(200);
    expect((await patchProduct(body.sku, { widthMm: null, heightMm: null, lengthMm: 1_200 })).statusCode).toBe(200);
    expect((await patchProduct(body.sku, { name: 'Renamed' })).statusCode).toBe(200);
    expect((await patchProduct(`${t.prefix}-NOPE`, { weightGrams: 50_000 })).statusCode).toBe(404);
  });

  it('accepts a product that at least one configured carrier takes', async () => {
    const freight = { maxWeightGrams: 70_000, maxLengthMm: 2_400, maxLengthPlusGirthMm: 4_000 };
    const app = buildApp({ db: t.db, temporal: t.temporal, config: t.config, logger: false, carrierLimits: [SANDBOX_PARCEL_LIMITS, freight] });
    const request = await serve(app);
    try {
      const heavy = productBody('FREIGHT', { weightGrams: 45_000 });
      expect((await request({ method: 'POST', url: '/v1/products', headers: ops(), payload: heavy })).statusCode).toBe(201);
      const tooHeavyForAll = await request({ method: 'POST', url: '/v1/products', headers: ops(), payload: productBody('TONNE', { weightGrams: 80_000 }) });
      expect(tooHeavyForAll.statusCode).toBe(422);
      expect(tooHeavyForAll.json().message).toBe('weight 80000 g exceeds the largest carrier limit of 70000 g');
    } finally {
      await app.close();
    }
  });
});

describe('orders with a blank shipping address field', () => {
  const postOrder = (shippingAddress: object) =>
    t.request({
      method: 'POST',
      url: '/v1/orders',
      headers: bearer(t.keys.client),
      payload: orderBody(`${t.prefix}-cust`, [{ sku: tea.sku, quantity: 1 }], { shippingAddress }),
    });
  const address = orderBody('', []).shippingAddress;
  const ordersOf = async () => Number((await t.db('orders').where({ customer_id: `${t.prefix}-cust` }).count({ n: '*' }))[0].n);

  it.each([
    ['name', '   '],
    ['line1', '   '],
    ['city', ' '],
    ['region', '  '],
    ['postalCode', '\u00a0\u2003'],
  ])('refuses %s of only whitespace, naming the field, and writes nothing', async (field, blank) => {
    const before = await ordersOf();
    const res = await postOrder({ ...address, [field]: blank });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'validation_error',
      message: expect.stringContaining(`/shippingAddress/${field}`),
      details: { path: `/shippingAddress/${field}` },
    });
    expect(await ordersOf()).toBe(before);
  });

  it('accepts text with spaces around it and stores it as sent', async () => {
    const res = await postOrder({ ...address, line1: '  12 Analytical Way ', line2: '   ' });
    expect(res.statusCode).toBe(201);
    const stored = await t.db('orders').where({ id: res.json().id }).first();
    expect(stored.shipping_address).toMatchObject({ line1: '  12 Analytical Way ', line2: '   ' });
  });
});

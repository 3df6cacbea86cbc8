import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { ROUTE_ACCESS } from '../../api/access';
import { authentication } from '../../api/plugins/auth';
import { createApiKey } from '../../infra/api-keys';
import {
  type ApiTest,
  bearer,
  finishApiTest,
  insertOrder,
  orderBody,
  rowCounts,
  type SeededProduct,
  seedLocation,
  seedProduct,
  seedStock,
  startApiTest,
} from '../helpers/api';

let t: ApiTest;
let red: SeededProduct;
let webKey: string;
let customerKey: string;
const orderId = () => `ord_${randomBytes(12).toString('hex')}`;
let webOrder: string;
let marketplaceOrder: string;
let otherCustomersWebOrder: string;
let customerId: string;

beforeAll(async () => {
  t = await startApiTest();
  customerId = `${t.prefix}-cust`;
  red = await seedProduct(t.db, `${t.prefix}-RED`, { unitPriceCents: 1250 });
  await seedLocation(t.db, `${t.prefix}-WH`);
  await seedStock(t.db, red.sku, `${t.prefix}-WH`, 10);
  webKey = (await createApiKey(t.db, `${t.prefix} web client`, 'client', { channels: ['web'] })).key;
  customerKey = (await createApiKey(t.db, `${t.prefix} one customer`, 'client', { channels: ['web'], customerId })).key;
  webOrder = orderId();
  marketplaceOrder = orderId();
  otherCustomersWebOrder = orderId();
  const createdAt = new Date();
  await insertOrder(t, { id: webOrder, customerId, channel: 'web', createdAt, sku: red.sku });
  await insertOrder(t, { id: marketplaceOrder, customerId, channel: 'marketplace', createdAt, sku: red.sku });
  await insertOrder(t, { id: otherCustomersWebOrder, customerId: `${customerId}-2`, channel: 'web', createdAt, sku: red.sku });
});

afterAll(() => finishApiTest(t));

const read = (id: string, key: string) => t.request({ url: `/v1/orders/${id}`, headers: bearer(key) });

describe('a client key sees only its channels', () => {
  it("may not place an order on a channel it does not hold (422 channel_not_allowed), and nothing is written", async () => {
    const before = await rowCounts(t.db, { customerId });
    const res = await t.request({
      method: 'POST',
      url: '/v1/orders',
      headers: bearer(webKey),
      payload: orderBody(customerId, [{ sku: red.sku, quantity: 1 }], { channel: 'marketplace' }),
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('channel_not_allowed');
    expect(await rowCounts(t.db, { customerId })).toEqual(before);
  });

  it("reads its channel's order, and another channel's order is 404 order_not_found (never 403)", async () => {
    expect((await read(webOrder, webKey)).statusCode).toBe(200);
    const res = await read(marketplaceOrder, webKey);
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('order_not_found');
    expect((await read(marketplaceOrder, t.keys.ops)).statusCode).toBe(200);
  });

  it("lists only its channels' orders; ops lists all", async () => {
    const list = async (key: string) => {
      const res = await t.request({ url: `/v1/orders?customerId=${customerId}`, headers: bearer(key) });
      expect(res.statusCode).toBe(200);
      return res.json().data.map((o: { id: string }) => o.id).sort();
    };
    expect(await list(webKey)).toEqual([webOrder]);
    expect(await list(t.keys.ops)).toEqual([webOrder, marketplaceOrder].sort());
    // Asking for the other channel explicitly does not widen the scope.
    const res = await t.request({ url: `/v1/orders?channel=marketplace&customerId=${customerId}`, headers: bearer(webKey) });
    expect(res.json().data).toEqual([]);
  });

  it("may not cancel another channel's order: 404 order_not_found", async () => {
    const res = await t.request({
      method: 'POST',
      url: `/v1/orders/${marketplaceOrder}/cancel`,
      headers: bearer(webKey),
      payload: { reason: 'not mine' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('order_not_found');
    expect((await t.db('orders').where({ id: marketplaceOrder }).first('status')).status).toBe('ACCEPTED');
  });

  it("a customer-bound key sees only its customer's orders, and places orders only for it", async () => {
    expect((await read(webOrder, customerKey)).statusCode).toBe(200);
    expect((await read(otherCustomersWebOrder, customerKey)).statusCode).toBe(404);
    const listed = await t.request({ url: '/v1/orders?channel=web', headers: bearer(customerKey) });
    expect(listed.json().data.map((o: { customerId: string }) => o.customerId)).toEqual([customerId]);
    const res = await t.request({
      method: 'POST',
      url: '/v1/orders',
      headers: bearer(customerKey),
      payload: orderBody(`${customerId}-2`, [{ sku: red.sku, quantity: 1 }], { channel: 'web' }),
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('customer_not_allowed');
  });

  it('refuses to create a client key without a channel, or a warehouse key without a location', async () => {
    await expect(createApiKey(t.db, `${t.prefix} unbound`, 'client')).rejects.toThrow(/at least one channel/);
    await expect(createApiKey(t.db, `${t.prefix} unbound`, 'warehouse')).rejects.toThrow(/at least one location/);
  });
});

describe('clients never see unit cost', () => {
  it('omits unitCostCents from product reads and lists for a client key; ops and warehouse see it', async () => {
    const urls = [`/v1/products/${red.sku}`, `/v1/products/by-upc/${red.upc}`];
    for (const url of urls) {
      const client = await t.request({ url, headers: bearer(webKey) });
      expect(client.statusCode).toBe(200);
      expect(client.json()).not.toHaveProperty('unitCostCents');
      expect(client.json().unitPriceCents).toBe(1250);
      expect((await t.request({ url, headers: bearer(t.keys.ops) })).json()).toHaveProperty('unitCostCents');
      expect((await t.request({ url, headers: bearer(t.keys.warehouse) })).json()).toHaveProperty('unitCostCents');
    }
    const page = await t.request({ url: '/v1/products?limit=200', headers: bearer(webKey) });
    expect(page.statusCode).toBe(200);
    expect(page.json().data.length).toBeGreaterThan(0);
    for (const product of page.json().data) expect(product).not.toHaveProperty('unitCostCents');
  });
});

describe('key lifetime', () => {
  it('refuses an expired key with 401, like a revoked one', async () => {
    const expired = await createApiKey(t.db, `${t.prefix} expired`, 'ops', { expiresAt: new Date(Date.now() + 60_000) });
    await t.db('api_keys').where({ id: expired.id }).update({ expires_at: new Date(Date.now() - 1_000) });
    expect((await t.request({ url: '/v1/locations', headers: bearer(expired.key) })).statusCode).toBe(401);
    const live = await createApiKey(t.db, `${t.prefix} live`, 'ops', { expiresAt: new Date(Date.now() + 60_000) });
    expect((await t.request({ url: '/v1/locations', headers: bearer(live.key) })).statusCode).toBe(200);
  });

  it('records last_used_at once, not on every request', async () => {
    const { id, key } = await createApiKey(t.db, `${t.prefix} used`, 'ops');
    expect((await t.db('api_keys').where({ id }).first('last_used_at')).last_used_at).toBeNull();
    expect((await t.request({ url: '/v1/locations', headers: bearer(key) })).statusCode).toBe(200);
    let first: Date | null = null;
    for (let i = 0; i < 50 && !first; i++) {
      first = (await t.db('api_keys').where({ id }).first('last_used_at')).last_used_at;
      if (!first) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(first).toBeInstanceOf(Date);
    await t.request({ url: '/v1/locations', headers: bearer(key) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await t.db('api_keys').where({ id }).first('last_used_at')).last_used_at).toEqual(first);
  });
});

describe('route scopes', () => {
  it('the auth plugin refuses to start an app with a route that has roles but no scope', async () => {
    const table = ROUTE_ACCESS as Record<string, unknown>;
    table['GET /v1/unscoped'] = ['ops'];
    const app = Fastify();
    try {
      await app.register(authentication, { db: t.db });
      expect(() => app.get('/v1/unscoped', async () => ({ secret: true }))).toThrow(
        /GET \/v1\/unscoped has no entry in ROUTE_SCOPE/,
      );
    } finally {
      delete table['GET /v1/unscoped'];
      await app.close().catch(() => undefined);
    }
  });
});

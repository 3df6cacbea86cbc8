import { Client, Connection } from '@temporalio/client';
import knex from 'knex';
import { buildApp } from '../../api/app';
import type { Config } from '../../infra/config';
import {
  type ApiTest,
  bearer,
  finishApiTest,
  orderBody,
  type SeededProduct,
  seedLocation,
  seedProduct,
  seedStock,
  serve,
  startApiTest,
} from '../helpers/api';

let t: ApiTest;
let warehouse: string;
let bolt: SeededProduct;

beforeAll(async () => {
  t = await startApiTest();
  warehouse = `${t.prefix}-WH`;
  await seedLocation(t.db, warehouse, ['A-01']);
  bolt = await seedProduct(t.db, `${t.prefix}-BOLT`);
});

afterAll(() => finishApiTest(t));

/** The app on the test database and Temporal with some settings changed, served for one test. */
async function withApp(api: Partial<Config['api']>, run: (request: Awaited<ReturnType<typeof serve>>) => Promise<void>) {
  const config: Config = { ...t.config, api: { ...t.config.api, ...api } };
  const app = buildApp({ db: t.db, temporal: t.temporal, config, logger: false });
  try {
    await run(await serve(app));
  } finally {
    await app.close();
  }
}

describe('error answers', () => {
  it('carry a request id, also as x-request-id, and no driver message', async () => {
    const body = orderBody(`${t.prefix}-cust`, [{ sku: bolt.sku, quantity: 1 }]);
    const res = await t.request({
      method: 'POST',
      url: '/v1/orders',
      headers: bearer(t.keys.client),
      payload: { ...body, shippingAddress: { ...body.shippingAddress, name: 'Ada \ud800' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 'validation_error', message: 'a value could not be stored', requestId: expect.any(String) });
    expect(res.headers['x-request-id']).toBe(res.json().requestId);
  });

  it('answers deeply nested JSON with 400, not 500', async () => {
    const deep = `{"customerId":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const res = await t.request({
      method: 'POST',
      url: '/v1/orders',
      headers: { ...bearer(t.keys.client), 'content-type': 'application/json' },
      payload: deep,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('json_too_deep');
  });

  it('/health/ready names failed components without their error text, and the process stays live', async () => {
    const url = new URL(t.config.databaseUrl);
    url.pathname = `/${t.prefix}_missing_database`;
    const quiet = { warn: () => undefined, error: () => undefined, debug: () => undefined, deprecate: () => undefined };
    const db = knex({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 1 }, log: quiet });
    const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const app = buildApp({ db, temporal, config: t.config, logger: false });
    try {
      const request = await serve(app);
      const res = await request({ url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({
        code: 'not_ready',
        message: 'unavailable: database, temporal',
        details: { checks: { database: 'failed', temporal: 'failed' } },
        requestId: expect.any(String),
      });
      expect(res.body).not.toContain('missing_database');
      // Still alive: liveness does not depend on Postgres or Temporal.
      expect((await request({ url: '/health/live' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await db.destroy();
      await temporal.connection.close();
    }
  });
});

describe('GET /v1/health/details', () => {
  it('answers ops with each check, and nobody else', async () => {
    const res = await t.request({ url: '/v1/health/details', headers: bearer(t.keys.ops) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', checks: { database: { status: 'ok' }, temporal: { status: 'ok' } } });
    expect((await t.request({ url: '/v1/health/details', headers: bearer(t.keys.client) })).statusCode).toBe(403);
    expect((await t.request({ url: '/v1/health/details' })).statusCode).toBe(401);
  });
});

describe('server hardening', () => {
  it('sends security headers', async () => {
    const res = await t.request({ url: '/health/live' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
  });

  it('serves /docs only when configured', async () => {
    await withApp({ docsPublic: false }, async (request) => {
      expect((await request({ url: '/docs' })).statusCode).toBe(404);
      expect((await request({ url: '/docs/json' })).statusCode).toBe(404);
    });
  });

  it('limits requests per key with 429 rate_limited and Retry-After', async () => {
    await withApp({ rateLimitPerMinute: 3 }, async (request) => {
      const statuses: number[] = [];
      let last;
      for (let i = 0; i < 4; i++) {
        last = await request({ url: '/v1/locations', headers: bearer(t.keys.ops) });
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last!.json()).toMatchObject({ code: 'rate_limited' });
      expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
      // Another key has its own allowance.
      expect((await request({ url: '/v1/locations', headers: bearer(t.keys.warehouse) })).statusCode).toBe(200);
    });
  });
});

describe('limits', () => {
  it('refuses a backorder deadline beyond BACKORDER_MAX_DAYS with 422 invalid_deadline', async () => {
    const deadline = new Date(Date.now() + (t.config.fulfillment.backorderMaxDays + 1) * 86_400_000).toISOString();
    const res = await t.request({
      method: 'POST',
      url: '/v1/orders',
      headers: bearer(t.keys.client),
      payload: orderBody(`${t.prefix}-cust`, [{ sku: bolt.sku, quantity: 1 }], { backorder: { policy: 'wait', deadline } }),
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('invalid_deadline');
  });

  it('needs the ops role for a receipt line above RECEIPT_MAX_LINE_QUANTITY_WITHOUT_OPS', async () => {
    const quantity = t.config.api.receiptMaxLineQuantityWithoutOps + 1;
    const res = await t.request({
      method: 'POST',
      url: '/v1/inventory/receipts',
      headers: bearer(t.keys.warehouse),
      payload: { locationId: warehouse, lines: [{ sku: bolt.sku, quantity }] },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('quantity_needs_ops');
    expect(await t.db('receipts').where({ location_id: warehouse })).toEqual([]);
  });

  it('refuses a receipt that would push on_hand past the int4 maximum with 422 quantity_too_large', async () => {
    const nut = await seedProduct(t.db, `${t.prefix}-NUT`);
    await seedStock(t.db, nut.sku, warehouse, 2_147_483_000);
    const res = await t.request({
      method: 'POST',
      url: '/v1/inventory/receipts',
      headers: bearer(t.keys.warehouse),
      payload: { locationId: warehouse, lines: [{ sku: nut.sku, quantity: 1000 }] },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('quantity_too_large');
  });
});

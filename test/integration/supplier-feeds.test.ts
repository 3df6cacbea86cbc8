import { randomBytes } from 'node:crypto';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, seedProduct } from '../../dev/harness/catalog';
import { signWebhook } from '../../domain/webhook-signature';
import { startSupplierFeedPolling, supplierFeedScheduleId } from '../../infra/supplier-feed-schedule';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

/**
 * Supplier stock feeds through the HTTP API on the real Temporal dev server and Postgres, with the
 * sandbox supplier over HTTP: levels pushed as signed webhooks or polled by the Schedule are stored
 * newest first, and a dropship order is refused when its supplier's report is stale at a channel that
 * requires fresh stock, or is below the line.
 */
let engine: Engine;

beforeAll(async () => {
  engine = await Engine.start({
    label: 'supplier-feeds',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
  });
});

afterEach(async () => {
  await expectInvariants(engine.db, engine.temporal);
});

afterAll(async () => {
  await engine?.temporal.schedule.getHandle(supplierFeedScheduleId(engine.taskQueue)).delete().catch(() => undefined);
  await engine?.stop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;
const ops = (method: string, path: string, body?: unknown) => engine.call('ops', method, path, body);
const client = (method: string, path: string, body?: unknown) => engine.call('client', method, path, body);
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

interface Dropshipped {
  sku: string;
  supplierId: string;
  supplierSku: string;
}

async function dropshipProduct(): Promise<Dropshipped> {
  const supplier = await ops('POST', '/v1/suppliers', {
    name: unique('Feed Co'),
    contact: { email: 'stock@feed.example' },
    currency: 'USD',
    leadTimeDays: 3,
    paymentTerms: 'net 30',
  });
  expect(supplier.status).toBe(201);
  const { sku } = await seedProduct(engine.db, unique('FD'), 2500);
  const supplierSku = unique('FEED');
  expect((await ops('PUT', `/v1/suppliers/${supplier.body.id}/products/${sku}`, { supplierSku, unitCostCents: 700, preferred: true })).status).toBe(200);
  expect((await ops('PUT', `/v1/products/${sku}/dropship`, {})).status).toBe(200);
  return { sku, supplierId: supplier.body.id, supplierSku };
}

/** A `supplier.stock` webhook as the supplier service sends it, signed with its secret unless told otherwise. */
async function pushStock(
  account: string,
  levels: { supplierSku: string; quantity: number | null; reportedAt: string }[],
  secret = engine.config.supplier.webhookSecrets.sandbox,
) {
  const body = JSON.stringify({ id: unique('evt'), type: 'supplier.stock', account, levels });
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await fetch(`${engine.apiUrl}/v1/webhooks/dropship/sandbox/stock`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-supplier-timestamp': String(timestamp),
      'x-supplier-signature': signWebhook(secret, timestamp, body),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as any }; // read field by field, like Engine.call's answers
}

const storedStock = (product: Dropshipped) => engine.db('supplier_stock').where({ supplier_id: product.supplierId, sku: product.sku }).first();

async function ordersOf(customerId: string): Promise<number> {
  const [{ count }] = await engine.db('orders').where({ customer_id: customerId }).count({ count: '*' });
  return Number(count);
}

describe('pushed stock levels', () => {
  it('are stored when signed; a bad signature is 401 and an older report changes nothing', async () => {
    const product = await dropshipProduct();
    const reportedAt = minutesAgo(5);
    const pushed = await pushStock(product.supplierId, [{ supplierSku: product.supplierSku, quantity: 7, reportedAt }]);
    expect(pushed).toEqual({ status: 200, body: { status: 'accepted', updated: [product.sku], unchanged: [] } });
    expect(await storedStock(product)).toMatchObject({ supplier_sku: product.supplierSku, quantity: 7, reported_at: new Date(reportedAt) });

    const forged = await pushStock(product.supplierId, [{ supplierSku: product.supplierSku, quantity: 0, reportedAt: minutesAgo(0) }], 'not-the-secret');
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('invalid_signature');

    const older = await pushStock(product.supplierId, [{ supplierSku: product.supplierSku, quantity: 1, reportedAt: minutesAgo(10) }]);
    expect(older.body).toEqual({ status: 'accepted', updated: [], unchanged: [product.sku] });
    expect(await storedStock(product)).toMatchObject({ quantity: 7, reported_at: new Date(reportedAt) });
  });

  it('naming a product the supplier does not list is 422 unknown_supplier_sku, and nothing of the push is stored', async () => {
    const product = await dropshipProduct();
    const pushed = await pushStock(product.supplierId, [
      { supplierSku: product.supplierSku, quantity: 3, reportedAt: minutesAgo(0) },
      { supplierSku: 'NOT-OURS', quantity: 3, reportedAt: minutesAgo(0) },
    ]);
    expect(pushed.status).toBe(422);
    expect(pushed.body).toMatchObject({ code: 'unknown_supplier_sku', details: { supplierSkus: ['NOT-OURS'] } });
    expect(await storedStock(product)).toBeUndefined();

    const stranger = await pushStock('sup_unknown', [{ supplierSku: product.supplierSku, quantity: 3, reportedAt: minutesAgo(0) }]);
    expect(stranger.status).toBe(404);
    expect(stranger.body.code).toBe('supplier_not_found');
  });
});

describe('the polling Schedule', () => {
  it("stores the sandbox supplier's levels: a limited SKU's quantity, an unlimited one's null", async () => {
    const limited = await dropshipProduct();
    const unlimited = await dropshipProduct();
    const atSupplier = await fetch(`${engine.supplierUrl}/v1/stock/${limited.supplierId}/${limited.supplierSku}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${engine.config.supplier.sandboxApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 4 }),
    });
    expect(atSupplier.status).toBe(200);

    const before = new Date();
    await startSupplierFeedPolling(engine.temporal, engine.taskQueue, engine.config.supplierFeeds.pollEveryMinutes);
    const schedule = engine.temporal.schedule.getHandle(supplierFeedScheduleId(engine.taskQueue));
    expect((await schedule.describe()).spec.intervals).toEqual([expect.objectContaining({ every: 15 * 60_000 })]);
    await schedule.trigger(ScheduleOverlapPolicy.ALLOW_ALL);

    const polled = await eventually(async () => {
      const rows = await engine.db('supplier_stock').whereIn('sku', [limited.sku, unlimited.sku]).orderBy('quantity');
      return rows.length === 2 ? rows : undefined;
    });
    expect(polled.map((row) => [row.sku, row.quantity])).toEqual([
      [limited.sku, 4],
      [unlimited.sku, null],
    ]);
    for (const row of polled) expect(row.reported_at.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
  });
});

describe('selling against the supplier feed', () => {
  it('a stale supplier feed stops a dropship product selling at a channel that requires fresh stock, while another channel still sells', async () => {
    const product = await dropshipProduct();
    const patched = await ops('PATCH', `/v1/suppliers/${product.supplierId}`, { feedMaxAgeMinutes: 60 });
    expect(patched.status).toBe(200);
    expect(patched.body.feedMaxAgeMinutes).toBe(60);
    expect(await ops('PUT', '/v1/channels/marketplace/feed-rules', { requireFreshSupplierStock: true })).toEqual({
      status: 200,
      body: { channel: 'marketplace', requireFreshSupplierStock: true },
    });
    expect((await pushStock(product.supplierId, [{ supplierSku: product.supplierSku, quantity: 10, reportedAt: minutesAgo(120) }])).status).toBe(200);

    const customer = unique('cust');
    const refused = await client('POST', '/v1/orders', orderRequest(customer, [{ sku: product.sku, quantity: 1 }], { channel: 'marketplace' }));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'supplier_stock_stale', details: { skus: [product.sku] } });
    expect(await ordersOf(customer)).toBe(0);

    const elsewhere = await client('POST', '/v1/orders', orderRequest(customer, [{ sku: product.sku, quantity: 1 }], { channel: 'web' }));
    expect(elsewhere.status).toBe(201);

    // A fresh report lets the channel sell again.
    expect((await pushStock(product.supplierId, [{ supplierSku: product.supplierSku, quantity: 10, reportedAt: minutesAgo(1) }])).status).toBe(200);
    const fresh = await client('POST', '/v1/orders', orderRequest(customer, [{ sku: product.sku, quantity: 1 }], { channel: 'marketplace' }));
    expect(fresh.status).toBe(201);
  });

  it('an order over the reported stock is refused with supplier_out_of_stock and nothing is written', async () => {
    const product = await dropshipProduct();
    expect((await pushStock(product.supplierId, [{ supplierSku: product.supplierSku, quantity: 2, reportedAt: minutesAgo(0) }])).status).toBe(200);

    const customer = unique('cust');
    const refused = await client('POST', '/v1/orders', orderRequest(customer, [{ sku: product.sku, quantity: 3 }]));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'supplier_out_of_stock', details: { lines: [{ sku: product.sku, requested: 3, available: 2 }] } });
    expect(await ordersOf(customer)).toBe(0);

    expect((await client('POST', '/v1/orders', orderRequest(customer, [{ sku: product.sku, quantity: 2 }]))).status).toBe(201);
  });

  it('refuses bad feed settings with a code, and feed rules to anyone but ops', async () => {
    const product = await dropshipProduct();
    const zero = await ops('PATCH', `/v1/suppliers/${product.supplierId}`, { feedMaxAgeMinutes: 0 });
    expect(zero.status).toBe(400);
    expect(zero.body.code).toEqual(expect.any(String));
    const cleared = await ops('PATCH', `/v1/suppliers/${product.supplierId}`, { feedMaxAgeMinutes: null });
    expect(cleared.body.feedMaxAgeMinutes).toBeNull();

    const notBoolean = await ops('PUT', '/v1/channels/web/feed-rules', { requireFreshSupplierStock: 'yes' });
    expect(notBoolean.status).toBe(400);
    expect(notBoolean.body.code).toEqual(expect.any(String));
    expect((await client('PUT', '/v1/channels/web/feed-rules', { requireFreshSupplierStock: true })).status).toBe(403);
    expect(await engine.db('channel_feed_rules').where({ channel: 'web' }).first()).toBeUndefined();
  });
});

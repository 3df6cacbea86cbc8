import { randomBytes } from 'node:crypto';
import { publishedAvailabilityWithinPolicy } from '../../db/availability-invariants';
import { recordSupplierStock } from '../../db/supplier-stock';
import { Engine } from '../../dev/harness/engine';
import { seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { verifyWebhook } from '../../domain/webhook-signature';
import { createApiKey } from '../../infra/api-keys';
import { startWebhookDispatching, webhookDispatchScheduleId } from '../../infra/webhook-schedule';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';
import { WebhookReceiver } from '../helpers/webhook-receiver';

/**
 * Available-to-sell per channel through the HTTP API on the real Temporal dev server and Postgres:
 * the webhook dispatch Schedule runs every second and publishes before it dispatches.
 */
let engine: Engine;
let receiver: WebhookReceiver;
let endpointSecret: string;
const WAREHOUSE = 'WH-ATS';
const CHANNEL = 'marketplace';

beforeAll(async () => {
  engine = await Engine.start({
    label: 'channel-availability',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
  });
  await seedWarehouse(engine.db, { id: WAREHOUSE, mode: 'auto', priority: 10, bins: [] });
  receiver = await WebhookReceiver.start();
  const endpoint = await engine.call('ops', 'POST', '/v1/webhook-endpoints', { url: `${receiver.baseUrl}/ats`, events: ['inventory.available_changed'] });
  expect(endpoint.status).toBe(201);
  endpointSecret = endpoint.body.secret;
  await startWebhookDispatching(engine.temporal, engine.taskQueue, { ...engine.config.outboundWebhooks, dispatchEvery: '1s' });
});

afterEach(async () => {
  await expectInvariants(engine.db, engine.temporal);
});

afterAll(async () => {
  await engine?.temporal.schedule.getHandle(webhookDispatchScheduleId(engine.taskQueue)).delete();
  await receiver?.stop();
  await engine?.stop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

const receive = (sku: string, quantity: number) =>
  engine.call('ops', 'POST', '/v1/inventory/receipts', { locationId: WAREHOUSE, lines: [{ sku, quantity }] });

async function publishedOf(sku: string, query = ''): Promise<any> {
  const answer = await engine.call('ops', 'GET', `/v1/channels/${CHANNEL}/availability?limit=200${query}`);
  expect(answer.status).toBe(200);
  return answer.body.data.find((row: any) => row.sku === sku);
}

const eventsFor = (sku: string) => receiver.received.filter((request) => JSON.parse(request.body).data.sku === sku);

/** Pauses the dispatch Schedule and waits out a run already under way, so nothing publishes meanwhile. */
async function withDispatchPaused(work: () => Promise<void>): Promise<void> {
  const schedule = engine.temporal.schedule.getHandle(webhookDispatchScheduleId(engine.taskQueue));
  await schedule.pause();
  await eventually(async () => (await schedule.describe()).info.runningActions.length === 0, 30_000);
  try {
    await work();
  } finally {
    await schedule.unpause();
  }
}

describe('channel availability', () => {
  it('refuses bad policies with a code and writes nothing', async () => {
    const over = await engine.call('ops', 'PUT', '/v1/channels/web/stock-policy', { bufferPercent: 100.5 });
    expect(over.status).toBe(422);
    expect(over.body.code).toBe('invalid_buffer');
    const negative = await engine.call('ops', 'PUT', '/v1/channels/web/stock-policy', { bufferUnits: -1 });
    expect(negative.body.code).toBe('invalid_buffer');
    const percentBelow = await engine.call('ops', 'PUT', '/v1/channels/web/stock-policy', { bufferPercent: -5 });
    expect(percentBelow.body.code).toBe('invalid_buffer');
    const location = await engine.call('ops', 'PUT', '/v1/channels/web/stock-policy', { locationIds: [WAREHOUSE, 'WH-NOWHERE'] });
    expect(location.status).toBe(422);
    expect(location.body).toMatchObject({ code: 'unknown_location', details: { locationIds: ['WH-NOWHERE'] } });
    const unknownField = await engine.call('ops', 'PUT', '/v1/channels/web/stock-policy', { buffer: 3 });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.code).toBe('validation_error');
    const client = await engine.call('client', 'PUT', '/v1/channels/web/stock-policy', {});
    expect(client.status).toBe(403);

    const policy = await engine.call('ops', 'GET', '/v1/channels/web/stock-policy');
    expect(policy.status).toBe(404);
    expect(policy.body.code).toBe('channel_not_found');
    const availability = await engine.call('ops', 'GET', '/v1/channels/web/availability');
    expect(availability.body.code).toBe('channel_not_found');
  });

  it('publishes a burst of receipts once, as one signed event with the number the policy allows', async () => {
    const product = await seedProduct(engine.db, unique('ATS'), 1000);
    const put = await engine.call('ops', 'PUT', `/v1/channels/${CHANNEL}/stock-policy`, { bufferUnits: 1, bufferPercent: 10, capUnits: 100 });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      channel: CHANNEL,
      locationIds: [],
      bufferUnits: 1,
      bufferPercent: 10,
      capUnits: 100,
      includeIncoming: false,
      includeDropship: false,
      requireFreshSupplierStock: false,
    });
    expect((await engine.call('client', 'GET', `/v1/channels/${CHANNEL}/stock-policy`)).body).toEqual(put.body);
    // Every SKU is published under the new policy: nothing on hand is 0, and 0 is not announced.
    expect(await eventually(() => publishedOf(product.sku), 30_000)).toMatchObject({ available: 0 });

    await withDispatchPaused(async () => {
      for (let receipt = 0; receipt < 5; receipt += 1) expect((await receive(product.sku, 4)).status).toBe(201);
    });

    // 20 on hand, 10 % held back (18), less 1 unit.
    const published = await eventually(async () => (await publishedOf(product.sku))?.available === 17 && publishedOf(product.sku), 30_000);
    expect(published).toMatchObject({ sku: product.sku, available: 17, changedAt: expect.any(String) });
    const [event] = await eventually(() => eventsFor(product.sku).length > 0 && eventsFor(product.sku), 30_000);
    // Two more dispatcher runs: nothing else is sent for the burst.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(eventsFor(product.sku)).toHaveLength(1);
    expect(JSON.parse(event.body)).toMatchObject({
      type: 'inventory.available_changed',
      data: { channel: CHANNEL, sku: product.sku, available: 17, previous: 0, version: 2 },
    });
    const check = verifyWebhook({
      secret: endpointSecret,
      timestampHeader: event.headers['x-webhook-timestamp'] as string,
      signatureHeader: event.headers['x-webhook-signature'] as string,
      rawBody: event.body,
      nowSeconds: Math.floor(Date.now() / 1000),
      toleranceSeconds: 300,
    });
    expect(check).toEqual({ valid: true });
    const outbox = await engine.db('outbound_events').where({ type: 'inventory.available_changed' }).whereRaw("data->>'sku' = ?", [product.sku]);
    expect(outbox).toHaveLength(1);

    // The cap holds whatever arrives.
    expect((await receive(product.sku, 500)).status).toBe(201);
    await eventually(async () => (await publishedOf(product.sku))?.available === 100, 30_000);
  });

  it('shows a client key only its own channels', async () => {
    const posOnly = (await createApiKey(engine.db, 'pos only', 'client', { channels: ['pos'] })).key;
    const call = async (path: string) => {
      const response = await fetch(`${engine.apiUrl}${path}`, { headers: { authorization: `Bearer ${posOnly}` } });
      return { status: response.status, body: (await response.json()) as { code: string } };
    };
    for (const path of [`/v1/channels/${CHANNEL}/availability`, `/v1/channels/${CHANNEL}/stock-policy`]) {
      const other = await call(path);
      expect(other.status).toBe(404);
      expect(other.body.code).toBe('channel_not_found');
    }
    expect((await engine.call('client', 'GET', `/v1/channels/${CHANNEL}/availability`)).status).toBe(200);
  });

  it('answers an incremental sync with only what changed since the previous one, page by page', async () => {
    const before = await engine.call('ops', 'GET', `/v1/channels/${CHANNEL}/availability`);
    const { asOf } = before.body;
    const product = await seedProduct(engine.db, unique('SINCE'), 1000);
    expect((await receive(product.sku, 11)).status).toBe(201);
    await eventually(async () => (await publishedOf(product.sku))?.available === 8, 30_000);

    const since = await engine.call('client', 'GET', `/v1/channels/${CHANNEL}/availability?since=${encodeURIComponent(asOf)}`);
    expect(since.status).toBe(200);
    expect(since.body.data).toEqual([{ sku: product.sku, available: 8, changedAt: expect.any(String) }]);
    const later = await engine.call('client', 'GET', `/v1/channels/${CHANNEL}/availability?since=${encodeURIComponent(since.body.asOf)}`);
    expect(later.body.data).toEqual([]);

    const first = await engine.call('client', 'GET', `/v1/channels/${CHANNEL}/availability?limit=1`);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await engine.call('client', 'GET', `/v1/channels/${CHANNEL}/availability?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.data[0].sku > first.body.data[0].sku).toBe(true);

    const badSince = await engine.call('client', 'GET', `/v1/channels/${CHANNEL}/availability?since=yesterday`);
    expect(badSince.status).toBe(400);
    const badCursor = await engine.call('client', 'GET', `/v1/channels/${CHANNEL}/availability?cursor=nope`);
    expect(badCursor.body.code).toBe('invalid_cursor');
  });

  it("sells a dropship product against its supplier's reported stock, less the buffer, where the channel counts it", async () => {
    const DROPSHIP_CHANNEL = 'web';
    const supplier = await engine.call('ops', 'POST', '/v1/suppliers', { name: unique('Drop'), contact: {}, currency: 'USD', leadTimeDays: 2, paymentTerms: 'net 30' });
    const product = await seedProduct(engine.db, unique('ATS-DS'), 1000);
    expect((await engine.call('ops', 'PUT', `/v1/suppliers/${supplier.body.id}/products/${product.sku}`, { supplierSku: `S-${product.sku}`, unitCostCents: 400, preferred: true })).status).toBe(200);
    expect((await engine.call('ops', 'PUT', `/v1/products/${product.sku}/dropship`, {})).status).toBe(200);
    const report = (quantity: number) =>
      recordSupplierStock(engine.db, supplier.body.id, [{ sku: product.sku, supplierSku: `S-${product.sku}`, quantity, reportedAt: new Date() }]);
    await report(8);
    expect((await engine.call('ops', 'PUT', `/v1/channels/${DROPSHIP_CHANNEL}/stock-policy`, { bufferUnits: 1, includeDropship: true })).status).toBe(200);
    const availableAt = async () => {
      const answer = await engine.call('ops', 'GET', `/v1/channels/${DROPSHIP_CHANNEL}/availability?limit=200`);
      return answer.body.data.find((row: any) => row.sku === product.sku)?.available;
    };
    // 8 reported, 1 held back; none of it is ours.
    await eventually(async () => (await availableAt()) === 7, 30_000);
    await report(3);
    await eventually(async () => (await availableAt()) === 2, 30_000);
  });

  it('has the invariant checker catch a number published above what the policy allows', async () => {
    const [row] = await engine.db('channel_availability').where({ channel: CHANNEL }).where('available', '>', 0).orderBy('sku').limit(1);
    expect(await publishedAvailabilityWithinPolicy(engine.db)).toEqual([]);
    await engine.db('channel_availability').where({ channel: CHANNEL, sku: row.sku }).update({ available: row.available + 1 });
    try {
      expect(await publishedAvailabilityWithinPolicy(engine.db)).toEqual([
        `invariant 11 (channel availability): ${row.sku} is published at ${row.available + 1} on ${CHANNEL}, but its policy allows ${row.available} for the stock now`,
      ]);
    } finally {
      await engine.db('channel_availability').where({ channel: CHANNEL, sku: row.sku }).update({ available: row.available });
    }
  });
});

import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { emitEvent } from '../../activities/outbound-events';
import { newDeliveryId } from '../../activities/outbound-webhooks';
import { signWebhook, verifyWebhook } from '../../domain/webhook-signature';
import { createApiKey } from '../../infra/api-keys';
import { startWebhookDispatching, webhookDispatchScheduleId } from '../../infra/webhook-schedule';
import type { WebhookRetrySettings } from '../../workflows/webhook-delivery-definitions';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';
import { WebhookReceiver } from '../helpers/webhook-receiver';

/**
 * Outbound webhooks through the HTTP API on the real Temporal dev server and Postgres: the dispatch
 * Schedule runs every second and deliveries retry after 1, 2 and 4 seconds.
 */
let engine: Engine;
let receiver: WebhookReceiver;
const WAREHOUSE = 'WH-HOOKS';
const RETRY: WebhookRetrySettings = { maxAttempts: 4, initialSeconds: 1, maxSeconds: 4, timeoutMs: 2_000 };
const RETENTION_DAYS = 30;

beforeAll(async () => {
  engine = await Engine.start({
    label: 'outbound-webhooks',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
  });
  await seedWarehouse(engine.db, { id: WAREHOUSE, mode: 'auto', priority: 10, bins: [] });
  receiver = await WebhookReceiver.start({ '/flaky': 2 });
  await startWebhookDispatching(engine.temporal, engine.taskQueue, { ...engine.config.outboundWebhooks, dispatchEvery: '1s', retry: RETRY, retentionDays: RETENTION_DAYS });
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

const register = (body: object, headers: Record<string, string> = {}) => engine.call('ops', 'POST', '/v1/webhook-endpoints', body, headers);

/** An order of one unit of a freshly stocked product, sent to delivery by the auto warehouse and the sandbox carrier. */
async function deliveredOrder(): Promise<string> {
  const product = await seedProduct(engine.db, unique('HOOK'), 1500);
  const receipt = await engine.call('ops', 'POST', '/v1/inventory/receipts', { locationId: WAREHOUSE, lines: [{ sku: product.sku, quantity: 1 }] });
  expect(receipt.status).toBe(201);
  const order = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), [{ sku: product.sku, quantity: 1 }]));
  expect(order.status).toBe(201);
  await eventually(async () => (await engine.call('ops', 'GET', `/v1/orders/${order.body.id}`)).body.status === 'DELIVERED', 60_000);
  return order.body.id;
}

const endpointCount = async () => Number((await engine.db('webhook_endpoints').count({ n: '*' }).first())!.n);

describe('outbound webhooks', () => {
  it("delivers an order's and its shipment's events, each signed with the endpoint's secret", async () => {
    const created = await register({ url: `${receiver.baseUrl}/all`, events: ['order.*', 'shipment.*'], description: 'everything about orders' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: `${receiver.baseUrl}/all`, events: ['order.*', 'shipment.*'], active: true, secret: expect.stringMatching(/^whsec_/) });
    const { id: endpointId, secret } = created.body;

    const orderId = await deliveredOrder();
    const requests = await eventually(() => {
      const found = receiver.forOrder('/all', orderId);
      const types = found.map((request) => JSON.parse(request.body).type);
      return types.includes('order.delivered') && types.includes('shipment.delivered') && found;
    }, 60_000);

    for (const request of requests) {
      const check = verifyWebhook({
        secret,
        timestampHeader: request.headers['x-webhook-timestamp'] as string,
        signatureHeader: request.headers['x-webhook-signature'] as string,
        rawBody: request.body,
        nowSeconds: Math.floor(Date.now() / 1000),
        toleranceSeconds: 300,
      });
      expect(check).toEqual({ valid: true });
      const body = JSON.parse(request.body);
      expect(request.headers['x-webhook-event']).toBe(body.type);
      expect(request.headers['x-webhook-id']).toBe(body.id);
      expect(request.headers['content-type']).toBe('application/json');
    }
    // Another secret does not verify: the receiver can tell forged requests.
    const forged = verifyWebhook({
      secret: 'whsec_someone-else',
      timestampHeader: requests[0].headers['x-webhook-timestamp'] as string,
      signatureHeader: requests[0].headers['x-webhook-signature'] as string,
      rawBody: requests[0].body,
      nowSeconds: Math.floor(Date.now() / 1000),
      toleranceSeconds: 300,
    });
    expect(forged).toEqual({ valid: false, reason: 'bad_signature' });

    const delivered = requests.map((request) => JSON.parse(request.body)).find((body) => body.type === 'order.delivered');
    expect(delivered).toMatchObject({ id: expect.stringMatching(/^evt_/), data: { orderId, status: 'DELIVERED', previousStatus: expect.any(String), channel: 'web' } });
    // Each status once: an order's status events are emitted only when its status changes.
    const orderTypes = requests.map((request) => JSON.parse(request.body).type).filter((type: string) => type.startsWith('order.'));
    expect(new Set(orderTypes).size).toBe(orderTypes.length);

    const deliveries = await eventually(async () => {
      const answer = await engine.call('ops', 'GET', `/v1/webhook-endpoints/${endpointId}/deliveries?limit=200`);
      const mine = answer.body.data.filter((delivery: any) => delivery.event.data.orderId === orderId);
      return mine.length === requests.length && mine.every((delivery: any) => delivery.status === 'DELIVERED') && mine;
    }, 30_000);
    for (const delivery of deliveries) {
      expect(delivery.attempts).toEqual([
        { attemptNo: 1, startedAt: expect.any(String), durationMs: expect.any(Number), statusCode: 200, error: null, succeeded: true },
      ]);
      expect(delivery.finishedAt).not.toBeNull();
    }

    const listed = await engine.call('ops', 'GET', '/v1/webhook-endpoints');
    expect(listed.status).toBe(200);
    const shown = listed.body.data.find((endpoint: any) => endpoint.id === endpointId);
    expect(shown).toMatchObject({ id: endpointId, active: true });
    expect(shown).not.toHaveProperty('secret');
  });

  it('retries a receiver that fails twice with backoff, and shows every attempt over the API', async () => {
    const created = await register({ url: `${receiver.baseUrl}/flaky`, events: ['order.delivered'] });
    expect(created.status).toBe(201);
    const orderId = await deliveredOrder();

    const delivery = await eventually(async () => {
      const answer = await engine.call('ops', 'GET', `/v1/webhook-endpoints/${created.body.id}/deliveries?status=DELIVERED`);
      return answer.body.data.find((candidate: any) => candidate.event.data.orderId === orderId);
    }, 60_000);
    expect(delivery.event.type).toBe('order.delivered');
    expect(delivery.attempts.map((attempt: any) => [attempt.statusCode, attempt.succeeded, attempt.error])).toEqual([
      [500, false, 'the receiver answered 500'],
      [500, false, 'the receiver answered 500'],
      [200, true, null],
    ]);
    const started = delivery.attempts.map((attempt: any) => Date.parse(attempt.startedAt));
    // Waits of 1 s, then 2 s (exponential backoff), each measured from the end of the failed attempt.
    expect(started[1] - started[0]).toBeGreaterThanOrEqual(1_000);
    expect(started[2] - started[1]).toBeGreaterThanOrEqual(2_000);
    expect(delivery.nextAttemptAt).toBeNull();

    const requests = receiver.forOrder('/flaky', orderId);
    expect(requests.map((request) => request.headers['x-webhook-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(requests.map((request) => request.headers['x-webhook-id'])).size).toBe(1);
    expect(new Set(requests.map((request) => request.body)).size).toBe(1);

    const deactivated = await engine.call('ops', 'POST', `/v1/webhook-endpoints/${created.body.id}/deactivate`);
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ active: false, deactivatedAt: expect.any(String) });
    const listed = await engine.call('ops', 'GET', '/v1/webhook-endpoints?active=false');
    expect(listed.body.data.map((endpoint: any) => endpoint.id)).toContain(created.body.id);
  });

  it('refuses an endpoint that is not https, a bad URL and unknown event types, writing nothing', async () => {
    const before = await endpointCount();
    const refusals = await Promise.all([
      register({ url: 'http://example.com/hooks', events: ['order.*'] }),
      register({ url: 'http://10.0.0.5/hooks', events: ['order.*'] }),
      register({ url: 'ftp://example.com/hooks', events: ['order.*'] }),
      register({ url: 'not a url', events: ['order.*'] }),
      register({ url: 'https://user:pass@example.com/hooks', events: ['order.*'] }),
      register({ url: 'https://example.com/hooks', events: ['order.*', 'invoice.paid'] }),
    ]);
    expect(refusals.map((answer) => [answer.status, answer.body.code])).toEqual([
      [422, 'endpoint_not_https'],
      [422, 'endpoint_not_https'],
      [422, 'endpoint_not_https'],
      [422, 'invalid_url'],
      [422, 'invalid_url'],
      [422, 'unknown_event_type'],
    ]);
    const forbidden = await engine.call('client', 'POST', '/v1/webhook-endpoints', { url: 'https://example.com/hooks', events: ['order.*'] });
    expect(forbidden.status).toBe(403);
    expect(await endpointCount()).toBe(before);
  });

  it('registers an https endpoint once per Idempotency-Key, secret included in the replay', async () => {
    const key = unique('create-endpoint');
    const body = { url: 'https://hooks.example.com/oms', events: ['inventory.low_stock'] };
    const first = await register(body, { 'idempotency-key': key });
    const again = await register(body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await engine.db('webhook_endpoints').where({ url: body.url }).count({ n: '*' }).first()).toEqual({ n: 1 });
    const off = await engine.call('ops', 'POST', `/v1/webhook-endpoints/${first.body.id}/deactivate`);
    expect(off.body.active).toBe(false);
    expect((await engine.call('ops', 'POST', `/v1/webhook-endpoints/${first.body.id}/deactivate`)).status).toBe(200);
    expect((await engine.call('ops', 'GET', '/v1/webhook-endpoints/whe_missing')).body.code).toBe('webhook_endpoint_not_found');
  });

  it('rotates a secret: shown once, deliveries signed with the new and the previous one until the grace period ends, then the new only', async () => {
    const created = await register({ url: `${receiver.baseUrl}/rotating`, events: ['order.delivered'] });
    expect(created.status).toBe(201);
    const { id, secret: previous } = created.body;

    const key = unique('rotate');
    const rotated = await engine.call('ops', 'POST', `/v1/webhook-endpoints/${id}/rotate-secret`, undefined, { 'idempotency-key': key });
    expect(rotated.status).toBe(200);
    const { secret } = rotated.body;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(previous);
    const graceEnds = Date.parse(rotated.body.previousSecretExpiresAt);
    expect(graceEnds - Date.parse(rotated.body.secretRotatedAt)).toBe(24 * 3_600_000);
    // A retry with the key answers the same secret instead of rotating again; reads never show it.
    const again = await engine.call('ops', 'POST', `/v1/webhook-endpoints/${id}/rotate-secret`, undefined, { 'idempotency-key': key });
    expect(again.body).toEqual(rotated.body);
    expect((await engine.db('webhook_endpoints').where({ id }).first('secret', 'previous_secret'))).toEqual({ secret, previous_secret: previous });
    const shown = await engine.call('ops', 'GET', `/v1/webhook-endpoints/${id}`);
    expect(shown.body).toMatchObject({ id, secretRotatedAt: rotated.body.secretRotatedAt, previousSecretExpiresAt: rotated.body.previousSecretExpiresAt });
    expect(shown.body).not.toHaveProperty('secret');

    const signatures = async () => {
      const orderId = unique('ord');
      await emitEvent(engine.db, { type: 'order.delivered', key: `test:${orderId}`, data: { orderId } });
      const [request] = await eventually(() => receiver.forOrder('/rotating', orderId).length > 0 && receiver.forOrder('/rotating', orderId), 30_000);
      const timestamp = Number(request.headers['x-webhook-timestamp']);
      return { header: request.headers['x-webhook-signature'], expected: (secretOf: string) => signWebhook(secretOf, timestamp, request.body) };
    };
    const during = await signatures();
    expect(during.header).toBe(`${during.expected(secret)},${during.expected(previous)}`);

    // The grace period over (moved into the past here), only the new secret signs.
    await engine.db('webhook_endpoints').where({ id }).update({ previous_secret_expires_at: engine.db.raw("now() - interval '1 second'") });
    const after = await signatures();
    expect(after.header).toBe(after.expected(secret));
  });

  it('rotates any endpoint for any ops key, as the rest of the group; refuses other roles, unknown and deactivated endpoints', async () => {
    const created = await register({ url: 'https://hooks.example.com/rotate', events: ['order.*'] });
    const otherOps = await createApiKey(engine.db, unique('other ops'), 'ops');
    const byOther = await fetch(`${engine.apiUrl}/v1/webhook-endpoints/${created.body.id}/rotate-secret`, { method: 'POST', headers: { authorization: `Bearer ${otherOps.key}` } });
    expect(byOther.status).toBe(200);
    const secretAfter = ((await byOther.json()) as { secret: string }).secret;

    const refusals = await Promise.all([
      engine.call('client', 'POST', `/v1/webhook-endpoints/${created.body.id}/rotate-secret`),
      engine.call('warehouse', 'POST', `/v1/webhook-endpoints/${created.body.id}/rotate-secret`),
      engine.call('ops', 'POST', '/v1/webhook-endpoints/whe_missing/rotate-secret'),
    ]);
    expect(refusals.map((answer) => [answer.status, answer.body.code])).toEqual([
      [403, 'forbidden'],
      [403, 'forbidden'],
      [404, 'webhook_endpoint_not_found'],
    ]);
    await engine.call('ops', 'POST', `/v1/webhook-endpoints/${created.body.id}/deactivate`);
    const inactive = await engine.call('ops', 'POST', `/v1/webhook-endpoints/${created.body.id}/rotate-secret`);
    expect([inactive.status, inactive.body.code]).toEqual([409, 'webhook_endpoint_inactive']);
    expect(await engine.db('webhook_endpoints').where({ id: created.body.id }).first('secret')).toEqual({ secret: secretAfter });
  });

  it(`deletes delivered events and their attempts after ${RETENTION_DAYS} days on the dispatch Schedule, keeping newer and failed ones`, async () => {
    const endpoints: string[] = [];
    for (const path of ['/kept-a', '/kept-b']) {
      const created = await register({ url: `${receiver.baseUrl}${path}`, events: ['purchase_order.*'] });
      await engine.call('ops', 'POST', `/v1/webhook-endpoints/${created.body.id}/deactivate`);
      endpoints.push(created.body.id);
    }
    const daysAgo = (days: number) => engine.db.raw(`now() - make_interval(days => ${days})`);
    /** An event dispatched `ageDays` ago, with one finished delivery per outcome given: one attempt each. */
    const event = async (ageDays: number, outcomes: ('DELIVERED' | 'FAILED')[]) => {
      const [{ id }] = await engine.db('outbound_events')
        .insert({ type: 'purchase_order.submitted', event_key: unique('retention'), data: {}, created_at: daysAgo(ageDays), dispatched_at: daysAgo(ageDays) })
        .returning('id');
      const deliveries = outcomes.map((status, index) => ({ id: newDeliveryId(), status, endpoint: endpoints[index] }));
      for (const delivery of deliveries) {
        await engine.db('webhook_deliveries').insert({
          id: delivery.id,
          event_id: id,
          endpoint_id: delivery.endpoint,
          status: delivery.status,
          attempts: 1,
          last_status_code: delivery.status === 'DELIVERED' ? 200 : 500,
          workflow_started_at: daysAgo(ageDays),
          finished_at: daysAgo(ageDays),
          created_at: daysAgo(ageDays),
        });
        await engine.db('webhook_delivery_attempts').insert({
          delivery_id: delivery.id,
          attempt_no: 1,
          started_at: daysAgo(ageDays),
          duration_ms: 5,
          status_code: delivery.status === 'DELIVERED' ? 200 : 500,
          succeeded: delivery.status === 'DELIVERED',
        });
      }
      return { id, deliveries: deliveries.map((delivery) => delivery.id) };
    };
    const old = await event(RETENTION_DAYS + 1, ['DELIVERED']);
    const recent = await event(RETENTION_DAYS - 1, ['DELIVERED']);
    const failed = await event(RETENTION_DAYS + 10, ['FAILED']);
    const mixed = await event(RETENTION_DAYS + 1, ['DELIVERED', 'FAILED']);
    const unsubscribed = await event(RETENTION_DAYS + 1, []);

    const ids = [old, recent, failed, mixed, unsubscribed];
    const remaining = async () => ({
      events: (await engine.db('outbound_events').whereIn('id', ids.map((e) => e.id)).orderBy('id').pluck('id')).map(String),
      deliveries: await engine.db('webhook_deliveries').whereIn('id', ids.flatMap((e) => e.deliveries)).orderBy('id').pluck('id'),
      attempts: await engine.db('webhook_delivery_attempts').whereIn('delivery_id', ids.flatMap((e) => e.deliveries)).orderBy('delivery_id').pluck('delivery_id'),
    });
    const kept = [recent.deliveries[0], failed.deliveries[0], mixed.deliveries[1]].sort();
    const after = await eventually(async () => {
      const rows = await remaining();
      return rows.events.length === 3 && rows.deliveries.length === 3 && rows;
    }, 30_000);
    expect(after).toEqual({ events: [recent.id, failed.id, mixed.id].map(String).sort((x, y) => Number(x) - Number(y)), deliveries: kept, attempts: kept });
  });
});

import { Writable } from 'node:stream';
import { buildApp } from '../../api/app';
import { signWebhook } from '../../domain/webhook-signature';
import { type ApiRequest, type ApiResponse, type ApiTest, bearer, finishApiTest, orderBody, seedProduct, serve, startApiTest } from '../helpers/api';
import { metricValue } from '../helpers/metrics';

/**
 * The API's Prometheus metrics and structured logs: requests by route pattern and status, orders by
 * channel, carrier webhook outcomes, who may scrape /metrics, and order routes' log lines naming the order.
 */
let t: ApiTest;
let sku: string;
/** A second app on the same database, with /metrics public (METRICS_PUBLIC) and its JSON log captured. */
let open: { request: (request: ApiRequest) => Promise<ApiResponse>; close(): Promise<void>; logLines: Record<string, unknown>[] };

beforeAll(async () => {
  t = await startApiTest();
  sku = (await seedProduct(t.db, `${t.prefix}-MUG`)).sku;
  const logLines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      callback();
    },
  });
  const app = buildApp({
    db: t.db,
    temporal: t.temporal,
    config: { ...t.config, api: { ...t.config.api, metricsPublic: true } },
    logger: { level: 'info', stream },
    timeouts: { queryMs: 300, updateMs: 1_000, startMs: 5_000 },
  });
  open = { request: await serve(app), close: () => app.close(), logLines };
});

afterAll(async () => {
  await open?.close();
  await finishApiTest(t);
});

const metrics = async () => {
  const res = await t.request({ url: '/metrics', headers: bearer(t.keys.ops) });
  expect(res.statusCode).toBe(200);
  return res.body;
};

describe('GET /metrics', () => {
  it('needs an ops key unless METRICS_PUBLIC is on (off by default outside development)', async () => {
    expect(t.config.api.metricsPublic).toBe(false);
    expect((await t.request({ url: '/metrics' })).statusCode).toBe(401);
    expect((await t.request({ url: '/metrics', headers: bearer(t.keys.client) })).statusCode).toBe(403);
    expect((await t.request({ url: '/metrics', headers: bearer(t.keys.warehouse) })).statusCode).toBe(403);
    const ops = await t.request({ url: '/metrics', headers: bearer(t.keys.ops) });
    expect(ops.statusCode).toBe(200);
    expect(ops.headers['content-type']).toMatch(/^text\/plain/);
    expect(ops.body).toContain('# TYPE oms_http_requests_total counter');
    expect(ops.body).toContain('process_cpu_user_seconds_total');

    const anyone = await open.request({ url: '/metrics' });
    expect(anyone.statusCode).toBe(200);
    expect(anyone.body).toContain('oms_http_requests_total');
  });

  it('is documented in the OpenAPI document, as open only when it is', async () => {
    const spec = t.app.swagger() as { paths: Record<string, { get: { security?: unknown[] } }> };
    expect(spec.paths['/metrics'].get.security).toBeUndefined();
    expect((await open.request({ url: '/docs/json' })).json().paths['/metrics'].get.security).toEqual([]);
  });
});

describe('request and order metrics', () => {
  it('counts requests by route pattern (never the raw URL) and status, and created orders by channel', async () => {
    const before = await metrics();
    const body = orderBody(`${t.prefix}-cus`, [{ sku, quantity: 1 }], { channel: 'pos' });
    const headers = { ...bearer(t.keys.client), 'idempotency-key': `${t.prefix}-metrics-order` };
    const created = await t.request({ method: 'POST', url: '/v1/orders', headers, payload: body });
    expect(created.statusCode).toBe(201);
    const orderId: string = created.json().id;
    // A replay of the same Idempotency-Key answers again but creates nothing.
    const replayed = await t.request({ method: 'POST', url: '/v1/orders', headers, payload: body });
    expect(replayed.statusCode).toBe(201);
    expect((await t.request({ url: `/v1/orders/${orderId}`, headers: bearer(t.keys.client) })).statusCode).toBe(200);
    expect((await t.request({ url: `/v1/orders/ord_${t.prefix}missing`, headers: bearer(t.keys.client) })).statusCode).toBe(404);
    expect((await t.request({ url: `/no/such/${t.prefix}` })).statusCode).toBe(404);
    const after = await metrics();

    const delta = (name: string, labels: Record<string, string>) => metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(delta('oms_orders_created_total', { channel: 'pos' })).toBe(1);
    expect(delta('oms_http_requests_total', { method: 'POST', route: '/v1/orders', status_code: '201' })).toBe(2);
    expect(delta('oms_http_requests_total', { method: 'GET', route: '/v1/orders/:id', status_code: '200' })).toBe(1);
    expect(delta('oms_http_requests_total', { method: 'GET', route: '/v1/orders/:id', status_code: '404' })).toBe(1);
    expect(delta('oms_http_requests_total', { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(delta('oms_http_request_duration_seconds_count', { method: 'POST', route: '/v1/orders', status_code: '201' })).toBe(2);
    expect(after).not.toContain(orderId);
    expect(after).not.toContain(t.prefix);
  });
});

describe('carrier webhook metrics', () => {
  const send = (raw: string, carrier = 'sandbox', signed = true, signature?: string) => {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signed) {
      headers['x-carrier-timestamp'] = String(timestamp);
      headers['x-carrier-signature'] = signature ?? signWebhook(t.config.carrier.webhookSecrets.sandbox, timestamp, raw);
    }
    return t.request({ method: 'POST', url: `/v1/webhooks/carriers/${carrier}`, headers, payload: raw });
  };

  it('counts outcomes, and refusals by their error code', async () => {
    const before = await metrics();
    const event = JSON.stringify({
      id: `${t.prefix}-evt-1`,
      type: 'tracking.updated',
      trackingNumber: `${t.prefix}-TRK-NONE`,
      status: 'in_transit',
      occurredAt: '2024-06-01T12:00:00Z',
    });
    expect((await send(event)).json()).toEqual({ status: 'unmatched' });
    expect((await send(event)).json()).toEqual({ status: 'duplicate' });
    expect((await send(event, 'sandbox', false)).statusCode).toBe(401);
    expect((await send(event, 'sandbox', true, 'v1=00')).statusCode).toBe(401);
    expect((await send(event, `acme${t.prefix}`)).statusCode).toBe(404);
    expect((await send('x'.repeat(t.config.api.webhookBodyLimitBytes + 1), 'sandbox', false)).statusCode).toBe(413);
    const after = await metrics();

    const delta = (labels: Record<string, string>) =>
      metricValue(after, 'oms_webhook_requests_total', labels) - metricValue(before, 'oms_webhook_requests_total', labels);
    expect(delta({ carrier: 'sandbox', outcome: 'unmatched', reason: '' })).toBe(1);
    expect(delta({ carrier: 'sandbox', outcome: 'duplicate', reason: '' })).toBe(1);
    expect(delta({ carrier: 'sandbox', outcome: 'refused', reason: 'missing_signature' })).toBe(1);
    expect(delta({ carrier: 'sandbox', outcome: 'refused', reason: 'invalid_signature' })).toBe(1);
    expect(delta({ carrier: 'sandbox', outcome: 'refused', reason: 'payload_too_large' })).toBe(1);
    // A carrier name nobody configured is never a label of its own.
    expect(delta({ carrier: 'unknown', outcome: 'refused', reason: 'unknown_carrier' })).toBe(1);
    expect(after).not.toContain(`acme${t.prefix}`);
  });
});

describe('structured logs', () => {
  it("order routes' log lines carry the order id next to the request id", async () => {
    const body = orderBody(`${t.prefix}-cus-log`, [{ sku, quantity: 1 }]);
    const created = await open.request({ method: 'POST', url: '/v1/orders', headers: bearer(t.keys.client), payload: body });
    expect(created.statusCode).toBe(201);
    const orderId: string = created.json().id;
    const read = await open.request({ url: `/v1/orders/${orderId}`, headers: bearer(t.keys.client) });
    expect(read.statusCode).toBe(200);

    const completed = open.logLines.filter((line) => line.msg === 'request completed' && line.orderId === orderId);
    expect(completed.map((line) => line.reqId).sort()).toEqual([created.headers['x-request-id'], read.headers['x-request-id']].sort());
  });
});

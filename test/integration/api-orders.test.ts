import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { buildApp } from '../../api/app';
import { idempotencyScope } from '../../api/idempotency';
import { writeOrder } from '../../api/orders/write-order';
import { createApiKey } from '../../infra/api-keys';
import { orderWorkflowId } from '../../workflows/definitions';
import { CustomerIdKey, OrderStatusKey, SkusKey } from '../../workflows/search-attributes';
import {
  type ApiTest,
  bearer,
  insertOrder,
  orderBody,
  rowCounts,
  type SeededProduct,
  serve,
  seedLocation,
  seedProduct,
  seedStock,
  startApiTest,
  finishApiTest,
} from '../helpers/api';

let t: ApiTest;
let customerId: string;
let red: SeededProduct;
let blue: SeededProduct;
let retired: SeededProduct;

beforeAll(async () => {
  t = await startApiTest();
  customerId = `${t.prefix}-cust`;
  red = await seedProduct(t.db, `${t.prefix}-RED`, { unitPriceCents: 1250 });
  blue = await seedProduct(t.db, `${t.prefix}-BLUE`, { unitPriceCents: 799 });
  retired = await seedProduct(t.db, `${t.prefix}-OLD`, { active: false });
  await seedLocation(t.db, `${t.prefix}-WH`);
  await seedStock(t.db, red.sku, `${t.prefix}-WH`, 10);
});

afterAll(() => finishApiTest(t));

const post = (body: unknown, headers: Record<string, string> = {}) =>
  t.request({ method: 'POST', url: '/v1/orders', headers: { ...bearer(t.keys.client), ...headers }, payload: body as object });

describe('POST /v1/orders', () => {
  it('prices lines from the catalog, writes order, lines and event, and starts the workflow', async () => {
    const res = await post(
      orderBody(customerId, [{ sku: red.sku, quantity: 2 }, { sku: blue.sku, quantity: 1 }], { shippingCents: 500 }),
    );
    expect(res.statusCode).toBe(201);
    const order = res.json();
    expect(order.id).toMatch(/^ord_[0-9a-f]{24}$/);
    expect(order).toMatchObject({
      status: 'ACCEPTED',
      customerId,
      currency: 'USD',
      itemsCents: 2 * 1250 + 799,
      shippingCents: 500,
      totalCents: 2 * 1250 + 799 + 500,
      captureMode: 'on_shipment',
      backorder: { policy: 'wait' },
      lines: [
        { lineNo: 1, sku: red.sku, quantity: 2, unitPriceCents: 1250, qtyShipped: 0, qtyCancelled: 0 },
        { lineNo: 2, sku: blue.sku, quantity: 1, unitPriceCents: 799 },
      ],
      events: [{ type: 'accepted' }],
      shipments: [],
      payments: [],
    });
    const expectedDeadline = Date.now() + t.config.fulfillment.backorderWaitHours * 3_600_000;
    expect(Math.abs(Date.parse(order.backorder.deadline) - expectedDeadline)).toBeLessThan(60_000);

    const row = await t.db('orders').where({ id: order.id }).first();
    expect(row).toMatchObject({ payment_token: 'tok_visa', capture_mode: 'on_shipment', idempotency_key: null });
    expect(row.request_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.workflow_started_at).not.toBeNull();

    const description = await t.temporal.workflow.getHandle(orderWorkflowId(order.id)).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.type).toBe('orderWorkflow');
    expect(description.typedSearchAttributes.get(OrderStatusKey)).toBe('ACCEPTED');
    expect(description.typedSearchAttributes.get(CustomerIdKey)).toBe(customerId);
    expect(description.typedSearchAttributes.get(SkusKey)).toEqual([red.sku, blue.sku]);
  });

  it('accepts the backorder policy, deadline and capture mode given', async () => {
    const deadline = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const res = await post(
      orderBody(customerId, [{ sku: red.sku, quantity: 1 }], {
        currency: 'eur',
        backorder: { policy: 'partial', deadline },
        payment: { token: 'tok_visa', captureMode: 'on_order' },
      }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ currency: 'EUR', backorder: { policy: 'partial', deadline }, captureMode: 'on_order' });
  });

  describe('refuses bad input with a 4xx code and writes nothing', () => {
    const valid = () => orderBody(customerId, [{ sku: red.sku, quantity: 1 }]);
    const withLines = (lines: unknown[]) => ({ ...valid(), lines });
    const withoutAddressField = (field: string) => {
      const body = valid();
      const address: Record<string, unknown> = { ...body.shippingAddress };
      delete address[field];
      return { ...body, shippingAddress: address };
    };

    // Bodies are built lazily: the products they name are seeded in beforeAll.
    const cases: [string, () => unknown, number, string, RegExp][] = [
      ['an unknown top-level field', () => ({ ...valid(), discount: 10 }), 400, 'validation_error', /discount/],
      ['an unknown line field', () => withLines([{ sku: red.sku, quantity: 1, price: 1 }]), 400, 'validation_error', /lines\/0\/price/],
      ['a missing city', () => withoutAddressField('city'), 400, 'validation_error', /shippingAddress\/city/],
      ['a missing postal code', () => withoutAddressField('postalCode'), 400, 'validation_error', /postalCode/],
      ['a missing country', () => withoutAddressField('country'), 400, 'validation_error', /country/],
      ['a three-letter country', () => ({ ...valid(), shippingAddress: { ...valid().shippingAddress, country: 'GBR' } }), 400, 'validation_error', /country/],
      ['no shipping address', () => ({ ...valid(), shippingAddress: undefined }), 400, 'validation_error', /shippingAddress/],
      ['quantity 0', () => withLines([{ sku: red.sku, quantity: 0 }]), 400, 'validation_error', /lines\/0\/quantity/],
      ['quantity -1', () => withLines([{ sku: red.sku, quantity: -1 }]), 400, 'validation_error', /lines\/0\/quantity/],
      ['quantity 1.5', () => withLines([{ sku: red.sku, quantity: 1.5 }]), 400, 'validation_error', /lines\/0\/quantity/],
      ['quantity "2"', () => withLines([{ sku: red.sku, quantity: '2' }]), 400, 'validation_error', /lines\/0\/quantity/],
      ['no lines', () => withLines([]), 400, 'validation_error', /lines/],
      ['more than 200 lines', () => withLines(Array.from({ length: 201 }, (_, i) => ({ sku: `S${i}`, quantity: 1 }))), 400, 'validation_error', /lines/],
      ['a missing payment token', () => ({ ...valid(), payment: {} }), 400, 'validation_error', /payment\/token/],
      ['an unknown backorder policy', () => ({ ...valid(), backorder: { policy: 'later' } }), 400, 'validation_error', /backorder\/policy/],
      ['an impossible deadline date', () => ({ ...valid(), backorder: { deadline: '2030-02-30T00:00:00Z' } }), 400, 'validation_error', /deadline/],
      ['negative shipping', () => ({ ...valid(), shippingCents: -1 }), 400, 'validation_error', /shippingCents/],
      ['a control character in an id', () => ({ ...valid(), customerId: 'a\u0000b' }), 400, 'validation_error', /customerId/],
      ['an unpaired surrogate, which Postgres cannot store', () => ({ ...valid(), shippingAddress: { ...valid().shippingAddress, name: 'Ada \ud800' } }), 400, 'validation_error', /could not be stored/],
      ['an unknown SKU', () => withLines([{ sku: `${t.prefix}-NOPE`, quantity: 1 }]), 422, 'unknown_sku', /NOPE/],
      ['an inactive SKU', () => withLines([{ sku: retired.sku, quantity: 1 }]), 422, 'unknown_sku', /OLD/],
      ['the same SKU on two lines', () => withLines([{ sku: red.sku, quantity: 1 }, { sku: red.sku, quantity: 2 }]), 422, 'duplicate_sku', /RED/],
      ['a deadline in the past', () => ({ ...valid(), backorder: { deadline: '2020-01-01T00:00:00Z' } }), 422, 'invalid_deadline', /in the past/],
      ['a total beyond what cents can hold', () => ({ ...withLines([{ sku: red.sku, quantity: 100_000 }]), shippingCents: 2_147_000_000 }), 422, 'amount_too_large', /exceeds/],
    ];

    it.each(cases)('%s', async (_name, body, status, code, message) => {
      const before = await rowCounts(t.db, { customerId });
      const res = await post(body());
      expect(res.statusCode).toBe(status);
      expect(res.json().code).toBe(code);
      expect(res.json().message).toMatch(message);
      expect(await rowCounts(t.db, { customerId })).toEqual(before);
    });

    it('malformed JSON', async () => {
      const before = await rowCounts(t.db, { customerId });
      const res = await t.request({
        method: 'POST',
        url: '/v1/orders',
        headers: { ...bearer(t.keys.client), 'content-type': 'application/json' },
        payload: `{"customerId": "${customerId}", "lines": [`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('invalid_json');
      expect(await rowCounts(t.db, { customerId })).toEqual(before);
    });

    it('a body over the size limit', async () => {
      const before = await rowCounts(t.db, { customerId });
      const res = await post({ ...valid(), externalRef: 'x'.repeat(t.config.api.bodyLimitBytes) });
      expect(res.statusCode).toBe(413);
      expect(res.json().code).toBe('payload_too_large');
      expect(await rowCounts(t.db, { customerId })).toEqual(before);
    });
  });
});

describe('Idempotency-Key on POST /v1/orders', () => {
  it('returns the first order for the same key and body, and writes it once', async () => {
    const key = `${t.prefix}-same`;
    const body = orderBody(customerId, [{ sku: red.sku, quantity: 1 }]);
    const first = await post(body, { 'idempotency-key': key });
    // Same content, keys in another order: still the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await post(reordered, { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotency-replayed']).toBeUndefined();
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotency-replayed']).toBe('true');
    expect(second.json().id).toBe(first.json().id);
    expect(await t.db('orders').where({ idempotency_key: key }).count({ n: '*' })).toEqual([{ n: 1 }]);
    const stored = await t.db('idempotency_keys').where({ key });
    expect(stored).toEqual([
      expect.objectContaining({ api_key_id: t.keyIds.client, route: 'POST /v1/orders', status_code: 201, resource_id: first.json().id }),
    ]);
  });

  it('refuses the same key with another body with 422', async () => {
    const key = `${t.prefix}-reused`;
    await post(orderBody(customerId, [{ sku: red.sku, quantity: 1 }]), { 'idempotency-key': key });
    const before = await rowCounts(t.db, { customerId });
    const res = await post(orderBody(customerId, [{ sku: red.sku, quantity: 3 }]), { 'idempotency-key': key });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('idempotency_key_reused');
    expect(await rowCounts(t.db, { customerId })).toEqual(before);
  });

  it('scopes keys to the API key: another caller with the same key gets an order of its own', async () => {
    const key = `${t.prefix}-shared`;
    const other = await createApiKey(t.db, `${t.prefix} other client`, 'client', { channels: ['web'] });
    const mine = await post(orderBody(customerId, [{ sku: red.sku, quantity: 1 }]), { 'idempotency-key': key });
    const theirs = await post(orderBody(customerId, [{ sku: blue.sku, quantity: 2 }]), { 'idempotency-key': key, ...bearer(other.key) });
    expect([mine.statusCode, theirs.statusCode]).toEqual([201, 201]);
    expect(theirs.headers['idempotency-replayed']).toBeUndefined();
    expect(theirs.json().id).not.toBe(mine.json().id);
    expect(theirs.json().lines).toEqual([expect.objectContaining({ sku: blue.sku, quantity: 2 })]);

    // Each caller's retry replays its own order.
    const myRetry = await post(orderBody(customerId, [{ sku: red.sku, quantity: 1 }]), { 'idempotency-key': key });
    const theirRetry = await post(orderBody(customerId, [{ sku: blue.sku, quantity: 2 }]), { 'idempotency-key': key, ...bearer(other.key) });
    expect([myRetry.json().id, theirRetry.json().id]).toEqual([mine.json().id, theirs.json().id]);
    expect([myRetry.headers['idempotency-replayed'], theirRetry.headers['idempotency-replayed']]).toEqual(['true', 'true']);
  });

  it('remembers a key for the configured retention, then treats it as new', async () => {
    const key = `${t.prefix}-expiring`;
    const first = await post(orderBody(customerId, [{ sku: red.sku, quantity: 1 }]), { 'idempotency-key': key });
    const row = await t.db('idempotency_keys').where({ api_key_id: t.keyIds.client, key }).first();
    const retentionMs = t.config.api.idempotencyRetentionHours * 3_600_000;
    expect(row.expires_at.getTime() - row.created_at.getTime()).toBe(retentionMs);

    await t.db('idempotency_keys').where({ api_key_id: t.keyIds.client, key }).update({ expires_at: t.db.raw("now() - interval '1 second'") });
    // Expired: another body is no reuse, and the key now names the new order.
    const second = await post(orderBody(customerId, [{ sku: red.sku, quantity: 2 }]), { 'idempotency-key': key });
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotency-replayed']).toBeUndefined();
    expect(second.json().id).not.toBe(first.json().id);
    const retry = await post(orderBody(customerId, [{ sku: red.sku, quantity: 2 }]), { 'idempotency-key': key });
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.json().id).toBe(second.json().id);
  });

  it('makes concurrent requests with one key produce one order', async () => {
    const key = `${t.prefix}-race`;
    const body = orderBody(customerId, [{ sku: blue.sku, quantity: 2 }]);
    const responses = await Promise.all(Array.from({ length: 6 }, () => post(body, { 'idempotency-key': key })));
    expect(responses.map((res) => res.statusCode)).toEqual(Array(6).fill(201));
    expect(new Set(responses.map((res) => res.json().id)).size).toBe(1);
    const orderId = responses[0].json().id;
    expect(await t.db('order_lines').where({ order_id: orderId }).count({ n: '*' })).toEqual([{ n: 1 }]);
    expect(await t.db('order_events').where({ order_id: orderId }).count({ n: '*' })).toEqual([{ n: 1 }]);
  });

  it('finishes, on retry, an order whose process died between the commit and the workflow start', async () => {
    const key = `${t.prefix}-crash`;
    const body = orderBody(customerId, [{ sku: red.sku, quantity: 4 }]);
    const scope = idempotencyScope({
      apiKeyId: t.keyIds.client,
      key,
      method: 'POST',
      route: '/v1/orders',
      params: {},
      body,
      retentionHours: t.config.api.idempotencyRetentionHours,
    });
    const { orderId } = await writeOrder(t.db, t.config, body as never, scope);
    const handle = t.temporal.workflow.getHandle(orderWorkflowId(orderId));
    await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    const retry = await post(body, { 'idempotency-key': key });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.json().id).toBe(orderId);

    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(OrderStatusKey)).toBe('ACCEPTED');
    expect(description.typedSearchAttributes.get(CustomerIdKey)).toBe(customerId);
    expect((await t.db('orders').where({ id: orderId }).first()).workflow_started_at).not.toBeNull();
  });
});

describe('GET /v1/orders/:id', () => {
  it('returns the projection alone, without asking the workflow', async () => {
    const created = (await post(orderBody(customerId, [{ sku: red.sku, quantity: 1 }]))).json();
    for (const query of ['', '?live=false']) {
      const res = await t.request({ url: `/v1/orders/${created.id}${query}`, headers: bearer(t.keys.client) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(created);
    }
  });

  it('with ?live=true also asks the workflow: live null and the reason when it cannot answer', async () => {
    const created = (await post(orderBody(customerId, [{ sku: red.sku, quantity: 1 }]))).json();
    const res = await t.request({ url: `/v1/orders/${created.id}?live=true`, headers: bearer(t.keys.client) });
    expect(res.statusCode).toBe(200);
    const { live, liveError, ...order } = res.json();
    expect(order).toEqual(created);
    // No worker polls this test's task queue, so the status query cannot be answered.
    expect(live).toBeNull();
    expect(liveError).toEqual(expect.any(String));
  });

  it('answers from Postgres while Temporal is unreachable, and says so only when asked for live', async () => {
    const created = (await post(orderBody(customerId, [{ sku: red.sku, quantity: 1 }]))).json();
    const temporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const app = buildApp({ db: t.db, temporal, config: t.config, logger: false, timeouts: { queryMs: 300 } });
    try {
      const request = await serve(app);
      const res = await request({ url: `/v1/orders/${created.id}`, headers: bearer(t.keys.client) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(created);
      const live = await request({ url: `/v1/orders/${created.id}?live=true`, headers: bearer(t.keys.client) });
      expect(live.statusCode).toBe(200);
      expect(live.json()).toMatchObject({ id: created.id, live: null, liveError: expect.any(String) });
    } finally {
      await app.close();
      await temporal.connection.close();
    }
  });

  it('refuses a live value that is not a boolean', async () => {
    const res = await t.request({ url: '/v1/orders/ord_000000000000000000000000?live=maybe', headers: bearer(t.keys.client) });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_error');
  });

  it('answers 404 for an unknown order', async () => {
    const res = await t.request({ url: '/v1/orders/ord_000000000000000000000000', headers: bearer(t.keys.client) });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('order_not_found');
  });
});

describe('GET /v1/orders', () => {
  const listCustomer = () => `${t.prefix}-list`;
  const ids: string[] = [];

  beforeAll(async () => {
    // Seven orders, two of them created at the same instant: the cursor must not skip or repeat either.
    const base = Date.parse('2024-03-01T10:00:00.000Z');
    const times = [0, 1000, 2000, 2000, 3000, 4000, 5000];
    for (const [index, offset] of times.entries()) {
      const id = `ord_${t.prefix}list${index}`;
      ids.push(id);
      await insertOrder(t, {
        id,
        customerId: listCustomer(),
        channel: index % 2 === 0 ? 'web' : 'marketplace',
        status: index === 6 ? 'BACKORDERED' : 'ACCEPTED',
        createdAt: new Date(base + offset),
        sku: red.sku,
      });
    }
  });

  const list = (query: string) =>
    t.request({ url: `/v1/orders?customerId=${listCustomer()}&${query}`, headers: bearer(t.keys.client) });

  it('pages newest first with a stable order under ties, and every order exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      seen.push(...page.data.map((order: { id: string }) => order.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(4);
    // Newest first; of the two created at the same instant, the larger id first.
    expect(seen).toEqual([ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]]);
  });

  it('filters by status, channel and creation time', async () => {
    const byStatus = (await list('status=BACKORDERED')).json();
    expect(byStatus.data.map((order: { id: string }) => order.id)).toEqual([ids[6]]);
    expect(byStatus.data[0].lines).toEqual([expect.objectContaining({ sku: red.sku, lineNo: 1 })]);

    const byChannel = (await list('channel=marketplace')).json();
    expect(byChannel.data.map((order: { id: string }) => order.id)).toEqual([ids[5], ids[3], ids[1]]);

    const byTime = (await list('createdFrom=2024-03-01T10:00:02Z&createdTo=2024-03-01T10:00:04Z')).json();
    expect(byTime.data.map((order: { id: string }) => order.id)).toEqual([ids[4], ids[3], ids[2]]);
    expect(byTime.nextCursor).toBeNull();
  });

  it.each([
    ['a cursor that is not base64 JSON', 'cursor=not-a-cursor', 'invalid_cursor'],
    ['a cursor with an impossible time', `cursor=${Buffer.from(JSON.stringify(['2024-02-30T00:00:00.000000Z', 'x'])).toString('base64url')}`, 'invalid_cursor'],
    ['a cursor of another list', `cursor=${Buffer.from(JSON.stringify(['SKU-1'])).toString('base64url')}`, 'invalid_cursor'],
    ['limit 0', 'limit=0', 'validation_error'],
    ['limit 201', 'limit=201', 'validation_error'],
    ['an unknown status', 'status=MISPLACED', 'validation_error'],
    ['an unknown filter', 'colour=red', 'validation_error'],
    ['a malformed date', 'createdFrom=yesterday', 'validation_error'],
  ])('refuses %s', async (_name, query, code) => {
    const res = await list(query);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe(code);
  });
});

describe('POST /v1/orders/:id/cancel', () => {
  const cancel = (orderId: string, headers: Record<string, string> = {}) =>
    t.request({
      method: 'POST',
      url: `/v1/orders/${orderId}/cancel`,
      headers: { ...bearer(t.keys.client), ...headers },
      payload: { reason: 'changed my mind' },
    });

  it('answers 404 for an unknown order', async () => {
    const res = await cancel('ord_ffffffffffffffffffffffff');
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('order_not_found');
  });

  it('answers 409 with the order status once its workflow has ended', async () => {
    const order = (await post(orderBody(customerId, [{ sku: red.sku, quantity: 1 }]))).json();
    // As the workflow leaves a finished order: final status written, then the workflow ends.
    await t.db('orders').where({ id: order.id }).update({ status: 'CANCELLED', closed_at: t.db.fn.now() });
    await t.temporal.workflow.getHandle(orderWorkflowId(order.id)).terminate('test: the order is finished');
    const res = await cancel(order.id);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'order_not_cancellable', message: expect.stringContaining('CANCELLED') });
  });

  it('starts the workflow of an order a crash left without one, then asks it (504 when no worker answers)', async () => {
    const { orderId } = await writeOrder(t.db, t.config, orderBody(customerId, [{ sku: blue.sku, quantity: 1 }]) as never);
    const res = await cancel(orderId, { 'idempotency-key': `${t.prefix}-cancel` });
    expect(res.statusCode).toBe(504);
    expect(res.json().code).toBe('workflow_timeout');
    const description = await t.temporal.workflow.getHandle(orderWorkflowId(orderId)).describe();
    expect(description.status.name).toBe('RUNNING');
    // A timeout is not an answer: it is not stored, so the client's retry asks the workflow again.
    expect(await t.db('idempotency_keys').where({ key: `${t.prefix}-cancel` })).toEqual([]);
  });

  it('stores a refusal under the Idempotency-Key and replays it; the key with another request is refused', async () => {
    const order = (await post(orderBody(customerId, [{ sku: red.sku, quantity: 1 }]))).json();
    await t.db('orders').where({ id: order.id }).update({ status: 'CANCELLED', closed_at: t.db.fn.now() });
    await t.temporal.workflow.getHandle(orderWorkflowId(order.id)).terminate('test: the order is finished');
    const key = { 'idempotency-key': `${t.prefix}-cancel-closed` };
    const first = await cancel(order.id, key);
    expect(first.statusCode).toBe(409);
    expect(first.headers['idempotency-replayed']).toBeUndefined();
    expect(first.json().message).toContain('CANCELLED');

    // The stored answer comes back, not a new one: the projection has moved on meanwhile.
    await t.db('orders').where({ id: order.id }).update({ status: 'REJECTED' });
    const retry = await cancel(order.id, key);
    expect(retry.statusCode).toBe(409);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());
    expect(await t.db('idempotency_keys').where({ key: key['idempotency-key'] }).first()).toMatchObject({
      api_key_id: t.keyIds.client,
      route: 'POST /v1/orders/:id/cancel',
      status_code: 409,
      response_body: first.json(),
    });

    // Another order (a path parameter) or another reason under the same key is another request.
    const otherOrder = await cancel('ord_ffffffffffffffffffffffff', key);
    expect([otherOrder.statusCode, otherOrder.json().code]).toEqual([422, 'idempotency_key_reused']);
    const otherReason = await t.request({
      method: 'POST',
      url: `/v1/orders/${order.id}/cancel`,
      headers: { ...bearer(t.keys.client), ...key },
      payload: { reason: 'another reason' },
    });
    expect([otherReason.statusCode, otherReason.json().code]).toEqual([422, 'idempotency_key_reused']);
    // And so is another route: a key names one request of its caller's, whatever the route.
    const asOrder = await post(orderBody(customerId, [{ sku: red.sku, quantity: 1 }]), key);
    expect([asOrder.statusCode, asOrder.json().code]).toEqual([422, 'idempotency_key_reused']);
  });

  it('requires a reason', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/orders/ord_ffffffffffffffffffffffff/cancel',
      headers: bearer(t.keys.client),
      payload: {},
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation_error', message: expect.stringContaining('reason') });
  });
});

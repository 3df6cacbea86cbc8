import { randomBytes } from 'node:crypto';
import { createApiKey } from '../../infra/api-keys';
import { returnWorkflowId } from '../../workflows/definitions';
import { OrderIdKey, ReturnStatusKey } from '../../workflows/search-attributes';
import { type ApiTest, bearer, finishApiTest, type SeededProduct, seedLocation, seedProduct, startApiTest } from '../helpers/api';
import { insertOrderWithParcels } from '../helpers/returns';

/**
 * The returns API against the real database and Temporal dev server, with no worker: requests are
 * checked and written, workflows start (and wait), updates time out or meet a closed workflow.
 */
let t: ApiTest;
let customerId: string;
let warehouse: string;
let otherWarehouse: string;
let shirt: SeededProduct;
let mug: SeededProduct;
let finalSale: SeededProduct;
let longWindow: SeededProduct;
let shortWindow: SeededProduct;
let retired: SeededProduct;

const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

beforeAll(async () => {
  t = await startApiTest();
  customerId = `${t.prefix}-cust`;
  warehouse = `${t.prefix}-WH`;
  otherWarehouse = `${t.prefix}-WH2`;
  await seedLocation(t.db, warehouse);
  await seedLocation(t.db, otherWarehouse);
  shirt = await seedProduct(t.db, `${t.prefix}-SHIRT`, { unitPriceCents: 2500 });
  mug = await seedProduct(t.db, `${t.prefix}-MUG`, { unitPriceCents: 1200 });
  finalSale = await seedProduct(t.db, `${t.prefix}-SALE`, { unitPriceCents: 900 });
  longWindow = await seedProduct(t.db, `${t.prefix}-LONG`, { unitPriceCents: 900 });
  shortWindow = await seedProduct(t.db, `${t.prefix}-SHORT`, { unitPriceCents: 900 });
  retired = await seedProduct(t.db, `${t.prefix}-OLD`, { active: false });
  await t.db('products').where({ sku: finalSale.sku }).update({ final_sale: true });
  await t.db('products').where({ sku: longWindow.sku }).update({ return_window_days: 60 });
  await t.db('products').where({ sku: shortWindow.sku }).update({ return_window_days: 7 });
});

afterAll(() => finishApiTest(t));

/** An order of 3 shirts and 2 mugs, delivered from `warehouse`. */
const deliveredOrder = (overrides: Partial<Parameters<typeof insertOrderWithParcels>[1]> = {}) =>
  insertOrderWithParcels(t, {
    customerId,
    locationId: warehouse,
    lines: [
      { sku: shirt.sku, quantity: 3, unitPriceCents: 2500 },
      { sku: mug.sku, quantity: 2, unitPriceCents: 1200 },
    ],
    ...overrides,
  });

const requestReturn = (orderId: string, body: unknown, headers: Record<string, string> = {}) =>
  t.request({
    method: 'POST',
    url: `/v1/orders/${orderId}/returns`,
    headers: { ...bearer(t.keys.client), ...headers },
    payload: body as object,
  });

/** Rows a return request could write for this file's customer. */
async function returnRows(): Promise<Record<string, number>> {
  const count = async (query: ReturnType<typeof t.db>) => Number((await query.count({ n: '*' }).first())?.n ?? 0);
  const returnsOf = t.db('returns').where({ customer_id: customerId }).select('id');
  const ordersOf = t.db('orders').where({ customer_id: customerId }).select('id');
  return {
    returns: await count(t.db('returns').where({ customer_id: customerId })),
    return_lines: await count(t.db('return_lines').whereIn('return_id', returnsOf)),
    order_events: await count(t.db('order_events').whereIn('order_id', ordersOf)),
    idempotency_keys: await count(t.db('idempotency_keys').where('key', 'like', `${t.prefix}%`)),
  };
}

describe('POST /v1/orders/:id/returns', () => {
  it('writes the return and its lines at the price paid, starts its workflow, and shows it on the order', async () => {
    const orderId = await deliveredOrder();
    const res = await requestReturn(orderId, {
      lines: [
        { lineNo: 1, quantity: 2, reason: 'changed_mind' },
        { sku: mug.sku, quantity: 1, reason: 'other', note: 'the handle is too small' },
      ],
    });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created.id).toMatch(/^ret_[0-9a-f]{24}$/);
    expect(created).toMatchObject({
      orderId,
      customerId,
      channel: 'web',
      locationId: warehouse,
      // changed_mind is not on the default auto-approve list.
      status: 'AWAITING_APPROVAL',
      currency: 'USD',
      requestedCents: 2 * 2500 + 1200,
      refundedCents: 0,
      advanceExchange: false,
      trackingNumber: null,
      lines: [
        { lineNo: 1, sku: shirt.sku, quantity: 2, reason: 'changed_mind', note: null, unitPriceCents: 2500, qtyReceived: 0 },
        { lineNo: 2, sku: mug.sku, quantity: 1, reason: 'other', note: 'the handle is too small', unitPriceCents: 1200 },
      ],
      payments: [],
    });

    const row = await t.db('returns').where({ id: created.id }).first();
    expect(row.policy).toEqual(t.config.returns.policy);
    expect(row.workflow_started_at).not.toBeNull();
    const description = await t.temporal.workflow.getHandle(returnWorkflowId(created.id)).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(ReturnStatusKey)).toBe('AWAITING_APPROVAL');
    expect(description.typedSearchAttributes.get(OrderIdKey)).toBe(orderId);

    const order = (await t.request({ url: `/v1/orders/${orderId}`, headers: bearer(t.keys.client) })).json();
    expect(order.returns).toEqual([{ id: created.id, status: 'AWAITING_APPROVAL', refundedCents: 0, createdAt: created.createdAt }]);
    expect(order.refundedCents).toBe(0);
    expect(order.lines.map((line: { qtyReturned: number; refundedCents: number }) => [line.qtyReturned, line.refundedCents])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(order.events.map((event: { type: string }) => event.type)).toContain('return_requested');
  });

  it('approves by rule a seller-fault return under the threshold', async () => {
    const orderId = await deliveredOrder();
    const res = await requestReturn(orderId, { lines: [{ lineNo: 2, quantity: 2, reason: 'damaged' }] });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ status: 'APPROVED', requestedCents: 2400 });
  });

  it('sends the parcel back to the warehouse that delivered most of the requested units', async () => {
    const orderId = await deliveredOrder({
      shipments: [
        { locationId: warehouse, lines: [{ lineNo: 1, quantity: 1 }] },
        { locationId: otherWarehouse, lines: [{ lineNo: 1, quantity: 2 }, { lineNo: 2, quantity: 2 }] },
      ],
    });
    const shirts = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 3, reason: 'damaged' }] });
    expect(shirts.statusCode).toBe(201);
    expect(shirts.json().locationId).toBe(otherWarehouse);
  });

  it('takes units from a parcel still in its window, and honours a product window longer than the default', async () => {
    const orderId = await deliveredOrder({
      lines: [
        { sku: shirt.sku, quantity: 2 },
        { sku: longWindow.sku, quantity: 1 },
      ],
      shipments: [
        { locationId: warehouse, lines: [{ lineNo: 1, quantity: 1 }, { lineNo: 2, quantity: 1 }], deliveredAt: daysAgo(45) },
        { locationId: warehouse, lines: [{ lineNo: 1, quantity: 1 }], deliveredAt: daysAgo(2) },
      ],
    });
    const res = await requestReturn(orderId, {
      lines: [
        { lineNo: 1, quantity: 1, reason: 'wrong_item' },
        { lineNo: 2, quantity: 1, reason: 'wrong_item' },
      ],
    });
    expect(res.statusCode).toBe(201);
    // The shirt delivered 45 days ago is past the 30-day default: only the recent one may come back.
    const more = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'wrong_item' }] });
    expect([more.statusCode, more.json().code]).toEqual([422, 'exceeds_returnable']);
  });

  it('takes several returns per order up to what was delivered, then refuses', async () => {
    const orderId = await deliveredOrder();
    expect((await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'damaged' }] })).statusCode).toBe(201);
    expect((await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 2, reason: 'damaged' }] })).statusCode).toBe(201);
    const before = await returnRows();
    const res = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'damaged' }] });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'exceeds_returnable', details: { lineNo: 1, requested: 1, returnable: 0 } });
    expect(await returnRows()).toEqual(before);
  });

  it('counts units of received returns through qty_returned, and frees units a closed return never received', async () => {
    const orderId = await deliveredOrder();
    const first = (await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 3, reason: 'damaged' }] })).json();
    // As receipt leaves it: 2 of the 3 units arrived, and the return has moved past receipt.
    await t.db.transaction(async (trx) => {
      await trx('return_lines').where({ return_id: first.id }).update({ qty_received: 2, qty_restocked: 2 });
      await trx('order_lines').where({ order_id: orderId, line_no: 1 }).update({ qty_returned: 2 });
      await trx('returns').where({ id: first.id }).update({ status: 'REFUNDED' });
    });
    const tooMany = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 2, reason: 'damaged' }] });
    expect(tooMany.json()).toMatchObject({ code: 'exceeds_returnable', details: { returnable: 1 } });
    expect((await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'damaged' }] })).statusCode).toBe(201);
    await t.temporal.workflow.getHandle(returnWorkflowId(first.id)).terminate('test: the return is finished');
    await t.db('returns').where({ id: first.id }).update({ status: 'CLOSED', closed_at: t.db.fn.now() });
  });

  it('lets exactly one of two racing returns take the last units', async () => {
    const orderId = await deliveredOrder();
    expect((await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'damaged' }] })).statusCode).toBe(201);
    const racers = await Promise.all(
      Array.from({ length: 4 }, () => requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 2, reason: 'damaged' }] })),
    );
    expect(racers.map((res) => res.statusCode).sort()).toEqual([201, 422, 422, 422]);
    for (const res of racers.filter((answer) => answer.statusCode === 422)) expect(res.json().code).toBe('exceeds_returnable');
    const requested = await t.db('return_lines').where({ order_id: orderId, line_no: 1 }).sum({ units: 'quantity' }).first();
    expect(Number(requested?.units)).toBe(3);
  });

  it('exchanges for an active SKU, and may ship it in advance', async () => {
    const orderId = await deliveredOrder();
    const res = await requestReturn(orderId, {
      lines: [{ lineNo: 1, quantity: 1, reason: 'not_as_described', exchangeSku: mug.sku }],
      advanceExchange: true,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ advanceExchange: true, lines: [{ lineNo: 1, exchangeSku: mug.sku }] });
  });

  describe('refuses bad input with a 4xx code and writes nothing', () => {
    let delivered: string;
    let undelivered: string;
    let mixed: string;
    let late: string;
    let special: string;

    beforeAll(async () => {
      delivered = await deliveredOrder();
      undelivered = await deliveredOrder({
        shipments: [{ locationId: warehouse, status: 'SHIPPED', lines: [{ lineNo: 1, quantity: 3 }, { lineNo: 2, quantity: 2 }] }],
      });
      // The mugs are still on their way; the shirts have arrived.
      mixed = await deliveredOrder({
        shipments: [
          { locationId: warehouse, lines: [{ lineNo: 1, quantity: 3 }] },
          { locationId: otherWarehouse, status: 'IN_TRANSIT', lines: [{ lineNo: 2, quantity: 2 }] },
        ],
      });
      late = await deliveredOrder({
        shipments: [{ locationId: warehouse, deliveredAt: daysAgo(31), lines: [{ lineNo: 1, quantity: 3 }, { lineNo: 2, quantity: 2 }] }],
      });
      special = await deliveredOrder({
        lines: [
          { sku: finalSale.sku, quantity: 1 },
          { sku: shortWindow.sku, quantity: 1 },
        ],
        shipments: [{ locationId: warehouse, deliveredAt: daysAgo(10), lines: [{ lineNo: 1, quantity: 1 }, { lineNo: 2, quantity: 1 }] }],
      });
    });

    const line = (fields: object = {}) => ({ lineNo: 1, quantity: 1, reason: 'damaged', ...fields });
    const cases: [string, () => string, () => unknown, number, string, RegExp][] = [
      ['units not delivered', () => undelivered, () => ({ lines: [line()] }), 422, 'not_delivered', /no delivered units/],
      ['a line whose parcel is still on its way', () => mixed, () => ({ lines: [line({ lineNo: 2 })] }), 422, 'not_delivered', /line 2/],
      ['a delivery past the window', () => late, () => ({ lines: [line()] }), 422, 'return_window_closed', /30-day/],
      ["a delivery past the product's own shorter window", () => special, () => ({ lines: [line({ lineNo: 2 })] }), 422, 'return_window_closed', /7-day/],
      ['a final-sale product', () => special, () => ({ lines: [line()] }), 422, 'final_sale', /final sale/],
      ['more units than delivered', () => delivered, () => ({ lines: [line({ quantity: 4 })] }), 422, 'exceeds_returnable', /4 requested, 3 returnable/],
      ['an unknown line', () => delivered, () => ({ lines: [line({ lineNo: 9 })] }), 422, 'unknown_line', /no line 9/],
      ['an unknown SKU', () => delivered, () => ({ lines: [{ sku: `${t.prefix}-NOPE`, quantity: 1, reason: 'damaged' }] }), 422, 'unknown_line', /NOPE/],
      ['a line number and SKU of different lines', () => delivered, () => ({ lines: [line({ sku: mug.sku })] }), 422, 'unknown_line', /line 1 of sku/],
      ['the same line twice', () => delivered, () => ({ lines: [line(), line()] }), 422, 'duplicate_line', /line 1/],
      ['one line by number and by SKU', () => delivered, () => ({ lines: [line(), { sku: shirt.sku, quantity: 1, reason: 'damaged' }] }), 422, 'duplicate_line', /line 1/],
      ['reason other without a note', () => delivered, () => ({ lines: [line({ reason: 'other' })] }), 422, 'note_required', /note/],
      ['an unknown exchange SKU', () => delivered, () => ({ lines: [line({ exchangeSku: `${t.prefix}-NOPE` })] }), 422, 'unknown_exchange_sku', /NOPE/],
      ['an inactive exchange SKU', () => delivered, () => ({ lines: [line({ exchangeSku: retired.sku })] }), 422, 'unknown_exchange_sku', /OLD/],
      ['an advance exchange without an exchange', () => delivered, () => ({ lines: [line()], advanceExchange: true }), 422, 'no_exchange', /exchangeSku/],
      ['a line naming no order line', () => delivered, () => ({ lines: [{ quantity: 1, reason: 'damaged' }] }), 400, 'validation_error', /lineNo or sku/],
      ['an unknown reason', () => delivered, () => ({ lines: [line({ reason: 'bored' })] }), 400, 'validation_error', /reason/],
      ['a blank note', () => delivered, () => ({ lines: [line({ reason: 'other', note: '   ' })] }), 400, 'validation_error', /note/],
      ['quantity 0', () => delivered, () => ({ lines: [line({ quantity: 0 })] }), 400, 'validation_error', /quantity/],
      ['an unknown field', () => delivered, () => ({ lines: [line({ refund: 5 })] }), 400, 'validation_error', /refund/],
      ['no lines', () => delivered, () => ({ lines: [] }), 400, 'validation_error', /lines/],
      ['an unknown order', () => 'ord_000000000000000000000000', () => ({ lines: [line()] }), 404, 'order_not_found', /not found/],
    ];

    it.each(cases)('%s', async (_name, orderId, body, status, code, message) => {
      const before = await returnRows();
      const res = await requestReturn(orderId(), body(), { 'idempotency-key': `${t.prefix}-bad-${randomBytes(4).toString('hex')}` });
      expect(res.statusCode).toBe(status);
      expect(res.json().code).toBe(code);
      expect(res.json().message).toMatch(message);
      expect(await returnRows()).toEqual(before);
    });
  });
});

describe('Idempotency-Key on POST /v1/orders/:id/returns', () => {
  it('returns the first return for a retry, refuses the key with another body, and keeps keys per caller', async () => {
    const orderId = await deliveredOrder();
    const key = { 'idempotency-key': `${t.prefix}-ret` };
    const body = { lines: [{ lineNo: 1, quantity: 1, reason: 'damaged' }] };
    const first = await requestReturn(orderId, body, key);
    const retry = await requestReturn(orderId, body, key);
    expect([first.statusCode, retry.statusCode]).toEqual([201, 201]);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.json().id).toBe(first.json().id);
    expect(await t.db('returns').where({ order_id: orderId }).count({ n: '*' })).toEqual([{ n: 1 }]);

    const other = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 2, reason: 'damaged' }] }, key);
    expect([other.statusCode, other.json().code]).toEqual([422, 'idempotency_key_reused']);

    const otherCaller = await createApiKey(t.db, `${t.prefix} other client`, 'client', { channels: ['web'] });
    const theirs = await requestReturn(orderId, body, { ...key, ...bearer(otherCaller.key) });
    expect(theirs.statusCode).toBe(201);
    expect(theirs.json().id).not.toBe(first.json().id);
  });

  it('makes concurrent requests with one key produce one return', async () => {
    const orderId = await deliveredOrder();
    const key = { 'idempotency-key': `${t.prefix}-ret-race` };
    const body = { lines: [{ lineNo: 2, quantity: 1, reason: 'damaged' }] };
    const answers = await Promise.all(Array.from({ length: 5 }, () => requestReturn(orderId, body, key)));
    expect(answers.map((res) => res.statusCode)).toEqual(Array(5).fill(201));
    expect(new Set(answers.map((res) => res.json().id)).size).toBe(1);
  });
});

describe('scopes', () => {
  let marketplaceOrder: string;
  let marketplaceReturn: string;
  let webReturn: string;
  let webKey: string;
  let otherCustomerKey: string;
  let otherWarehouseKey: string;
  let warehouseKey: string;

  beforeAll(async () => {
    webKey = (await createApiKey(t.db, `${t.prefix} web`, 'client', { channels: ['web'] })).key;
    otherCustomerKey = (await createApiKey(t.db, `${t.prefix} cust2`, 'client', { channels: ['web', 'marketplace'], customerId: `${customerId}-2` })).key;
    warehouseKey = (await createApiKey(t.db, `${t.prefix} dock`, 'warehouse', { locationIds: [warehouse] })).key;
    otherWarehouseKey = (await createApiKey(t.db, `${t.prefix} dock2`, 'warehouse', { locationIds: [otherWarehouse] })).key;
    marketplaceOrder = await deliveredOrder({ channel: 'marketplace' });
    const webOrder = await deliveredOrder();
    marketplaceReturn = (await requestReturn(marketplaceOrder, { lines: [{ lineNo: 1, quantity: 1, reason: 'changed_mind' }] })).json().id;
    webReturn = (await requestReturn(webOrder, { lines: [{ lineNo: 1, quantity: 1, reason: 'changed_mind' }] })).json().id;
  });

  it("a client key may not request a return on another channel's or customer's order: 404, nothing written", async () => {
    const before = await returnRows();
    for (const key of [webKey, otherCustomerKey]) {
      const res = await requestReturn(marketplaceOrder, { lines: [{ lineNo: 2, quantity: 1, reason: 'damaged' }] }, bearer(key));
      expect([res.statusCode, res.json().code]).toEqual([404, 'order_not_found']);
    }
    expect(await returnRows()).toEqual(before);
  });

  it("reads and cancels only its own channel's returns; another's is 404 return_not_found", async () => {
    const read = (id: string, key: string) => t.request({ url: `/v1/returns/${id}`, headers: bearer(key) });
    expect((await read(webReturn, webKey)).statusCode).toBe(200);
    expect((await read(marketplaceReturn, webKey)).json().code).toBe('return_not_found');
    expect((await read(webReturn, otherCustomerKey)).statusCode).toBe(404);
    const cancel = await t.request({
      method: 'POST',
      url: `/v1/returns/${marketplaceReturn}/cancel`,
      headers: bearer(webKey),
      payload: { reason: 'not mine' },
    });
    expect([cancel.statusCode, cancel.json().code]).toEqual([404, 'return_not_found']);
    const listed = await t.request({ url: `/v1/returns?customerId=${customerId}&limit=200`, headers: bearer(webKey) });
    const channels = listed.json().data.map((entry: { channel: string }) => entry.channel);
    expect(channels.length).toBeGreaterThan(0);
    expect(new Set(channels)).toEqual(new Set(['web']));
  });

  it("a warehouse key sees and receives only returns coming back to its locations", async () => {
    expect((await t.request({ url: `/v1/returns/${webReturn}`, headers: bearer(warehouseKey) })).statusCode).toBe(200);
    expect((await t.request({ url: `/v1/returns/${webReturn}`, headers: bearer(otherWarehouseKey) })).statusCode).toBe(404);
    const receive = await t.request({
      method: 'POST',
      url: `/v1/returns/${webReturn}/receive`,
      headers: bearer(otherWarehouseKey),
      payload: { lines: [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }] },
    });
    expect([receive.statusCode, receive.json().code]).toEqual([404, 'return_not_found']);
    const listed = await t.request({ url: `/v1/returns?limit=200`, headers: bearer(otherWarehouseKey) });
    for (const entry of listed.json().data) expect(entry.locationId).toBe(otherWarehouse);
  });

  it('only ops approve or reject; clients and warehouse staff get 403', async () => {
    for (const key of [webKey, warehouseKey]) {
      const res = await t.request({ method: 'POST', url: `/v1/returns/${webReturn}/approve`, headers: bearer(key), payload: {} });
      expect([res.statusCode, res.json().code]).toEqual([403, 'forbidden']);
    }
    const client = await t.request({
      method: 'POST',
      url: `/v1/returns/${webReturn}/receive`,
      headers: bearer(webKey),
      payload: { lines: [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }] },
    });
    expect(client.statusCode).toBe(403);
  });
});

describe('GET /v1/returns', () => {
  const listCustomer = () => `${t.prefix}-list`;
  const ids: string[] = [];

  beforeAll(async () => {
    // Five returns, two created at the same instant: the cursor must neither skip nor repeat one.
    const base = Date.parse('2024-05-01T10:00:00.000Z');
    const times = [0, 1000, 1000, 2000, 3000];
    for (const [index, offset] of times.entries()) {
      const orderId = await insertOrderWithParcels(t, { customerId: listCustomer(), locationId: warehouse, lines: [{ sku: shirt.sku, quantity: 1 }] });
      const id = (await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: index === 4 ? 'damaged' : 'changed_mind' }] })).json().id;
      await t.db('returns').where({ id }).update({ created_at: new Date(base + offset) });
      ids.push(id);
    }
  });

  const list = (query: string) => t.request({ url: `/v1/returns?customerId=${listCustomer()}&${query}`, headers: bearer(t.keys.ops) });

  it('pages newest first, every return exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().data.map((entry: { id: string }) => entry.id));
      cursor = res.json().nextCursor;
    } while (cursor);
    const tied = [ids[1], ids[2]].sort().reverse();
    expect(seen).toEqual([ids[4], ids[3], ...tied, ids[0]]);
  });

  it('filters by status, order and creation time', async () => {
    expect((await list('status=APPROVED')).json().data.map((entry: { id: string }) => entry.id)).toEqual([ids[4]]);
    const orderId = (await t.db('returns').where({ id: ids[3] }).first('order_id')).order_id;
    expect((await list(`orderId=${orderId}`)).json().data.map((entry: { id: string }) => entry.id)).toEqual([ids[3]]);
    const byTime = (await list('createdFrom=2024-05-01T10:00:01Z&createdTo=2024-05-01T10:00:03Z')).json();
    expect(byTime.data.map((entry: { id: string }) => entry.id).sort()).toEqual([ids[1], ids[2], ids[3]].sort());
  });

  it.each([
    ['a foreign cursor', 'cursor=not-a-cursor', 'invalid_cursor'],
    ['an unknown status', 'status=LOST', 'validation_error'],
    ['an unknown filter', 'colour=red', 'validation_error'],
  ])('refuses %s', async (_name, query, code) => {
    const res = await list(query);
    expect([res.statusCode, res.json().code]).toEqual([400, code]);
  });
});

describe('updates', () => {
  const post = (id: string, action: string, payload: object, key = t.keys.ops, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: `/v1/returns/${id}/${action}`, headers: { ...bearer(key), ...headers }, payload });

  async function awaitingApproval(): Promise<string> {
    const orderId = await deliveredOrder();
    return (await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 2, reason: 'changed_mind' }] })).json().id;
  }

  it('answers 504 when no worker answers, and stores nothing under the key', async () => {
    const id = await awaitingApproval();
    const key = `${t.prefix}-approve`;
    const res = await post(id, 'approve', { note: 'fine' }, t.keys.ops, { 'idempotency-key': key });
    expect([res.statusCode, res.json().code]).toEqual([504, 'workflow_timeout']);
    expect(await t.db('idempotency_keys').where({ key })).toEqual([]);
  });

  it.each([
    ['approve', {}, 'return_not_awaiting_approval'],
    ['reject', { note: 'no' }, 'return_not_awaiting_approval'],
    ['cancel', { reason: 'changed my mind' }, 'return_not_cancellable'],
    ['receive', { lines: [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }] }, 'return_not_receivable'],
  ])('%s of a return whose workflow has ended is 409 with the status', async (action, payload, code) => {
    const id = await awaitingApproval();
    await t.temporal.workflow.getHandle(returnWorkflowId(id)).terminate('test: the return is finished');
    await t.db('returns').where({ id }).update({ status: 'REJECTED', closed_at: t.db.fn.now() });
    const res = await post(id, action, payload);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code, message: expect.stringContaining('REJECTED') });
  });

  it.each([
    ['a line not on the return', [{ lineNo: 2, restock: 1, damaged: 0, scrap: 0 }], 'unknown_line'],
    ['the same line twice', [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }, { lineNo: 1, restock: 0, damaged: 1, scrap: 0 }], 'duplicate_line'],
    ['more units than requested', [{ lineNo: 1, restock: 1, damaged: 1, scrap: 1 }], 'inspection_quantities_mismatch'],
  ])('refuses an inspection with %s before it reaches the workflow', async (_name, lines, code) => {
    const id = await awaitingApproval();
    const res = await post(id, 'receive', { lines }, t.keys.warehouse);
    expect([res.statusCode, res.json().code]).toEqual([422, code]);
  });

  it('answers 404 for an unknown return', async () => {
    const res = await post('ret_000000000000000000000000', 'cancel', { reason: 'x' });
    expect([res.statusCode, res.json().code]).toEqual([404, 'return_not_found']);
  });
});

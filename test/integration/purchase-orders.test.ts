import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, type Product, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { signWebhook } from '../../domain/webhook-signature';
import { createApiKey } from '../../infra/api-keys';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

/**
 * Suppliers and purchase orders through the HTTP API on the real Temporal dev server and Postgres:
 * draft → approve → the supplier's document and signed confirmation → a partial receipt releasing the
 * oldest backorder → a second receipt closing the PO; and every refusal, with nothing written.
 */
let engine: Engine;
const DOCK = 'WH-PO-DOCK';
const ELSEWHERE = 'WH-PO-ELSE';

beforeAll(async () => {
  engine = await Engine.start({
    label: 'purchase-orders',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
  });
  await seedWarehouse(engine.db, { id: DOCK, mode: 'manual', priority: 10, bins: [] });
  await seedWarehouse(engine.db, { id: ELSEWHERE, mode: 'manual', priority: 20, bins: [] });
});

afterEach(async () => {
  await expectInvariants(engine.db, engine.temporal);
});

afterAll(async () => {
  await engine?.stop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;
const ops = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => engine.call('ops', method, path, body, headers);

async function supplier(overrides: object = {}): Promise<{ id: string; webhookSecret: string }> {
  const created = await ops('POST', '/v1/suppliers', {
    name: unique('Acme'),
    contact: { email: 'orders@acme.example' },
    currency: 'USD',
    leadTimeDays: 10,
    paymentTerms: 'net 30',
    ...overrides,
  });
  expect(created.status).toBe(201);
  return created.body;
}

async function suppliedProduct(supplierId: string, terms: object = {}): Promise<Product> {
  const product = await seedProduct(engine.db, unique('PO'), 2000);
  const set = await ops('PUT', `/v1/suppliers/${supplierId}/products/${product.sku}`, {
    supplierSku: unique('ACME'),
    unitCostCents: 700,
    packSize: 5,
    minimumOrderQuantity: 10,
    preferred: true,
    ...terms,
  });
  expect(set.status).toBe(200);
  return product;
}

const rowCounts = async () => {
  const count = async (table: string) => Number((await engine.db(table).count({ n: '*' }).first())!.n);
  return {
    purchaseOrders: await count('purchase_orders'),
    lines: await count('purchase_order_lines'),
    movements: await count('inventory_movements'),
    layers: await count('cost_layers'),
  };
};

async function poOnceItIs(id: string, status: string) {
  return eventually(async () => {
    const answer = await ops('GET', `/v1/purchase-orders/${id}`);
    return answer.body.status === status ? answer.body : undefined;
  }, 60_000);
}

async function orderOnceItIs(orderId: string, statuses: string[]) {
  return eventually(async () => {
    const answer = await ops('GET', `/v1/orders/${orderId}`);
    return statuses.includes(answer.body.status) ? answer.body : undefined;
  }, 60_000);
}

async function incoming(sku: string): Promise<number> {
  const answer = await ops('GET', `/v1/inventory/levels?sku=${sku}&locationId=${DOCK}`);
  expect(answer.status).toBe(200);
  return answer.body.data[0]?.incoming ?? 0;
}

/** Posts a supplier webhook signed with `secret` at `timestamp` (unix seconds). */
async function supplierWebhook(supplierId: string, secret: string, body: object, timestamp = Math.floor(Date.now() / 1000)) {
  const raw = JSON.stringify(body);
  const response = await fetch(`${engine.apiUrl}/v1/webhooks/suppliers/${supplierId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-supplier-timestamp': String(timestamp), 'x-supplier-signature': signWebhook(secret, timestamp, raw) },
    body: raw,
  });
  return { status: response.status, body: await response.json() };
}

describe('a purchase order from draft to closed', () => {
  it('is approved, read and confirmed by the supplier, received in two parts that release backorders oldest first, and closes', async () => {
    const acme = await supplier();
    const product = await suppliedProduct(acme.id);
    const supplierSku = (await ops('GET', `/v1/suppliers/${acme.id}/products`)).body.data[0].supplierSku as string;

    // Two orders wait for stock that is not there, the older first.
    const older = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), [{ sku: product.sku, quantity: 4 }]));
    await orderOnceItIs(older.body.id, ['BACKORDERED']);
    const younger = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), [{ sku: product.sku, quantity: 4 }]));
    await orderOnceItIs(younger.body.id, ['BACKORDERED']);

    const created = await ops('POST', '/v1/purchase-orders', { supplierId: acme.id, locationId: DOCK, lines: [{ sku: product.sku, quantity: 20 }] }, { 'idempotency-key': unique('po') });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'DRAFT', submit: 'approval', documentUrl: null, totalCents: 14_000, lines: [{ quantity: 20, unitCostCents: 700, supplierSku }] });
    const id = created.body.id as string;
    // A draft is not ordered yet: nothing incoming.
    expect(await incoming(product.sku)).toBe(0);

    const approved = await ops('POST', `/v1/purchase-orders/${id}/approve`, {});
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'SUBMITTED', expectedAt: expect.any(String), documentUrl: expect.stringContaining('token=') });
    expect(await incoming(product.sku)).toBe(20);
    expect((await ops('POST', `/v1/purchase-orders/${id}/approve`, {})).body.code).toBe('purchase_order_not_awaiting_approval');

    // The supplier reads the document without an API key, as HTML and as a PDF; a wrong token finds nothing.
    const html = await fetch(`${engine.apiUrl}${approved.body.documentUrl}`);
    expect(html.status).toBe(200);
    expect(await html.text()).toContain(supplierSku);
    const pdf = await fetch(`${engine.apiUrl}${approved.body.documentUrl.replace('/document?', '/document.pdf?')}`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    expect((await fetch(`${engine.apiUrl}/v1/purchase-orders/${id}/document?token=${'0'.repeat(48)}`)).status).toBe(404);

    // The supplier's webhook: bad signature, stale timestamp and a line not on the PO change nothing.
    const confirmation = { id: unique('evt'), type: 'purchase_order.confirmed', purchaseOrderId: id, lines: [{ supplierSku, quantity: 20, expectedDate: '2099-01-31' }] };
    const before = await rowCounts();
    expect(await supplierWebhook(acme.id, 'not-the-secret', confirmation)).toMatchObject({ status: 401, body: { code: 'invalid_signature' } });
    expect(await supplierWebhook(acme.id, acme.webhookSecret, confirmation, Math.floor(Date.now() / 1000) - 3600)).toMatchObject({
      status: 401,
      body: { code: 'stale_timestamp' },
    });
    const stranger = await supplierWebhook(acme.id, acme.webhookSecret, { ...confirmation, lines: [{ supplierSku: 'NOT-OURS', quantity: 1 }] });
    expect(stranger).toMatchObject({ status: 422, body: { code: 'line_not_on_purchase_order' } });
    expect((await ops('POST', `/v1/purchase-orders/${id}/confirm`, { lines: [{ sku: 'NOT-ON-PO', quantity: 1 }] })).body.code).toBe('line_not_on_purchase_order');
    expect((await ops('GET', `/v1/purchase-orders/${id}`)).body).toMatchObject({ status: 'SUBMITTED', lines: [{ confirmedQuantity: null }] });
    expect(await rowCounts()).toEqual(before);

    expect(await supplierWebhook(acme.id, acme.webhookSecret, confirmation)).toMatchObject({ status: 200, body: { status: 'accepted' } });
    const confirmed = await ops('GET', `/v1/purchase-orders/${id}`);
    expect(confirmed.body).toMatchObject({ status: 'CONFIRMED', expectedAt: '2099-01-31T23:59:59.999Z', lines: [{ confirmedQuantity: 20, confirmedDate: '2099-01-31' }] });

    // A warehouse key of another location does not see the PO; receiving past the tolerance (20 + 5% = 21) is refused.
    const { key: elsewhereKey } = await createApiKey(engine.db, unique('elsewhere'), 'warehouse', { locationIds: [ELSEWHERE] });
    const hidden = await fetch(`${engine.apiUrl}/v1/purchase-orders/${id}/receive`, {
      method: 'POST',
      headers: { authorization: `Bearer ${elsewhereKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ lines: [{ sku: product.sku, quantity: 1 }] }),
    });
    expect(hidden.status).toBe(404);
    const over = await engine.call('warehouse', 'POST', `/v1/purchase-orders/${id}/receive`, { lines: [{ sku: product.sku, quantity: 22 }] });
    expect(over).toMatchObject({ status: 422, body: { code: 'over_receipt' } });
    expect(await rowCounts()).toEqual(before);

    // 6 arrive: the older order takes 4, the younger still waits (2 are not enough for it).
    const first = await engine.call('warehouse', 'POST', `/v1/purchase-orders/${id}/receive`, { lines: [{ sku: product.sku, quantity: 6 }] }, { 'idempotency-key': unique('rcv') });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'PARTIALLY_RECEIVED', lines: [{ received: 6, incoming: 14 }] });
    expect(await incoming(product.sku)).toBe(14);
    const olderNow = await orderOnceItIs(older.body.id, ['ALLOCATED', 'AUTHORIZED', 'FULFILLING', 'PICKING']);
    expect(olderNow.status).not.toBe('BACKORDERED');
    expect((await ops('GET', `/v1/orders/${younger.body.id}`)).body.status).toBe('BACKORDERED');
    const movements = await engine.db('inventory_movements').where({ reference_type: 'purchase_order', reference_id: id }).select('kind', 'quantity', 'location_id');
    expect(movements).toEqual([{ kind: 'receipt', quantity: 6, location_id: DOCK }]);

    // The rest (15, one past the confirmed 20, within the tolerance) closes the PO and releases the younger order.
    const second = await engine.call('warehouse', 'POST', `/v1/purchase-orders/${id}/receive`, { lines: [{ sku: product.sku, quantity: 15 }] });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'CLOSED', closedAt: expect.any(String), lines: [{ received: 21, incoming: 0 }] });
    await orderOnceItIs(younger.body.id, ['ALLOCATED', 'AUTHORIZED', 'FULFILLING', 'PICKING']);
    expect(await incoming(product.sku)).toBe(0);
    const layers = await engine.db('cost_layers').where({ sku: product.sku, location_id: DOCK }).orderBy('id').select('quantity', 'unit_cost_cents');
    expect(layers).toEqual([
      { quantity: 6, unit_cost_cents: 700 },
      { quantity: 15, unit_cost_cents: 700 },
    ]);
    const closedCounts = await rowCounts();
    const late = await engine.call('warehouse', 'POST', `/v1/purchase-orders/${id}/receive`, { lines: [{ sku: product.sku, quantity: 1 }] });
    expect(late).toMatchObject({ status: 409, body: { code: 'purchase_order_not_receivable' } });
    expect(await rowCounts()).toEqual(closedCounts);
    const timeline = (await ops('GET', `/v1/purchase-orders/${id}`)).body.timeline.map((event: { kind: string }) => event.kind);
    expect(timeline).toEqual(['drafted', 'submitted', 'confirmed', 'partially_received', 'closed']);
  });
});

describe('refusals', () => {
  it('refuses unknown or inactive suppliers and products, pack-size misses without a reason, and writes nothing', async () => {
    const acme = await supplier();
    const product = await suppliedProduct(acme.id);
    const retired = await supplier();
    await suppliedProduct(retired.id, { preferred: false });
    expect((await ops('PATCH', `/v1/suppliers/${retired.id}`, { active: false })).status).toBe(200);
    const inactiveProduct = await suppliedProduct(acme.id);
    await engine.db('products').where({ sku: inactiveProduct.sku }).update({ active: false });
    const draft = (body: object) => ops('POST', '/v1/purchase-orders', { supplierId: acme.id, locationId: DOCK, lines: [{ sku: product.sku, quantity: 10 }], ...body });

    const before = await rowCounts();
    const refusals = [
      await draft({ supplierId: 'sup_missing' }),
      await draft({ supplierId: retired.id }),
      await draft({ lines: [{ sku: 'NO-SUCH-SKU', quantity: 10 }] }),
      await draft({ lines: [{ sku: inactiveProduct.sku, quantity: 10 }] }),
      await draft({ lines: [{ sku: product.sku, quantity: 12 }] }),
      await draft({ lines: [{ sku: product.sku, quantity: 5 }] }),
    ];
    expect(refusals.map((answer) => [answer.status, answer.body.code])).toEqual([
      [422, 'supplier_not_found'],
      [422, 'supplier_inactive'],
      [422, 'unknown_sku'],
      [422, 'product_inactive'],
      [422, 'not_pack_multiple'],
      [422, 'below_minimum_order_quantity'],
    ]);
    expect(await rowCounts()).toEqual(before);

    // With a reason, the odd quantity is ordered; auto submits it at once.
    const overridden = await draft({ lines: [{ sku: product.sku, quantity: 12, packOverrideReason: 'the shelf takes 12' }], submit: 'auto' });
    expect(overridden.status).toBe(201);
    expect(overridden.body.lines[0]).toMatchObject({ quantity: 12, packOverrideReason: 'the shelf takes 12' });
    await poOnceItIs(overridden.body.id, 'SUBMITTED');

    // Cancelled, it is no longer incoming and takes no receipt.
    const cancelled = await ops('POST', `/v1/purchase-orders/${overridden.body.id}/cancel`, { reason: 'ordered by mistake' });
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', lines: [{ incoming: 0 }] });
    expect(await incoming(product.sku)).toBe(0);
    const afterCancel = await rowCounts();
    const receipt = await engine.call('warehouse', 'POST', `/v1/purchase-orders/${overridden.body.id}/receive`, { lines: [{ sku: product.sku, quantity: 1 }] });
    expect(receipt).toMatchObject({ status: 409, body: { code: 'purchase_order_not_receivable' } });
    expect(await rowCounts()).toEqual(afterCancel);
  });
});

describe('supplier webhook event ids', () => {
  it('stores each event id: a repeat is answered duplicate and reaches the workflow no more, even after the PO ended', async () => {
    const acme = await supplier();
    const product = await suppliedProduct(acme.id);
    const supplierSku = (await ops('GET', `/v1/suppliers/${acme.id}/products`)).body.data[0].supplierSku as string;
    const created = await ops('POST', '/v1/purchase-orders', { supplierId: acme.id, locationId: DOCK, lines: [{ sku: product.sku, quantity: 10 }], submit: 'auto' });
    const id = created.body.id as string;
    await poOnceItIs(id, 'SUBMITTED');

    const confirmation = { id: unique('evt'), type: 'purchase_order.confirmed', purchaseOrderId: id, lines: [{ supplierSku, quantity: 10 }] };
    expect(await supplierWebhook(acme.id, acme.webhookSecret, confirmation)).toMatchObject({ status: 200, body: { status: 'accepted', purchaseOrderId: id } });
    expect(await supplierWebhook(acme.id, acme.webhookSecret, confirmation)).toMatchObject({ status: 200, body: { status: 'duplicate', purchaseOrderId: id } });
    const stored = await engine.db('supplier_webhook_events').where({ supplier_id: acme.id, event_id: confirmation.id }).select('purchase_order_id', 'applied_at');
    expect(stored).toEqual([{ purchase_order_id: id, applied_at: expect.any(Date) }]);

    // Ended, the PO's workflow is gone; the repeat is still a duplicate, not a refusal.
    expect((await ops('POST', `/v1/purchase-orders/${id}/cancel`, { reason: 'no longer needed' })).status).toBe(200);
    expect(await supplierWebhook(acme.id, acme.webhookSecret, confirmation)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    const timeline = (await ops('GET', `/v1/purchase-orders/${id}`)).body.timeline.map((event: { kind: string }) => event.kind);
    expect(timeline).toEqual(['drafted', 'submitted', 'confirmed', 'cancelled']);
  });
});

describe('listing purchase orders', () => {
  it('pages newest first with a cursor and filters by status, supplier and location', async () => {
    const acme = await supplier();
    const product = await suppliedProduct(acme.id);
    const ids: string[] = [];
    for (const locationId of [DOCK, DOCK, ELSEWHERE, DOCK]) {
      const created = await ops('POST', '/v1/purchase-orders', { supplierId: acme.id, locationId, lines: [{ sku: product.sku, quantity: 10 }] });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    const list = (query: string) => ops('GET', `/v1/purchase-orders?supplierId=${acme.id}&${query}`);

    const first = await list('limit=3');
    expect(first.status).toBe(200);
    expect(first.body.data.map((po: { id: string }) => po.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await list(`limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ data: [{ id: ids[0] }], nextCursor: null });

    expect((await list(`locationId=${ELSEWHERE}`)).body.data.map((po: { id: string }) => po.id)).toEqual([ids[2]]);
    expect((await list('status=DRAFT')).body.data).toHaveLength(4);
    expect((await list('status=SUBMITTED')).body).toEqual({ data: [], nextCursor: null });
    expect((await list('cursor=not-a-cursor')).body.code).toBe('invalid_cursor');
    expect((await list('status=LOST')).status).toBe(400);
  });
});

describe('a supplier\'s minimum order value', () => {
  it('refuses submitting a PO worth less: auto at creation writes nothing, an approval leaves the draft waiting', async () => {
    const acme = await supplier({ minimumOrderCents: 10_000 });
    const product = await suppliedProduct(acme.id);
    const lines = [{ sku: product.sku, quantity: 10 }]; // 10 x 700 = 7,000 cents

    const before = await rowCounts();
    const auto = await ops('POST', '/v1/purchase-orders', { supplierId: acme.id, locationId: DOCK, lines, submit: 'auto' });
    expect(auto).toMatchObject({ status: 422, body: { code: 'below_minimum_order_value', details: { totalCents: 7_000, minimumOrderCents: 10_000 } } });
    expect(await rowCounts()).toEqual(before);

    const draft = await ops('POST', '/v1/purchase-orders', { supplierId: acme.id, locationId: DOCK, lines });
    expect(draft.status).toBe(201);
    const refused = await ops('POST', `/v1/purchase-orders/${draft.body.id}/approve`, {});
    expect(refused).toMatchObject({ status: 422, body: { code: 'below_minimum_order_value' } });
    expect((await ops('GET', `/v1/purchase-orders/${draft.body.id}`)).body).toMatchObject({ status: 'DRAFT', documentUrl: null });
    expect(await incoming(product.sku)).toBe(0);

    // The supplier lowers its minimum: the same draft is approved.
    expect((await ops('PATCH', `/v1/suppliers/${acme.id}`, { minimumOrderCents: 7_000 })).status).toBe(200);
    expect((await ops('POST', `/v1/purchase-orders/${draft.body.id}/approve`, {})).body).toMatchObject({ status: 'SUBMITTED' });
    expect(await incoming(product.sku)).toBe(10);
  });
});

import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, type Product, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { signWebhook } from '../../domain/webhook-signature';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

/**
 * Dropshipping through the HTTP API on the real Temporal dev server and Postgres, with the sandbox
 * supplier service over HTTP: an order for a dropship product is never reserved from our stock; the
 * supplier gets the order, ships it (its signed webhooks reach the shipment workflow), payment is
 * captured when it ships and what we owe it is recorded. Refusals, cancellation before the supplier
 * ships, a mixed order split into a warehouse and a supplier shipment, and every bad input.
 */
let engine: Engine;
const WAREHOUSE = 'WH-DS-1';
const UNIT_COST = 700;

beforeAll(async () => {
  engine = await Engine.start({
    label: 'dropship',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
    supplierTimetable: 'manual',
  });
  await seedWarehouse(engine.db, { id: WAREHOUSE, mode: 'auto', priority: 10, bins: [] });
});

afterEach(async () => {
  await expectInvariants(engine.db, engine.temporal);
});

afterAll(async () => {
  await engine?.stop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;
const ops = (method: string, path: string, body?: unknown) => engine.call('ops', method, path, body);
const client = (method: string, path: string, body?: unknown) => engine.call('client', method, path, body);

/** The sandbox supplier's own API, as the supplier's staff (or its automation) would use it. */
async function atSupplier(method: string, path: string, body?: unknown) {
  const response = await fetch(`${engine.supplierUrl}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${engine.config.supplier.sandboxApiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

interface Dropshipped extends Product {
  supplierId: string;
  supplierSku: string;
}

async function dropshipProduct({ supplierStock }: { supplierStock?: number } = {}): Promise<Dropshipped> {
  const supplier = await ops('POST', '/v1/suppliers', {
    name: unique('Drop Co'),
    contact: { email: 'orders@drop.example' },
    currency: 'USD',
    leadTimeDays: 3,
    paymentTerms: 'net 30',
  });
  expect(supplier.status).toBe(201);
  const product = await seedProduct(engine.db, unique('DS'), 2500);
  const supplierSku = unique('DROP');
  const terms = await ops('PUT', `/v1/suppliers/${supplier.body.id}/products/${product.sku}`, {
    supplierSku,
    unitCostCents: UNIT_COST,
    preferred: true,
  });
  expect(terms.status).toBe(200);
  const marked = await ops('PUT', `/v1/products/${product.sku}/dropship`, {});
  expect(marked.status).toBe(200);
  expect(marked.body).toEqual({ sku: product.sku, channels: [], supplierId: supplier.body.id });
  if (supplierStock !== undefined) {
    expect((await atSupplier('PUT', `/stock/${supplier.body.id}/${supplierSku}`, { quantity: supplierStock })).status).toBe(200);
  }
  return { ...product, supplierId: supplier.body.id, supplierSku };
}

async function placeOrder(lines: { sku: string; quantity: number }[], extra: Record<string, unknown> = {}): Promise<string> {
  const created = await client('POST', '/v1/orders', orderRequest(unique('cust'), lines, extra));
  expect(created.status).toBe(201);
  return created.body.id;
}

async function orderOnceIt(orderId: string, done: (order: any) => boolean) {
  return eventually(async () => {
    const answer = await ops('GET', `/v1/orders/${orderId}`);
    return done(answer.body) ? answer.body : undefined;
  });
}

async function placedDropshipOrder(orderId: string) {
  return eventually(async () => {
    const row = await engine.db('dropship_orders').where({ order_id: orderId }).whereIn('status', ['PLACED', 'REFUSED']).first();
    return row ?? undefined;
  });
}

async function supplierShipsAndDelivers(supplierOrderId: string): Promise<void> {
  expect((await atSupplier('POST', `/dropship-orders/${supplierOrderId}/ship`)).status).toBe(200);
  for (const status of ['in_transit', 'out_for_delivery', 'delivered']) {
    expect((await atSupplier('POST', `/dropship-orders/${supplierOrderId}/events`, { status })).status).toBe(201);
  }
}

describe('a dropship order end to end', () => {
  it('goes to the supplier without touching our stock, captures when the supplier ships, records what we owe and is delivered', async () => {
    const product = await dropshipProduct({ supplierStock: 5 });
    const orderId = await placeOrder([{ sku: product.sku, quantity: 2 }]);

    const placed = await placedDropshipOrder(orderId);
    expect(placed.status).toBe('PLACED');
    expect(placed.supplier_id).toBe(product.supplierId);
    const waiting = await orderOnceIt(orderId, (order) => order.shipments[0]?.status === 'AWAITING_SUPPLIER');
    expect(waiting.shipments[0]).toMatchObject({ locationId: null, supplierId: product.supplierId });
    expect(await engine.db('reservations').where({ order_id: orderId })).toHaveLength(0);
    // The supplier took the units from its own stock.
    expect((await atSupplier('GET', `/stock/${product.supplierId}/${product.supplierSku}`)).body.quantity).toBe(3);
    // Nothing is captured before the supplier ships.
    expect(await engine.db('payments').where({ order_id: orderId, kind: 'capture' })).toHaveLength(0);

    await supplierShipsAndDelivers(placed.supplier_order_id);
    const delivered = await orderOnceIt(orderId, (order) => order.status === 'DELIVERED');
    expect(delivered.shipments[0].trackingNumber).toEqual(expect.any(String));
    expect(delivered.lines[0]).toMatchObject({ quantity: 2 });

    const captures = await engine.db('payments').where({ order_id: orderId, kind: 'capture', status: 'succeeded' });
    expect(captures.map((capture) => Number(capture.amount_cents))).toEqual([2 * 2500 + 500]);
    const payables = await ops('GET', `/v1/suppliers/${product.supplierId}/payables`);
    expect(payables.status).toBe(200);
    expect(payables.body.totals).toEqual([{ currency: 'USD', amountCents: 2 * UNIT_COST }]);
    expect(payables.body.items[0]).toMatchObject({ orderId, status: 'OWED', lines: [{ sku: product.sku, supplierSku: product.supplierSku, quantity: 2, unitCostCents: UNIT_COST }] });
    // Our ledger never moved for it.
    expect(await engine.db('inventory_movements').where({ sku: product.sku })).toHaveLength(0);
    expect(await engine.db('order_lines').where({ order_id: orderId }).first('qty_shipped')).toEqual({ qty_shipped: 2 });
  });

  it('splits a mixed order: the stocked line ships from our warehouse, the dropshipped one from its supplier', async () => {
    const dropshipped = await dropshipProduct();
    const stocked = await seedProduct(engine.db, unique('STK'), 1000);
    const receipt = await engine.call('warehouse', 'POST', '/v1/inventory/receipts', {
      locationId: WAREHOUSE,
      reference: unique('rcpt'),
      lines: [{ sku: stocked.sku, quantity: 3, unitCostCents: 400 }],
    });
    expect(receipt.status).toBe(201);

    const orderId = await placeOrder([
      { sku: stocked.sku, quantity: 1 },
      { sku: dropshipped.sku, quantity: 1 },
    ]);
    const placed = await placedDropshipOrder(orderId);
    const split = await orderOnceIt(orderId, (order) => order.shipments.length === 2);
    const fromWarehouse = split.shipments.find((shipment: any) => shipment.locationId === WAREHOUSE);
    const fromSupplier = split.shipments.find((shipment: any) => shipment.supplierId === dropshipped.supplierId);
    expect(fromWarehouse).toBeDefined();
    expect(fromSupplier).toBeDefined();
    const reservations = await engine.db('reservations').where({ order_id: orderId });
    expect(reservations.map((reservation) => reservation.sku)).toEqual([stocked.sku]);

    await supplierShipsAndDelivers(placed.supplier_order_id);
    await orderOnceIt(orderId, (order) => order.status === 'DELIVERED');
    const lines = await engine.db('order_lines').where({ order_id: orderId }).orderBy('line_no');
    expect(lines.map((line) => line.qty_shipped)).toEqual([1, 1]);
  });
});

describe('when the supplier says no, or the order is cancelled first', () => {
  it('a refusal cancels the lines of a reject-policy order: FAILED supplier_refused, the authorization voided, nothing owed', async () => {
    const product = await dropshipProduct({ supplierStock: 1 });
    const orderId = await placeOrder([{ sku: product.sku, quantity: 2 }], { backorder: { policy: 'reject' } });
    const refused = await placedDropshipOrder(orderId);
    expect(refused).toMatchObject({ status: 'REFUSED', refusal_code: 'out_of_stock' });
    const failed = await orderOnceIt(orderId, (order) => order.status === 'FAILED');
    expect(failed.shipments[0]).toMatchObject({ status: 'FAILED', failureReason: 'supplier_refused' });
    expect(failed.failureReason).toBe('supplier_refused');
    const voids = await engine.db('payments').where({ order_id: orderId, kind: 'void' });
    expect(voids).toHaveLength(1);
    expect(await engine.db('supplier_payables').where({ order_id: orderId })).toHaveLength(0);
    // The supplier kept its last unit.
    expect((await atSupplier('GET', `/stock/${product.supplierId}/${product.supplierSku}`)).body.quantity).toBe(1);
  });

  it('a refusal backorders the lines of a wait-policy order, which ops can find and cancel', async () => {
    const product = await dropshipProduct({ supplierStock: 0 });
    const orderId = await placeOrder([{ sku: product.sku, quantity: 1 }]);
    const backordered = await orderOnceIt(orderId, (order) => order.status === 'BACKORDERED');
    expect(backordered.shipments[0]).toMatchObject({ status: 'FAILED', failureReason: 'supplier_refused' });

    const cancelled = await client('POST', `/v1/orders/${orderId}/cancel`, { reason: 'customer gave up' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ outcome: 'cancelled', cancelledBackorderUnits: 1 });
    await orderOnceIt(orderId, (order) => order.status === 'CANCELLED');
  });

  it('a cancel before the supplier ships cancels its order there too (its stock back) and nothing is captured', async () => {
    const product = await dropshipProduct({ supplierStock: 4 });
    const orderId = await placeOrder([{ sku: product.sku, quantity: 3 }]);
    const placed = await placedDropshipOrder(orderId);
    await orderOnceIt(orderId, (order) => order.shipments[0]?.status === 'AWAITING_SUPPLIER');

    const cancelled = await client('POST', `/v1/orders/${orderId}/cancel`, { reason: 'changed mind' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ outcome: 'cancelled', cancelledShipments: [1] });
    expect((await engine.db('dropship_orders').where({ shipment_id: placed.shipment_id }).first()).status).toBe('CANCELLED');
    expect((await atSupplier('GET', `/dropship-orders/${placed.supplier_order_id}`)).body.status).toBe('cancelled');
    expect((await atSupplier('GET', `/stock/${product.supplierId}/${product.supplierSku}`)).body.quantity).toBe(4);
    expect(await engine.db('payments').where({ order_id: orderId, kind: 'capture' })).toHaveLength(0);
  });
});

describe('bad input', () => {
  it('refuses to dropship a product without an active preferred supplier, and an order for one whose supplier went inactive, writing nothing', async () => {
    const orphan = await seedProduct(engine.db, unique('ORPH'), 1000);
    const refused = await ops('PUT', `/v1/products/${orphan.sku}/dropship`, {});
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('dropship_without_supplier');
    expect(await engine.db('dropship_products').where({ sku: orphan.sku })).toHaveLength(0);
    expect((await ops('PUT', '/v1/products/NO-SUCH-SKU/dropship', {})).body.code).toBe('product_not_found');

    const product = await dropshipProduct();
    expect((await ops('PATCH', `/v1/suppliers/${product.supplierId}`, { active: false })).status).toBe(200);
    const before = await engine.db('orders').count({ n: '*' }).first();
    const order = await client('POST', '/v1/orders', orderRequest(unique('cust'), [{ sku: product.sku, quantity: 1 }]));
    expect(order.status).toBe(422);
    expect(order.body.code).toBe('dropship_without_supplier');
    expect(await engine.db('orders').count({ n: '*' }).first()).toEqual(before);
  });

  it('dropships only at the channels named; elsewhere the product is reserved from our stock', async () => {
    const product = await dropshipProduct();
    expect((await ops('PUT', `/v1/products/${product.sku}/dropship`, { channels: ['marketplace'] })).status).toBe(200);
    const orderId = await placeOrder([{ sku: product.sku, quantity: 1 }], { backorder: { policy: 'reject' } });
    // At `web` the product is ours to stock: with none, the order is rejected instead of going to the supplier.
    await orderOnceIt(orderId, (order) => order.status === 'REJECTED');
    expect(await engine.db('dropship_orders').where({ order_id: orderId })).toHaveLength(0);
    expect((await engine.db('order_lines').where({ order_id: orderId }).first()).dropship_supplier_id).toBeNull();
  });

  it('answers a webhook with a bad signature 401, an unknown order 404 and a repeated event duplicate', async () => {
    const product = await dropshipProduct();
    const orderId = await placeOrder([{ sku: product.sku, quantity: 1 }]);
    const placed = await placedDropshipOrder(orderId);
    const event = {
      id: unique('evt'),
      type: 'dropship.tracking',
      supplierOrderId: placed.supplier_order_id,
      reference: placed.shipment_id,
      trackingNumber: 'TRK1',
      carrier: 'sandbox',
      status: 'in_transit',
      occurredAt: new Date().toISOString(),
    };
    const post = async (body: object, secret = engine.config.supplier.webhookSecrets.sandbox) => {
      const raw = JSON.stringify(body);
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await fetch(`${engine.apiUrl}/v1/webhooks/dropship/sandbox`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-supplier-timestamp': String(timestamp),
          'x-supplier-signature': signWebhook(secret, timestamp, raw),
        },
        body: raw,
      });
      return { status: response.status, body: await response.json() };
    };
    expect(await post(event, 'not-the-secret')).toMatchObject({ status: 401, body: { code: 'invalid_signature' } });
    expect(await post({ ...event, reference: 'ord_missing-1' })).toMatchObject({ status: 404, body: { code: 'dropship_order_not_found' } });
    expect(await post(event)).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect(await post(event)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
    expect(await engine.db('dropship_webhook_events').where({ event_id: event.id })).toHaveLength(1);
    await client('POST', `/v1/orders/${orderId}/cancel`, { reason: 'tidy up' });
    await orderOnceIt(orderId, (order) => order.status === 'CANCELLED');
  });
});

import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { address, orderRequest, Product, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

/**
 * Failure paths through the HTTP API on the real Temporal dev server, real Postgres and the real
 * sandbox carrier and gateway: each refusal ends in a named state with nothing held or charged,
 * freed stock wakes the orders waiting for it, and a lost parcel is refunded.
 */
let engine: Engine;

beforeAll(async () => {
  engine = await Engine.start({
    label: 'failures',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
    // Parcels move only when a test says so: a label is never picked up before the engine decides.
    timetable: 'manual',
  });
  await seedWarehouse(engine.db, { id: 'WH-AUTO', mode: 'auto', priority: 10, bins: [] });
  await seedWarehouse(engine.db, { id: 'WH-MAN', mode: 'manual', priority: 20, bins: [] });
});

afterEach(async () => {
  await expectInvariants(engine.db, engine.temporal);
});

afterAll(async () => {
  await engine?.stop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

async function stocked(locationId: string, priceCents: number, quantity: number): Promise<Product> {
  const product = await seedProduct(engine.db, unique('SKU'), priceCents);
  const answer = await engine.call('warehouse', 'POST', '/v1/inventory/receipts', { locationId, lines: [{ sku: product.sku, quantity }] });
  expect(answer.status).toBe(201);
  return product;
}

async function placeOrder(lines: { sku: string; quantity: number }[], extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), lines, extra));
  expect(answer.status).toBe(201);
  return answer.body.id;
}

async function orderOnceItIs(orderId: string, status: string) {
  return eventually(async () => {
    const answer = await engine.call('client', 'GET', `/v1/orders/${orderId}`);
    return answer.body.status === status ? answer.body : undefined;
  }, 90_000);
}

async function reserved(sku: string): Promise<number> {
  return Number((await engine.db('inventory_levels').where({ sku }).sum({ n: 'reserved' }).first())!.n);
}

async function succeeded(orderId: string, kind: string): Promise<number> {
  return Number((await engine.db('payments').where({ order_id: orderId, kind, status: 'succeeded' }).sum({ n: 'amount_cents' }).first())!.n ?? 0);
}

/** A cancel of a finished order answers 409 at once, instead of waiting for a step that never ends. */
async function expectCancelRefusedQuickly(orderId: string): Promise<void> {
  const started = Date.now();
  const answer = await engine.call('client', 'POST', `/v1/orders/${orderId}/cancel`, { reason: 'too late' });
  expect([answer.status, answer.body.code]).toEqual([409, 'order_not_cancellable']);
  expect(Date.now() - started).toBeLessThan(1000);
}

describe('refusals end in a named state with nothing reserved or charged', () => {
  it('a parcel the carrier refuses: shipment and order FAILED (carrier_refused), stock released, authorization voided', async () => {
    // Heavier than the carrier takes; created before limits were enforced at intake.
    const anvil = await stocked('WH-AUTO', 3000, 2);
    await engine.db('products').where({ sku: anvil.sku }).update({ weight_grams: 45_000 });
    const orderId = await placeOrder([{ sku: anvil.sku, quantity: 1 }]);

    const failed = await orderOnceItIs(orderId, 'FAILED');
    expect(failed.failureReason).toBe('carrier_refused');
    expect(failed.shipments).toMatchObject([{ status: 'FAILED', failureReason: 'carrier_refused' }]);
    expect(failed.lines[0]).toMatchObject({ qtyShipped: 0, qtyCancelled: 1 });
    expect(await reserved(anvil.sku)).toBe(0);
    expect(await succeeded(orderId, 'capture')).toBe(0);
    expect(await succeeded(orderId, 'void')).toBe(await succeeded(orderId, 'authorization'));
    await expectCancelRefusedQuickly(orderId);
    const found = await eventually(async () => {
      const ids = [];
      for await (const run of engine.temporal.workflow.list({ query: `OrderStatus = 'FAILED' AND FailureReason = 'carrier_refused'` })) {
        ids.push(run.workflowId);
      }
      return ids.includes(`order:${orderId}`) && ids;
    });
    expect(found).toContain(`order:${orderId}`);
  });

  it('an address the carrier cannot serve fails the shipment the same way', async () => {
    const vase = await stocked('WH-AUTO', 2000, 1);
    const orderId = await placeOrder([{ sku: vase.sku, quantity: 1 }], {
      shippingAddress: { ...address, line1: '1 UNDELIVERABLE Road' },
    });
    expect((await orderOnceItIs(orderId, 'FAILED')).failureReason).toBe('carrier_refused');
    expect(await reserved(vase.sku)).toBe(0);
  });

  it('a declined capture: the label is voided and the parcel stays, FAILED (capture_declined), nothing charged', async () => {
    // 72.77 + 5.00 shipping: the sandbox gateway declines a capture of exactly 77.77.
    const lamp = await stocked('WH-AUTO', 7277, 1);
    const orderId = await placeOrder([{ sku: lamp.sku, quantity: 1 }]);
    const failed = await orderOnceItIs(orderId, 'FAILED');
    expect(failed.failureReason).toBe('capture_declined');
    const shipment = await engine.db('shipments').where({ order_id: orderId }).first();
    expect(shipment.label_voided_at).not.toBeNull();
    expect(await engine.db('inventory_levels').where({ sku: lamp.sku }).first('on_hand', 'reserved')).toEqual({ on_hand: 1, reserved: 0 });
    expect(await succeeded(orderId, 'capture')).toBe(0);
    expect(await engine.db('payments').where({ order_id: orderId, kind: 'capture', status: 'declined' })).toHaveLength(1);
    await expectCancelRefusedQuickly(orderId);
  });
});

describe('freed stock wakes waiting orders', () => {
  it('a cancel frees the units two other orders wait for; both ship without any further receipt', async () => {
    const cap = await stocked('WH-MAN', 1500, 2);
    const holder = await placeOrder([{ sku: cap.sku, quantity: 2 }]);
    await orderOnceItIs(holder, 'FULFILLING');
    const first = await placeOrder([{ sku: cap.sku, quantity: 1 }]);
    const second = await placeOrder([{ sku: cap.sku, quantity: 1 }]);
    await orderOnceItIs(first, 'BACKORDERED');
    await orderOnceItIs(second, 'BACKORDERED');

    const cancelled = await engine.call('client', 'POST', `/v1/orders/${holder}/cancel`, { reason: 'changed mind' });
    expect(cancelled.body).toMatchObject({ outcome: 'cancelled', status: 'CANCELLED' });

    for (const orderId of [first, second]) {
      await orderOnceItIs(orderId, 'FULFILLING');
      const shipment = await engine.db('shipments').where({ order_id: orderId }).first('id');
      expect((await engine.call('warehouse', 'POST', `/v1/shipments/${shipment.id}/pick`, {})).status).toBe(200);
      expect((await engine.call('warehouse', 'POST', `/v1/shipments/${shipment.id}/scans`, { upc: cap.upc })).body.packed).toBe(true);
      await orderOnceItIs(orderId, 'SHIPPED');
    }
    expect(await engine.db('receipts').whereRaw("lines::text LIKE ?", [`%${cap.sku}%`])).toHaveLength(1);
    expect(await engine.db('inventory_levels').where({ sku: cap.sku }).first('on_hand', 'reserved')).toEqual({ on_hand: 0, reserved: 0 });
  });
});

describe('lost parcels', () => {
  it('ops declare a parcel lost: its share is refunded and the order ends LOST; others may not', async () => {
    const kite = await stocked('WH-AUTO', 2500, 1);
    const orderId = await placeOrder([{ sku: kite.sku, quantity: 1 }]);
    await orderOnceItIs(orderId, 'SHIPPED');
    const shipment = await engine.db('shipments').where({ order_id: orderId }).first('id');
    const path = `/v1/shipments/${shipment.id}/declare-lost`;

    expect((await engine.call('warehouse', 'POST', path, { resolution: 'refund' })).status).toBe(403);
    expect((await engine.call('ops', 'POST', path, { resolution: 'shrug' })).body.code).toBe('validation_error');
    const declared = await engine.call('ops', 'POST', path, { resolution: 'refund', reason: 'carrier lost it' });
    expect([declared.status, declared.body.status]).toEqual([200, 'LOST']);

    const lost = await orderOnceItIs(orderId, 'LOST');
    expect(lost.lines[0]).toMatchObject({ qtyShipped: 0, qtyLost: 1 });
    expect(await succeeded(orderId, 'refund')).toBe(3000);
    const again = await engine.call('ops', 'POST', path, { resolution: 'refund' });
    expect([again.status, again.body.code]).toEqual([409, 'invalid_shipment_state']);
  });
});

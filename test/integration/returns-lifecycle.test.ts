import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { address, orderRequest, type Product, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

/**
 * Returns driven through the HTTP API on the real Temporal dev server and real Postgres: orders are
 * delivered by an `auto` warehouse, the sandbox carrier moves the return parcels and sends signed
 * webhooks, the dock receives them through the API, and the sandbox gateway refunds.
 */
let engine: Engine;
const WAREHOUSE = 'WH-RET';

beforeAll(async () => {
  engine = await Engine.start({
    label: 'returns',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
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

async function product(priceCents: number, stock = 0): Promise<Product> {
  const seeded = await seedProduct(engine.db, unique('SKU'), priceCents);
  if (stock > 0) {
    const answer = await engine.call('warehouse', 'POST', '/v1/inventory/receipts', { locationId: WAREHOUSE, lines: [{ sku: seeded.sku, quantity: stock }] });
    expect(answer.status).toBe(201);
  }
  return seeded;
}

async function placeOrder(lines: { sku: string; quantity: number }[], extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), lines, extra));
  expect(answer.status).toBe(201);
  return answer.body.id;
}

/** An order of `lines` (each SKU stocked first), delivered to the customer. */
async function deliveredOrder(lines: { sku: string; quantity: number }[], extra: Record<string, unknown> = {}): Promise<string> {
  const orderId = await placeOrder(lines, extra);
  await orderOnceItIs(orderId, 'DELIVERED');
  return orderId;
}

async function orderOnceItIs(orderId: string, status: string) {
  return eventually(async () => {
    const answer = await engine.call('ops', 'GET', `/v1/orders/${orderId}`);
    return answer.body.status === status ? answer.body : undefined;
  }, 60_000);
}

async function requestReturn(orderId: string, body: object, role: 'client' | 'ops' = 'client') {
  const answer = await engine.call(role, 'POST', `/v1/orders/${orderId}/returns`, body);
  expect(answer.status).toBe(201);
  return answer.body;
}

/** The return once its projection shows `status`; a return that ends otherwise fails with what it shows. */
async function returnOnceItIs(returnId: string, status: string) {
  let seen: any; // answers are read field by field
  try {
    return await eventually(async () => {
      seen = (await engine.call('ops', 'GET', `/v1/returns/${returnId}`)).body;
      return seen?.status === status ? seen : undefined;
    }, 60_000);
  } catch {
    throw new Error(`return ${returnId} is ${seen?.status} (${seen?.reason}), not ${status}`);
  }
}

const receive = (returnId: string, lines: { lineNo: number; restock: number; damaged: number; scrap: number }[]) =>
  engine.call('warehouse', 'POST', `/v1/returns/${returnId}/receive`, { lines, receivedBy: 'dock-1' });

async function level(sku: string, locationId = WAREHOUSE) {
  return (await engine.db('inventory_levels').where({ sku, location_id: locationId }).first('on_hand', 'reserved')) ?? { on_hand: 0, reserved: 0 };
}

async function quarantineOf(locationId: string): Promise<string> {
  return (await engine.db('locations').where({ parent_location_id: locationId, kind: 'quarantine' }).first('id')).id;
}

/** The ledger's return-related rows of a SKU: [location, kind, reason, quantity], in order. */
async function ledger(sku: string) {
  const rows = await engine
    .db('inventory_movements')
    .where({ sku })
    .whereIn('kind', ['return', 'adjustment'])
    .whereNot({ reason_code: 'test_seed' })
    .orderBy('id')
    .select('location_id', 'kind', 'reason_code', 'quantity');
  return rows.map((row) => [row.location_id, row.kind, row.reason_code, row.quantity]);
}

async function payments(orderId: string) {
  return engine.db('payments').where({ order_id: orderId, status: 'succeeded' }).orderBy('id').select('kind', 'amount_cents', 'return_id');
}

describe('return lifecycle', () => {
  it('restock and refund: the units are sellable again and wake a backordered order; the refund includes shipping', async () => {
    const shirt = await product(3000, 2);
    const orderId = await deliveredOrder([{ sku: shirt.sku, quantity: 2 }]);
    const waiting = await placeOrder([{ sku: shirt.sku, quantity: 1 }]);
    await orderOnceItIs(waiting, 'BACKORDERED');

    const requested = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 2, reason: 'wrong_item' }] });
    expect(requested).toMatchObject({ status: 'APPROVED', locationId: WAREHOUSE, requestedCents: 6000 });
    const arrived = await returnOnceItIs(requested.id, 'ARRIVED');
    expect(arrived.trackingNumber).toMatch(/^SBX/);

    const received = await receive(requested.id, [{ lineNo: 1, restock: 2, damaged: 0, scrap: 0 }]);
    expect(received.status).toBe(200);
    expect(received.body.lines[0].received).toEqual({ lineNo: 1, restock: 2, damaged: 0, scrap: 0 });

    const closed = await returnOnceItIs(requested.id, 'CLOSED');
    // Every unit came back for the seller's fault: the price paid and the order's shipping.
    expect(closed).toMatchObject({ refundedCents: 6500, lines: [{ qtyReceived: 2, qtyRestocked: 2, refundedCents: 6000 }] });
    expect(closed.payments).toEqual([expect.objectContaining({ kind: 'refund', status: 'succeeded', amountCents: 6500 })]);
    const order = (await engine.call('client', 'GET', `/v1/orders/${orderId}`)).body;
    expect(order).toMatchObject({
      status: 'DELIVERED',
      refundedCents: 6500,
      lines: [{ qtyShipped: 2, qtyReturned: 2, refundedCents: 6000 }],
      returns: [{ id: requested.id, status: 'CLOSED', refundedCents: 6500 }],
    });
    expect(await ledger(shirt.sku)).toEqual([[WAREHOUSE, 'return', 'restock', 2]]);
    const tracking = await engine.db('webhook_events').where({ return_id: requested.id }).whereNotNull('applied_at').count({ n: '*' }).first();
    expect(Number(tracking?.n)).toBeGreaterThan(0);

    // The restocked units woke the order that was waiting for them.
    await orderOnceItIs(waiting, 'DELIVERED');
    expect(await level(shirt.sku)).toEqual({ on_hand: 1, reserved: 0 });
  });

  it('a partial return approved by ops refunds less the restocking fee; the rest of the order stays returnable', async () => {
    const mug = await product(2000, 3);
    const orderId = await deliveredOrder([{ sku: mug.sku, quantity: 3 }]);
    const requested = await requestReturn(orderId, { lines: [{ sku: mug.sku, quantity: 1, reason: 'changed_mind' }] });
    expect(requested.status).toBe('AWAITING_APPROVAL');

    const approved = await engine.call('ops', 'POST', `/v1/returns/${requested.id}/approve`, { note: 'within policy' });
    expect(approved.status).toBe(200);
    expect(approved.body.decision).toMatchObject({ approved: true, note: 'within policy' });
    const again = await engine.call('ops', 'POST', `/v1/returns/${requested.id}/approve`, {});
    expect([again.status, again.body.code]).toEqual([409, 'return_not_awaiting_approval']);

    await returnOnceItIs(requested.id, 'ARRIVED');
    expect((await receive(requested.id, [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }])).status).toBe(200);
    const closed = await returnOnceItIs(requested.id, 'CLOSED');
    expect(closed).toMatchObject({ refundedCents: 1800, decisionNote: 'within policy', decidedBy: expect.any(String) });
    const twice = await receive(requested.id, [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }]);
    expect([twice.status, twice.body.code]).toEqual([409, 'return_not_receivable']);

    const order = (await engine.call('client', 'GET', `/v1/orders/${orderId}`)).body;
    expect(order).toMatchObject({ refundedCents: 1800, lines: [{ qtyReturned: 1, refundedCents: 1800 }] });
    expect(await level(mug.sku)).toEqual({ on_hand: 1, reserved: 0 });

    // Two units are left to return: three are refused, two are taken, then nothing is left.
    const tooMany = await engine.call('client', 'POST', `/v1/orders/${orderId}/returns`, { lines: [{ lineNo: 1, quantity: 3, reason: 'damaged' }] });
    expect([tooMany.status, tooMany.body.code, tooMany.body.details?.returnable]).toEqual([422, 'exceeds_returnable', 2]);
    const rest = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 2, reason: 'damaged' }] });
    const none = await engine.call('client', 'POST', `/v1/orders/${orderId}/returns`, { lines: [{ lineNo: 1, quantity: 1, reason: 'damaged' }] });
    expect([none.status, none.body.code]).toEqual([422, 'exceeds_returnable']);
    await returnOnceItIs(rest.id, 'ARRIVED');
    expect((await receive(rest.id, [{ lineNo: 1, restock: 2, damaged: 0, scrap: 0 }])).status).toBe(200);
    // Not every unit came back for the seller's fault (one changed_mind): no shipping.
    expect(await returnOnceItIs(rest.id, 'CLOSED')).toMatchObject({ refundedCents: 4000 });
    expect((await engine.call('client', 'GET', `/v1/orders/${orderId}`)).body).toMatchObject({
      refundedCents: 5800,
      lines: [{ qtyReturned: 3, refundedCents: 5800 }],
    });
  });

  it('rejected by ops: nothing moves, and the units may be requested again', async () => {
    const vase = await product(4000, 1);
    const orderId = await deliveredOrder([{ sku: vase.sku, quantity: 1 }]);
    const requested = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'changed_mind' }] });
    const rejected = await engine.call('ops', 'POST', `/v1/returns/${requested.id}/reject`, { note: 'used item' });
    expect([rejected.status, rejected.body.status]).toEqual([200, 'REJECTED']);
    expect(await returnOnceItIs(requested.id, 'REJECTED')).toMatchObject({ decisionNote: 'used item', refundedCents: 0, trackingNumber: null });
    expect((await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'changed_mind' }] })).status).toBe('AWAITING_APPROVAL');
  });

  it('damaged and scrapped units go to quarantine and are written off: available stock unchanged, the ledger explains it', async () => {
    const lamp = await product(1500, 3);
    const orderId = await deliveredOrder([{ sku: lamp.sku, quantity: 3 }]);
    const availableBefore = await engine.call('client', 'GET', `/v1/inventory/availability?sku=${lamp.sku}`);
    const requested = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 3, reason: 'damaged' }] });
    await returnOnceItIs(requested.id, 'ARRIVED');
    expect((await receive(requested.id, [{ lineNo: 1, restock: 0, damaged: 2, scrap: 1 }])).status).toBe(200);
    const closed = await returnOnceItIs(requested.id, 'CLOSED');
    expect(closed).toMatchObject({ refundedCents: 3 * 1500 + 500, lines: [{ qtyReceived: 3, qtyDamaged: 2, qtyScrapped: 1 }] });

    const quarantine = await quarantineOf(WAREHOUSE);
    expect(await level(lamp.sku)).toEqual({ on_hand: 0, reserved: 0 });
    expect(await level(lamp.sku, quarantine)).toEqual({ on_hand: 2, reserved: 0 });
    expect(await ledger(lamp.sku)).toEqual([
      [quarantine, 'return', 'damaged', 2],
      [quarantine, 'return', 'scrap', 1],
      [quarantine, 'adjustment', 'scrap', -1],
    ]);
    const availableAfter = await engine.call('client', 'GET', `/v1/inventory/availability?sku=${lamp.sku}`);
    expect(availableAfter.body).toEqual(availableBefore.body);
  });

  it('cancelled before receipt: the unused label is voided, the units are returnable again, receipt and a second cancel are refused', async () => {
    const chair = await product(5000, 1);
    // A customer who never drops the parcel off: the sandbox carrier leaves it at label_created.
    const orderId = await deliveredOrder([{ sku: chair.sku, quantity: 1 }], { shippingAddress: { ...address, line1: 'UNSENT 12 Analytical Way' } });
    const requested = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'not_as_described' }] });
    await returnOnceItIs(requested.id, 'AWAITING_PARCEL');

    const cancelled = await engine.call('client', 'POST', `/v1/returns/${requested.id}/cancel`, { reason: 'kept it after all' });
    expect([cancelled.status, cancelled.body.status]).toEqual([200, 'CANCELLED']);
    expect(await returnOnceItIs(requested.id, 'CANCELLED')).toMatchObject({ reason: 'kept it after all', refundedCents: 0 });
    await eventually(async () => (await engine.db('returns').where({ id: requested.id }).first('label_voided_at')).label_voided_at);

    const again = await engine.call('client', 'POST', `/v1/returns/${requested.id}/cancel`, { reason: 'twice' });
    expect([again.status, again.body.code]).toEqual([409, 'return_not_cancellable']);
    const late = await receive(requested.id, [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }]);
    expect([late.status, late.body.code]).toEqual([409, 'return_not_receivable']);
    expect(await payments(orderId)).not.toContainEqual(expect.objectContaining({ kind: 'refund' }));
    expect((await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'not_as_described' }] })).status).toBe('APPROVED');
  });

  it('expires without a decision before the approval deadline, or without a parcel before the parcel deadline', async () => {
    const kettle = await product(2500, 2);
    const undecided = await deliveredOrder([{ sku: kettle.sku, quantity: 1 }]);
    const unsent = await deliveredOrder([{ sku: kettle.sku, quantity: 1 }], { shippingAddress: { ...address, line1: 'UNSENT 3 Quiet Lane' } });
    const policy = engine.config.returns.policy;
    // Deadlines of a few seconds: the policy is fixed into each return when it is requested.
    engine.config.returns.policy = { ...policy, approvalTimeoutHours: 2 / 3600, parcelExpiryDays: 3 / 86_400 };
    let waitingForOps: { id: string };
    let neverSent: { id: string };
    try {
      waitingForOps = await requestReturn(undecided, { lines: [{ lineNo: 1, quantity: 1, reason: 'changed_mind' }] });
      neverSent = await requestReturn(unsent, { lines: [{ lineNo: 1, quantity: 1, reason: 'damaged' }] });
    } finally {
      engine.config.returns.policy = policy;
    }
    expect(await returnOnceItIs(waitingForOps.id, 'EXPIRED')).toMatchObject({ reason: 'approval_deadline_passed', refundedCents: 0 });
    expect(await returnOnceItIs(neverSent.id, 'EXPIRED')).toMatchObject({ reason: 'parcel_not_received', refundedCents: 0 });
    await eventually(async () => (await engine.db('returns').where({ id: neverSent.id }).first('label_voided_at')).label_voided_at);
    const late = await engine.call('ops', 'POST', `/v1/returns/${waitingForOps.id}/approve`, {});
    expect([late.status, late.body.code]).toEqual([409, 'return_not_awaiting_approval']);
  });

  it('exchange at equal price: the restocked unit becomes a replacement order that moves no money', async () => {
    const blue = await product(2500, 2);
    const red = await product(2500, 1);
    const orderId = await deliveredOrder([{ sku: blue.sku, quantity: 2 }]);
    const requested = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'wrong_item', exchangeSku: red.sku }] });
    await returnOnceItIs(requested.id, 'ARRIVED');
    expect((await receive(requested.id, [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }])).status).toBe(200);

    const closed = await returnOnceItIs(requested.id, 'CLOSED');
    expect(closed).toMatchObject({ refundedCents: 0, exchangeOrderId: expect.any(String), payments: [] });
    const replacement = await orderOnceItIs(closed.exchangeOrderId, 'DELIVERED');
    expect(replacement).toMatchObject({ totalCents: 0, lines: [{ sku: red.sku, quantity: 1, unitPriceCents: 0, qtyShipped: 1 }] });
    const moved = (await payments(replacement.id)).reduce((sum, payment) => sum + payment.amount_cents, 0);
    expect(moved).toBe(0);
    expect(await level(blue.sku)).toEqual({ on_hand: 1, reserved: 0 });
    expect(await level(red.sku)).toEqual({ on_hand: 0, reserved: 0 });
    const original = (await engine.call('client', 'GET', `/v1/orders/${orderId}`)).body;
    expect(original.lines[0]).toMatchObject({ qtyReturned: 1, refundedCents: 0 });
    expect(original.events.map((event: { type: string }) => event.type)).toContain('return_exchange_created');
  });

  it('exchange at another price: a dearer replacement charges the difference, a cheaper one refunds it', async () => {
    const blue = await product(2000, 3);
    const dearer = await product(2600, 1);
    const cheaper = await product(1500, 1);
    // One unit stays with the customer, so no return refunds the shipping.
    const orderId = await deliveredOrder([{ sku: blue.sku, quantity: 3 }]);
    const up = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'wrong_item', exchangeSku: dearer.sku }] });
    const down = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'wrong_item', exchangeSku: cheaper.sku }] });
    for (const requested of [up, down]) {
      await returnOnceItIs(requested.id, 'ARRIVED');
      expect((await receive(requested.id, [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }])).status).toBe(200);
    }

    const upClosed = await returnOnceItIs(up.id, 'CLOSED');
    expect(upClosed.refundedCents).toBe(0);
    const upReplacement = await orderOnceItIs(upClosed.exchangeOrderId, 'DELIVERED');
    expect(upReplacement).toMatchObject({ totalCents: 600, lines: [{ sku: dearer.sku, unitPriceCents: 600 }] });
    expect((await payments(upReplacement.id)).map((payment) => [payment.kind, payment.amount_cents])).toEqual([
      ['authorization', 600],
      ['capture', 600],
    ]);

    const downClosed = await returnOnceItIs(down.id, 'CLOSED');
    expect(downClosed).toMatchObject({ refundedCents: 500, payments: [{ kind: 'refund', amountCents: 500 }] });
    expect(await orderOnceItIs(downClosed.exchangeOrderId, 'DELIVERED')).toMatchObject({ totalCents: 0 });
  });

  it('advance exchange: the replacement ships before the parcel is back, and the returned unit is refunded once inspected', async () => {
    const blue = await product(2000, 1);
    const red = await product(2600, 1);
    const orderId = await deliveredOrder([{ sku: blue.sku, quantity: 1 }]);
    const requested = await requestReturn(orderId, {
      lines: [{ lineNo: 1, quantity: 1, reason: 'not_as_described', exchangeSku: red.sku }],
      advanceExchange: true,
    });
    const shipped = await eventually(async () => {
      const answer = (await engine.call('ops', 'GET', `/v1/returns/${requested.id}`)).body;
      return answer.exchangeOrderId ? answer : undefined;
    });
    expect(shipped.receivedAt).toBeNull();
    const replacement = await orderOnceItIs(shipped.exchangeOrderId, 'DELIVERED');
    expect(replacement).toMatchObject({ totalCents: 2600, lines: [{ sku: red.sku, unitPriceCents: 2600 }] });
    expect((await engine.db('returns').where({ id: requested.id }).first('received_at')).received_at).toBeNull();

    await returnOnceItIs(requested.id, 'ARRIVED');
    expect((await receive(requested.id, [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }])).status).toBe(200);
    // Every unit of the order came back for the seller's fault: its shipping too.
    expect(await returnOnceItIs(requested.id, 'CLOSED')).toMatchObject({ refundedCents: 2000 + 500 });
  });

  it('an order captured on_order is refunded from what was captured at once', async () => {
    const desk = await product(1800, 2);
    const orderId = await deliveredOrder([{ sku: desk.sku, quantity: 2 }], { payment: { token: 'tok_visa', captureMode: 'on_order' } });
    const requested = await requestReturn(orderId, { lines: [{ lineNo: 1, quantity: 1, reason: 'damaged' }] }, 'ops');
    await returnOnceItIs(requested.id, 'ARRIVED');
    expect((await receive(requested.id, [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }])).status).toBe(200);
    await returnOnceItIs(requested.id, 'CLOSED');
    expect((await payments(orderId)).map((payment) => [payment.kind, payment.amount_cents, payment.return_id])).toEqual([
      ['authorization', 4100, null],
      ['capture', 4100, null],
      ['refund', 1800, requested.id],
    ]);
    expect((await engine.call('client', 'GET', `/v1/orders/${orderId}`)).body.refundedCents).toBe(1800);
  });
});

/**
 * The return workflow's activities against real Postgres, the sandbox gateway and the sandbox
 * carrier: status writes, labels, receipt into stock/quarantine/scrap, the refund (once, capped),
 * and the replacement order of an exchange. Each is called twice where a retry could repeat it.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { paymentActivities } from '../../activities/payments';
import { returnActivities } from '../../activities/returns';
import { buildSandboxCarrier, type SandboxCarrier } from '../../carriers/sandbox/server';
import { SandboxCarrierAdapter } from '../../carriers/sandbox-adapter';
import { createFreshDatabase, type FreshDatabase } from '../../dev/harness/database';
import type { ReturnReason } from '../../domain/types';
import { loadConfig } from '../../infra/config';
import { SandboxPaymentGateway } from '../../payments/sandbox-gateway';
import { expectInvariants } from '../helpers/invariants';

const API_KEY = `return-activities-${randomBytes(4).toString('hex')}`;
const WAREHOUSE = { name: 'Acme Returns', line1: '100 Dock St', city: 'Portland', region: 'OR', postalCode: '97201', country: 'US' };
const CUSTOMER = { name: 'Ada Lovelace', line1: '12 Elm St', city: 'Boston', region: 'MA', postalCode: '02108', country: 'US' };

describe('return activities', () => {
  let database: FreshDatabase;
  let carrier: SandboxCarrier;
  let activities: ReturnType<typeof returnActivities>;
  let payments: ReturnType<typeof paymentActivities>;
  const wakes: { source: string; skus: string[] }[] = [];

  beforeAll(async () => {
    database = await createFreshDatabase(process.env.DATABASE_URL!, 'returns', 8);
    carrier = await buildSandboxCarrier({ db: database.db, apiKey: API_KEY, webhookUrl: 'http://127.0.0.1:9/unused', webhookSecret: 'unused', timetable: 'manual' });
    await carrier.app.listen({ host: '127.0.0.1', port: 0 });
    const adapter = new SandboxCarrierAdapter({ baseUrl: `http://127.0.0.1:${(carrier.app.server.address() as AddressInfo).port}`, apiKey: API_KEY });
    const gateway = new SandboxPaymentGateway(database.db);
    payments = paymentActivities(database.db, gateway);
    activities = returnActivities(database.db, adapter, gateway, async (source, skus) => void wakes.push({ source, skus }));
    await database.db('locations').insert({ id: 'WH1', name: 'Warehouse 1', fulfillment_mode: 'manual', address: JSON.stringify(WAREHOUSE) });
    await database.db('products').insert([product('MUG', 1_000, 1), product('CUP', 1_200, 2), product('BOWL', 800, 3)]);
  });

  afterEach(async () => {
    await expectInvariants(database.db);
  });

  afterAll(async () => {
    await carrier.app.close();
    await database.drop();
  });

  function product(sku: string, priceCents: number, n: number) {
    return { sku, name: sku, upc: String(200_000_000_000 + n), unit_price_cents: priceCents, weight_grams: 400, length_mm: 100, width_mm: 100, height_mm: 100 };
  }

  /** An order of `quantity` MUGs, shipped, delivered and captured (500 cents shipping), as returns find it. */
  async function deliveredOrder(quantity: number): Promise<string> {
    const { db } = database;
    const orderId = `ord_${randomBytes(6).toString('hex')}`;
    const total = quantity * 1_000 + 500;
    await db('orders').insert({
      id: orderId, customer_id: 'cus_r', channel: 'web', status: 'DELIVERED', backorder_policy: 'wait', currency: 'USD',
      items_cents: total - 500, shipping_cents: 500, total_cents: total, payment_token: 'tok_visa', capture_mode: 'on_shipment',
      shipping_address: JSON.stringify(CUSTOMER), workflow_started_at: db.fn.now(),
    });
    await db('order_lines').insert({ order_id: orderId, line_no: 1, sku: 'MUG', quantity, unit_price_cents: 1_000, qty_shipped: quantity });
    await db('shipments').insert({ id: `${orderId}-1`, order_id: orderId, shipment_no: 1, location_id: 'WH1', status: 'DELIVERED', amount_cents: total });
    await db('shipment_lines').insert({ shipment_id: `${orderId}-1`, line_no: 1, sku: 'MUG', quantity });
    await db('inventory_movements').insert([
      { sku: 'MUG', location_id: 'WH1', quantity, kind: 'receipt', reference_type: 'receipt', reference_id: orderId, idempotency_key: `test:in:${orderId}` },
      { sku: 'MUG', location_id: 'WH1', quantity: -quantity, kind: 'shipment', reference_type: 'shipment', reference_id: `${orderId}-1`, idempotency_key: `ship:${orderId}-1:1:WH1` },
    ]);
    await db('inventory_levels').insert({ sku: 'MUG', location_id: 'WH1', on_hand: 0 }).onConflict(['sku', 'location_id']).ignore();
    await payments.authorizePayment({ orderId, amountCents: total, currency: 'USD' });
    await payments.capturePayment({ orderId, shipmentId: `${orderId}-1`, amountCents: total });
    return orderId;
  }

  async function requestReturn(orderId: string, quantity: number, reason: ReturnReason, exchangeSku?: string): Promise<string> {
    const returnId = `ret_${randomBytes(6).toString('hex')}`;
    await database.db('returns').insert({
      id: returnId, order_id: orderId, customer_id: 'cus_r', channel: 'web', location_id: 'WH1', status: 'AWAITING_APPROVAL',
      currency: 'USD', requested_cents: quantity * 1_000, policy: JSON.stringify(loadConfig().returns.policy),
    });
    await database.db('return_lines').insert({
      return_id: returnId, line_no: 1, order_id: orderId, sku: 'MUG', quantity, reason, unit_price_cents: 1_000, exchange_sku: exchangeSku ?? null,
    });
    return returnId;
  }

  const level = async (sku: string, locationId: string) =>
    (await database.db('inventory_levels').where({ sku, location_id: locationId }).first('on_hand'))?.on_hand ?? 0;

  it('writes statuses in version order, and the order timeline once per version', async () => {
    const orderId = await deliveredOrder(1);
    const returnId = await requestReturn(orderId, 1, 'damaged');
    await activities.recordReturnStatus({ returnId, orderId, status: 'APPROVED', version: 2, decision: { approved: true, by: 'rules' } });
    await activities.recordReturnStatus({ returnId, orderId, status: 'AWAITING_APPROVAL', version: 1 }); // late
    await activities.recordReturnStatus({ returnId, orderId, status: 'APPROVED', version: 2, decision: { approved: true, by: 'rules' } }); // retried
    expect(await database.db('returns').where({ id: returnId }).first()).toMatchObject({ status: 'APPROVED', status_version: 2, decided_by: 'rules' });
    const events = await database.db('order_events').where({ order_id: orderId }).whereLike('event_key', `return:${returnId}:%`);
    expect(events.map((event) => event.type).sort()).toEqual(['return_approved', 'return_awaiting_approval']);
  });

  it('buys the return label once, stores it first, and voids it', async () => {
    const orderId = await deliveredOrder(1);
    const returnId = await requestReturn(orderId, 1, 'damaged');
    const first = await activities.buyReturnLabel({ returnId });
    const again = await activities.buyReturnLabel({ returnId });
    expect(again).toEqual(first);
    expect(await database.db('returns').where({ id: returnId }).first()).toMatchObject({ carrier: 'sandbox', tracking_number: first.trackingNumber });
    expect(await activities.voidReturnLabel({ returnId })).toBe('voided');
    expect(await activities.voidReturnLabel({ returnId })).toBe('voided');
    expect((await database.db('returns').where({ id: returnId }).first()).label_voided_at).not.toBeNull();
  });

  it('voids a label that arrives for a return closed meanwhile', async () => {
    const orderId = await deliveredOrder(1);
    const returnId = await requestReturn(orderId, 1, 'damaged');
    await database.db('returns').where({ id: returnId }).update({ status: 'CANCELLED' });
    const failure = await activities.buyReturnLabel({ returnId }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((await database.db('returns').where({ id: returnId }).first()).tracking_number).toBeNull();
  });

  it('puts received units back, into quarantine and through scrap, once; then refunds once, shipping included', async () => {
    const orderId = await deliveredOrder(3);
    const returnId = await requestReturn(orderId, 3, 'damaged');
    const input = { returnId, orderId, locationId: 'WH1', lines: [{ lineNo: 1, restock: 1, damaged: 1, scrap: 1 }] };
    await activities.receiveReturn(input);
    await activities.receiveReturn(input); // a retry changes nothing
    const quarantine = await database.db('locations').where({ parent_location_id: 'WH1', kind: 'quarantine' }).first();
    expect(quarantine).toBeDefined();
    expect(await level('MUG', 'WH1')).toBe(1);
    expect(await level('MUG', quarantine.id)).toBe(1);
    const ledger = await database.db('inventory_movements').where({ reference_type: 'return', reference_id: returnId }).orderBy('id');
    expect(ledger.map((row) => [row.kind, row.reason_code, row.location_id, row.quantity])).toEqual([
      ['return', 'restock', 'WH1', 1],
      ['return', 'damaged', quarantine.id, 1],
      ['return', 'scrap', quarantine.id, 1],
      ['adjustment', 'scrap', quarantine.id, -1],
    ]);
    expect(await database.db('order_lines').where({ order_id: orderId }).first('qty_returned')).toEqual({ qty_returned: 3 });
    expect(wakes.filter((wake) => wake.source === `return:${returnId}`)).toEqual([
      { source: `return:${returnId}`, skus: ['MUG'] },
      { source: `return:${returnId}`, skus: ['MUG'] },
    ]);

    // Every unit back for the seller's fault: the price paid and the shipping, exactly what was captured.
    expect(await activities.refundReturn({ returnId, exchanged: [] })).toEqual({ refundedCents: 3_500 });
    expect(await activities.refundReturn({ returnId, exchanged: [] })).toEqual({ refundedCents: 3_500 });
    const refunds = await database.db('payments').where({ order_id: orderId, kind: 'refund' });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ return_id: returnId, amount_cents: 3_500, idempotency_key: `refund:return:${returnId}` });
    expect(await database.db('orders').where({ id: orderId }).first('refunded_cents')).toEqual({ refunded_cents: 3_500 });
    expect(await database.db('returns').where({ id: returnId }).first('refunded_cents')).toEqual({ refunded_cents: 3_500 });
    expect(await database.db('order_lines').where({ order_id: orderId }).first('refunded_cents')).toEqual({ refunded_cents: 3_000 });
  });

  it('keeps the restocking fee on changed_mind and refunds nothing unreceived', async () => {
    const orderId = await deliveredOrder(2);
    const first = await requestReturn(orderId, 1, 'changed_mind');
    await activities.receiveReturn({ returnId: first, orderId, locationId: 'WH1', lines: [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }] });
    expect(await activities.refundReturn({ returnId: first, exchanged: [] })).toEqual({ refundedCents: 900 }); // 10% fee kept

    const second = await requestReturn(orderId, 1, 'changed_mind');
    await activities.receiveReturn({ returnId: second, orderId, locationId: 'WH1', lines: [] }); // an empty parcel
    expect(await activities.refundReturn({ returnId: second, exchanged: [] })).toEqual({ refundedCents: 0 });
    expect(await database.db('payments').where({ order_id: orderId, kind: 'refund' })).toHaveLength(1);
  });

  it('never refunds more than was captured less what was refunded before', async () => {
    const orderId = await deliveredOrder(1);
    await payments.refundShipment({ orderId, shipmentId: `${orderId}-1`, amountCents: 1_200 }); // e.g. a goodwill refund first
    const returnId = await requestReturn(orderId, 1, 'damaged');
    await activities.receiveReturn({ returnId, orderId, locationId: 'WH1', lines: [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }] });
    // Owed: 1000 for the unit and 500 shipping; captured 1500, of which 1200 went back already.
    expect(await activities.refundReturn({ returnId, exchanged: [] })).toEqual({ refundedCents: 300 });
    expect(await database.db('orders').where({ id: orderId }).first('refunded_cents')).toEqual({ refunded_cents: 1_500 });
  });

  it('credits exchanged units to a replacement order written once, at the difference the customer still owes', async () => {
    const orderId = await deliveredOrder(2);
    const returnId = await requestReturn(orderId, 2, 'wrong_item', 'CUP');
    await activities.receiveReturn({ returnId, orderId, locationId: 'WH1', lines: [{ lineNo: 1, restock: 1, damaged: 1, scrap: 0 }] });
    expect(await activities.quoteExchange({ returnId })).toEqual([{ lineNo: 1, sku: 'CUP', unitPriceCents: 1_200 }]);
    // The damaged unit and (every unit back for the seller's fault) the shipping come back as money; the restocked one pays for the replacement.
    expect(await activities.refundReturn({ returnId, exchanged: [{ lineNo: 1, quantity: 1, unitPriceCents: 1_200 }] })).toEqual({ refundedCents: 1_500 });

    const lines = [{ sku: 'CUP', quantity: 1, unitPriceCents: 200 }];
    const order = await activities.createExchangeOrder({ returnId, lines });
    expect(await activities.createExchangeOrder({ returnId, lines })).toEqual(order);
    expect(order).toMatchObject({ orderId: `ord_${returnId}`, customerId: 'cus_r', totalCents: 200, shippingCents: 0, captureMode: 'on_shipment' });
    expect(order.lines).toEqual([{ lineNo: 1, sku: 'CUP', quantity: 1, unitPriceCents: 200 }]);
    const row = await database.db('orders').where({ id: order.orderId }).first();
    expect(row).toMatchObject({ exchange_for_return_id: returnId, payment_token: 'tok_visa', status: 'ACCEPTED' });
    expect(row.workflow_started_at).not.toBeNull(); // the return workflow starts it, not the sweep
    expect(row.shipping_address).toEqual(CUSTOMER);
    expect(await database.db('returns').where({ id: returnId }).first('exchange_order_id')).toEqual({ exchange_order_id: order.orderId });

    // The replacement never shipped: the credit the restocked unit took comes back.
    const credits = [{ sku: 'CUP', lineNo: 1, unitCreditCents: 1_000 }];
    await database.db('orders').where({ id: order.orderId }).update({ status: 'CANCELLED' });
    expect(await activities.refundExchangeShortfall({ returnId, exchangeOrderId: order.orderId, credits })).toEqual({ refundedCents: 1_000 });
    expect(await activities.refundExchangeShortfall({ returnId, exchangeOrderId: order.orderId, credits })).toEqual({ refundedCents: 1_000 });
    expect(await database.db('returns').where({ id: returnId }).first('refunded_cents')).toEqual({ refunded_cents: 2_500 });
  });
});

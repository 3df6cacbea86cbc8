import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { killed, startWorkerProcess } from '../harness/processes';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

const RETURNS = 50;
const UNIT_CENTS = 1000;
const SHIPPING_CENTS = 500; // orderRequest's
// Both units back for a seller-fault reason: their price and the shipping come back.
const REFUND_CENTS = 2 * UNIT_CENTS + SHIPPING_CENTS;
const STOCK = RETURNS * 2 + 10;
let engine: Engine;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  engine = await Engine.start({
    label: 'returns-crash',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
    inProcessWorker: false,
  });
  await seedWarehouse(engine.db, { id: 'WH-AUTO', mode: 'auto', priority: 10, bins: [] });
});

afterAll(async () => {
  worker?.kill('SIGKILL');
  await engine?.stop();
});

async function countOf(query: ReturnType<Engine['db']>): Promise<number> {
  return Number((await query.count({ n: '*' }).first())!.n);
}

/**
 * The dock's client: a receipt that got no answer (the worker was down) is sent again with the same
 * key; a refusal is fine only when an earlier attempt, whose answer was lost, received the parcel.
 */
async function receiveAtDock(returnId: string): Promise<void> {
  const body = { lines: [{ lineNo: 1, restock: 1, damaged: 1, scrap: 0 }], receivedBy: 'dock' };
  const deadline = Date.now() + 150_000;
  for (;;) {
    const answer = await engine.call('warehouse', 'POST', `/v1/returns/${returnId}/receive`, body, { 'idempotency-key': `dock-${returnId}` });
    if (answer.status === 200) return;
    if (answer.status < 500) {
      const { received_at } = await engine.db('returns').where({ id: returnId }).first('received_at');
      if (received_at) return;
      throw new Error(`receive ${returnId}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    if (Date.now() > deadline) throw new Error(`receive ${returnId}: still ${answer.status} ${JSON.stringify(answer.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

it(`kill -9 of the worker in the middle of ${RETURNS} returns: all close, each refunds exactly once`, async () => {
  const sku = `RCRASH-${randomBytes(3).toString('hex')}`;
  await seedProduct(engine.db, sku, UNIT_CENTS);
  await engine.call('warehouse', 'POST', '/v1/inventory/receipts', { locationId: 'WH-AUTO', lines: [{ sku, quantity: STOCK }] });
  worker = await startWorkerProcess(engine.workerEnv());

  const orders = await Promise.all(
    Array.from({ length: RETURNS }, (_, i) => engine.call('client', 'POST', '/v1/orders', orderRequest(`cus-r${i}`, [{ sku, quantity: 2 }]))),
  );
  expect(orders.every((answer) => answer.status === 201)).toBe(true);
  const orderIds: string[] = orders.map((answer) => answer.body.id);
  await eventually(async () => (await countOf(engine.db('orders').whereIn('id', orderIds).where({ status: 'DELIVERED' }))) === RETURNS, 90_000, 250);

  const requested = await Promise.all(
    orderIds.map((orderId) =>
      engine.call('client', 'POST', `/v1/orders/${orderId}/returns`, { lines: [{ lineNo: 1, quantity: 2, reason: 'damaged' }] }, {
        'idempotency-key': `return-${orderId}`,
      }),
    ),
  );
  expect(requested.map((answer) => answer.status)).toEqual(Array(RETURNS).fill(201));
  const returnIds: string[] = requested.map((answer) => answer.body.id);
  // Approved by rule; the dock can receive a parcel once its label is bought.
  const awaitingParcel = () => engine.db('returns').whereIn('id', returnIds).whereIn('status', ['AWAITING_PARCEL', 'IN_TRANSIT', 'ARRIVED']);
  await eventually(async () => (await countOf(awaitingParcel())) === RETURNS, 60_000, 250);

  const receipts = Promise.all(returnIds.map(receiveAtDock));
  const refundCount = () => countOf(engine.db('payments').where({ kind: 'refund' }));
  await eventually(async () => (await refundCount()) >= RETURNS * 0.2, 60_000, 50);
  const refundedAtKill = await refundCount();
  await killed(worker);
  expect(refundedAtKill).toBeLessThan(RETURNS);

  worker = await startWorkerProcess(engine.workerEnv());
  await receipts;
  await eventually(async () => (await countOf(engine.db('returns').whereIn('id', returnIds).where({ status: 'CLOSED' }))) === RETURNS, 120_000, 500);

  // Our books: one refund per return, for the full amount, and the totals moved once.
  const refunds = await engine.db('payments').where({ kind: 'refund' }).select('return_id', 'order_id', 'status', 'amount_cents', 'idempotency_key');
  expect(refunds).toHaveLength(RETURNS);
  expect(new Set(refunds.map((refund) => refund.return_id))).toEqual(new Set(returnIds));
  expect(refunds.every((refund) => refund.status === 'succeeded' && refund.amount_cents === REFUND_CENTS)).toBe(true);
  const returnTotals = await engine.db('returns').whereIn('id', returnIds).pluck('refunded_cents');
  expect(new Set(returnTotals)).toEqual(new Set([REFUND_CENTS]));
  const orderTotals = await engine.db('orders').whereIn('id', orderIds).pluck('refunded_cents');
  expect(new Set(orderTotals)).toEqual(new Set([REFUND_CENTS]));

  // The gateway's books: money went back once per return, under the return's key.
  const gateway = await engine.db('sandbox_gateway_operations').where({ kind: 'refund' }).select('idempotency_key', 'amount_cents', 'status');
  expect(gateway).toHaveLength(RETURNS);
  expect(new Set(gateway.map((operation) => operation.idempotency_key))).toEqual(new Set(refunds.map((refund) => refund.idempotency_key)));
  expect(gateway.every((operation) => operation.status === 'approved' && operation.amount_cents === REFUND_CENTS)).toBe(true);

  // The ledger: each return's restocked and damaged unit once; stock back on the shelf and in quarantine.
  const moves = await engine.db('inventory_movements').where({ kind: 'return' }).select('reference_id', 'reason_code', 'quantity');
  expect(moves).toHaveLength(RETURNS * 2);
  for (const returnId of returnIds) {
    const own = moves.filter((move) => move.reference_id === returnId).map((move) => `${move.reason_code}:${move.quantity}`);
    expect(own.sort()).toEqual(['damaged:1', 'restock:1']);
  }
  const quarantine = await engine.db('locations').where({ parent_location_id: 'WH-AUTO', kind: 'quarantine' }).first('id');
  const level = (locationId: string) => engine.db('inventory_levels').where({ sku, location_id: locationId }).first('on_hand', 'reserved');
  expect(await level('WH-AUTO')).toEqual({ on_hand: STOCK - RETURNS, reserved: 0 });
  expect(await level(quarantine.id)).toEqual({ on_hand: RETURNS, reserved: 0 });

  // An activity the killed worker finished but never reported runs again only after its start-to-close timeout.
  await eventually(() => expectInvariants(engine.db, engine.temporal).then(() => true), 90_000, 2_000);
}, 600_000);

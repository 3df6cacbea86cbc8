import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sweepScheduleId } from '../../infra/schedules';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { freePort, killed, startProcess, startWorkerProcess } from '../harness/processes';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

/**
 * Two worker processes and two API processes against one Temporal server and one Postgres, as
 * behind a load balancer: 300 orders, some waiting for stock, receipts arriving through either API,
 * and one worker killed with SIGKILL mid-run.
 */
const ORDERS = 300;
const REJECTING = 60;
const FIRST_STOCK = 180;
const RECEIPTS = [70, 50];

let engine: Engine;
const children: ChildProcess[] = [];

beforeAll(async () => {
  engine = await Engine.start({
    label: 'replicas',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
    inProcessWorker: false,
  });
  await seedWarehouse(engine.db, { id: 'WH-AUTO', mode: 'auto', priority: 10, bins: [] });
});

afterAll(async () => {
  await Promise.all(children.map((child) => killed(child)));
  await engine?.stop();
});

async function startWorker(): Promise<ChildProcess> {
  const worker = await startWorkerProcess(engine.workerEnv());
  children.push(worker);
  return worker;
}

async function startApi(): Promise<string> {
  const port = await freePort();
  children.push(await startProcess(path.join('api', 'main.ts'), engine.apiEnv(port), 'API listening'));
  return `http://127.0.0.1:${port}`;
}

async function countByStatus(): Promise<Record<string, number>> {
  const rows: { status: string; n: number }[] = await engine.db('orders').select('status').count({ n: '*' }).groupBy('status');
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

it(`${ORDERS} orders through two APIs and two workers, one worker killed: every order ends or waits where ops can see it`, async () => {
  const [doomed] = await Promise.all([startWorker(), startWorker()]);
  const apis = await Promise.all([startApi(), startApi()]);
  const sku = `REPL-${randomBytes(3).toString('hex')}`;
  await seedProduct(engine.db, sku, 1200);
  const receive = (api: string, quantity: number) =>
    engine.callAt(api, 'warehouse', 'POST', '/v1/inventory/receipts', { locationId: 'WH-AUTO', lines: [{ sku, quantity }] });
  expect((await receive(apis[0], FIRST_STOCK)).status).toBe(201);

  const policies = Array.from({ length: ORDERS }, (_, i) => (i % (ORDERS / REJECTING) === 0 ? 'reject' : 'wait'));
  const created = await Promise.all(
    policies.map((policy, i) =>
      engine.callAt(apis[i % 2], 'client', 'POST', '/v1/orders', orderRequest(`cus-${i}`, [{ sku, quantity: 1 }], { backorder: { policy } }), {
        'idempotency-key': `replica-order-${i}`,
      }),
    ),
  );
  expect(created.map((answer) => answer.status)).toEqual(policies.map(() => 201));

  await eventually(async () => ((await countByStatus()).DELIVERED ?? 0) >= 40, 180_000, 250);
  await killed(doomed);
  for (const [i, quantity] of RECEIPTS.entries()) {
    expect((await receive(apis[i % 2], quantity)).status).toBe(201);
  }

  // Stock covers every order that waits; an order that was refused (reject policy, no stock then) stays refused.
  const settled = await eventually(async () => {
    const counts = await countByStatus();
    const done = (counts.DELIVERED ?? 0) + (counts.REJECTED ?? 0);
    return done === ORDERS && counts;
  }, 420_000, 1_000);
  const delivered = settled.DELIVERED;
  expect(delivered + (settled.REJECTED ?? 0)).toBe(ORDERS);
  expect(delivered).toBeLessThanOrEqual(FIRST_STOCK + RECEIPTS[0] + RECEIPTS[1]);
  const rejected: string[] = await engine.db('orders').where({ status: 'REJECTED' }).pluck('backorder_policy');
  expect(rejected.every((policy) => policy === 'reject')).toBe(true);

  // Nothing ran twice to a wrong effect: one ledger row and one capture per delivered parcel.
  const moves = await engine.db('inventory_movements').where({ sku, kind: 'shipment' }).select('reference_id');
  expect(moves).toHaveLength(delivered);
  expect(new Set(moves.map((move) => move.reference_id)).size).toBe(delivered);
  const captures = await engine.db('sandbox_gateway_operations').where({ kind: 'capture', status: 'approved' }).count({ n: '*' }).first();
  expect(Number(captures!.n)).toBe(delivered);
  const onHand = FIRST_STOCK + RECEIPTS[0] + RECEIPTS[1] - delivered;
  expect(await engine.db('inventory_levels').where({ sku }).first('on_hand', 'reserved')).toEqual({ on_hand: onHand, reserved: 0 });
  // Both workers registered the sweep; Temporal holds one Schedule for it.
  const schedules = [];
  for await (const schedule of engine.temporal.schedule.list()) if (schedule.scheduleId === sweepScheduleId(engine.taskQueue)) schedules.push(schedule);
  expect(schedules).toHaveLength(1);

  await eventually(() => expectInvariants(engine.db, engine.temporal).then(() => true), 90_000, 2_000);
  await engine.temporal.schedule.getHandle(sweepScheduleId(engine.taskQueue)).delete();
}, 900_000);

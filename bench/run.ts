/**
 * `npm run bench [-- --orders 1000 --concurrency 100]`: pushes orders through the whole lifecycle
 * (API -> reservation -> payment -> auto pick/pack -> label -> carrier webhooks -> delivered) in an
 * `auto` warehouse with the sandbox carrier's fast timetable, then runs a baseline on the same
 * Temporal server: workflows with the same number of no-op activities and one child. Prints the
 * figures; it asserts nothing (targets live here, not in timed tests).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { SingleBar } from 'cli-progress';
import { connectClient } from '../infra/temporal';
import { findTemporalCli, installHint } from '../infra/temporal-binaries';
import { checkAllInvariants } from '../infra/workflow-invariants';
import { orderWorkflowId, shipmentWorkflowId } from '../workflows/definitions';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { orderRequest, seedProduct, seedWarehouse } from '../dev/harness/catalog';
import { Engine } from '../dev/harness/engine';
import { baselineActivities } from './baseline/activities';
import { inBatches, percentile } from './stats';

const TARGET_RATIO = 0.5;
const GOAL_RATIO = 0.8;
/** Without a terminal (CI logs) the bar is printed as a line every few seconds. */
const BAR = { noTTYOutput: true, notTTYSchedule: 3000 };
const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const raw = index >= 0 ? process.argv[index + 1] : process.env[`BENCH_${name.toUpperCase()}`];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { forward: {}, filter: 'WARN' } } });
  const orders = option('orders', 1000);
  const concurrency = option('concurrency', 100);
  const timeoutMs = option('timeout-seconds', 900) * 1000;

  const server = process.env.TEMPORAL_ADDRESS ? undefined : await startTemporal();
  const temporalAddress = process.env.TEMPORAL_ADDRESS || server!.address;
  console.log(`Temporal at ${temporalAddress}; bundling workflows…`);
  const engineBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger });
  const baselineBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./baseline/workflows'), logger: quietLogger });

  const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oms-bench-')), 'workflows.js');
  fs.writeFileSync(bundlePath, engineBundle.code);
  const engine = await Engine.start({
    label: 'bench',
    databaseUrl: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/oms',
    temporalAddress,
    workflowBundlePath: bundlePath,
    timetable: 'fast',
    carrierStepMs: 150,
  });
  try {
    const ours = await runOrders(engine, orders, concurrency, timeoutMs);
    const activities = await activitiesPerOrder(engine.temporal, ours.sampleOrderId);
    const baseline = await runBaseline(temporalAddress, baselineBundle.code, orders, concurrency, activities);
    report(orders, concurrency, ours, activities, baseline);
  } finally {
    await engine.stop();
    await server?.teardown();
  }
}

async function startTemporal(): Promise<TestWorkflowEnvironment> {
  const cli = findTemporalCli();
  if (!cli) throw new Error(`The benchmark needs a Temporal server: set TEMPORAL_ADDRESS or install the CLI. ${installHint('temporal')}`);
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: cli }, searchAttributes: ALL_SEARCH_ATTRIBUTES, extraArgs: ['--log-level', 'error'] },
  });
}

interface OrdersRun {
  seconds: number;
  rate: number;
  toShipped: number[];
  toDelivered: number[];
  lost: number;
  violations: string[];
  sampleOrderId: string;
}

async function runOrders(engine: Engine, orders: number, concurrency: number, timeoutMs: number): Promise<OrdersRun> {
  await seedWarehouse(engine.db, { id: 'WH-BENCH', mode: 'auto', priority: 10, bins: ['A-01-01'] });
  const product = await seedProduct(engine.db, `BENCH-${randomBytes(3).toString('hex')}`, 1500);
  const receipt = await engine.call('warehouse', 'POST', '/v1/inventory/receipts', {
    locationId: 'WH-BENCH',
    lines: [{ sku: product.sku, quantity: orders, bin: 'A-01-01' }],
  });
  if (receipt.status !== 201) throw new Error(`stock receipt failed: ${JSON.stringify(receipt.body)}`);

  console.log(`\nEngine: ${orders} orders, ${concurrency} in flight at a time`);
  const bar = new SingleBar({ ...BAR, format: ' delivered {bar} {value}/{total} | {rate} orders/s' });
  bar.start(orders, 0, { rate: '0.0' });
  const delivered = new DeliveryWatch(engine);
  const started = Date.now();
  const deadline = started + timeoutMs;
  const ids: string[] = [];
  // Closed loop, like the baseline: each lane places an order and waits for its delivery.
  await inBatches(Array.from({ length: orders }), concurrency, async (_, i) => {
    const answer = await engine.call('client', 'POST', '/v1/orders', orderRequest(`bench-${i % 50}`, [{ sku: product.sku, quantity: 1 }]));
    if (answer.status !== 201) throw new Error(`order ${i} was refused: ${JSON.stringify(answer.body)}`);
    ids.push(answer.body.id);
    if (await delivered.wait(answer.body.id, deadline)) {
      bar.update(delivered.count, { rate: (delivered.count / ((Date.now() - started) / 1000)).toFixed(1) });
    }
  });
  bar.stop();
  delivered.stop();
  const seconds = (Date.now() - started) / 1000;
  // Each order records DELIVERED a moment before its workflow completes; check invariants after.
  await waitUntil(deadline, async () => (await engine.temporal.workflow.count(`TaskQueue="${engine.taskQueue}" AND ExecutionStatus="Running"`)).count === 0);

  const rows: { created_at: Date; shipped_at: Date | null; delivered_at: Date | null }[] = await engine
    .db('orders as o')
    .join('shipments as s', 's.order_id', 'o.id')
    .select('o.created_at', 's.shipped_at', 's.delivered_at');
  const since = (row: { created_at: Date }, at: Date | null) => (at ? at.getTime() - row.created_at.getTime() : undefined);
  return {
    seconds,
    rate: delivered.count / seconds,
    toShipped: rows.map((row) => since(row, row.shipped_at)).filter((ms): ms is number => ms !== undefined),
    toDelivered: rows.map((row) => since(row, row.delivered_at)).filter((ms): ms is number => ms !== undefined),
    lost: orders - delivered.count,
    violations: await checkAllInvariants(engine.db, { temporal: engine.temporal, settledBeforeSeconds: 0 }),
    sampleOrderId: ids[0],
  };
}

/** One poller for every lane: which of the orders being waited for are delivered now. */
class DeliveryWatch {
  count = 0;
  private readonly waiting = new Map<string, () => void>();
  private readonly timer = setInterval(() => this.poll().catch((error) => console.error(error)), 200);

  constructor(private readonly engine: Engine) {}

  /** Resolves true once the order is DELIVERED, false at the deadline. */
  wait(orderId: string, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timeout = setTimeout(() => {
        this.waiting.delete(orderId);
        resolve(false);
      }, deadline - Date.now());
      this.waiting.set(orderId, () => {
        clearTimeout(timeout);
        resolve(true);
      });
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.waiting.size === 0) return;
    const done: string[] = await this.engine.db('orders').whereIn('id', [...this.waiting.keys()]).andWhere('status', 'DELIVERED').pluck('id');
    for (const id of done) {
      this.waiting.get(id)?.();
      this.waiting.delete(id);
      this.count += 1;
    }
  }
}

async function waitUntil(deadline: number, done: () => Promise<boolean>): Promise<void> {
  while (Date.now() < deadline && !(await done())) await new Promise((resolve) => setTimeout(resolve, 250));
}

/** Counts the activities one delivered order really ran, in the order and in its shipment. */
async function activitiesPerOrder(temporal: Client, orderId: string): Promise<{ order: number; shipment: number }> {
  const count = async (workflowId: string) => {
    const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
    return history.events!.filter((event) => event.activityTaskScheduledEventAttributes).length;
  };
  return { order: await count(orderWorkflowId(orderId)), shipment: await count(shipmentWorkflowId(orderId, 1)) };
}

async function runBaseline(
  address: string,
  bundleCode: string,
  orders: number,
  concurrency: number,
  activities: { order: number; shipment: number },
): Promise<{ seconds: number; rate: number }> {
  const taskQueue = `baseline-${randomBytes(4).toString('hex')}`;
  const connection = await NativeConnection.connect({ address });
  const client = await connectClient({ address, namespace: 'default', taskQueue });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: { code: bundleCode },
    activities: baselineActivities,
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 200,
  });
  console.log(`\nBaseline: ${orders} workflows of ${activities.order} no-op activities plus a child of ${activities.shipment}`);
  const bar = new SingleBar({ ...BAR, format: ' completed {bar} {value}/{total} | {rate} workflows/s' });
  bar.start(orders, 0, { rate: '0.0' });
  const started = Date.now();
  let done = 0;
  await worker.runUntil(
    inBatches(Array.from({ length: orders }), concurrency, async (_, i) => {
      await client.workflow.execute('baselineOrder', {
        taskQueue,
        workflowId: `${taskQueue}-${i}`,
        args: [activities.order, activities.shipment],
      });
      done += 1;
      bar.update(done, { rate: (done / ((Date.now() - started) / 1000)).toFixed(1) });
    }),
  );
  bar.stop();
  const seconds = (Date.now() - started) / 1000;
  await client.connection.close();
  await connection.close();
  return { seconds, rate: orders / seconds };
}

function report(
  orders: number,
  concurrency: number,
  ours: OrdersRun,
  activities: { order: number; shipment: number },
  baseline: { seconds: number; rate: number },
): void {
  const ms = (values: number[], p: number) => `${Math.round(percentile(values, p))} ms`;
  const ratio = ours.rate / baseline.rate;
  console.log('\nResults');
  console.table({
    'orders': orders,
    'orders in flight': concurrency,
    'activities per order (order + shipment)': `${activities.order} + ${activities.shipment}`,
    'completed orders/s': ours.rate.toFixed(1),
    'create -> shipped p50': ms(ours.toShipped, 50),
    'create -> shipped p99': ms(ours.toShipped, 99),
    'create -> delivered p50': ms(ours.toDelivered, 50),
    'create -> delivered p99': ms(ours.toDelivered, 99),
    'lost orders (must be 0)': ours.lost,
    'invariant violations (must be 0)': ours.violations.length,
    'baseline workflows/s': baseline.rate.toFixed(1),
    [`ratio ours/baseline (target >= ${TARGET_RATIO}, goal ${GOAL_RATIO})`]: ratio.toFixed(2),
  });
  for (const violation of ours.violations.slice(0, 20)) console.log(`  violation: ${violation}`);
  if (ours.lost > 0 || ours.violations.length > 0) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

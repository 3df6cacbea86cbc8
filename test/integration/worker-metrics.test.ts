import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { address, orderRequest, type Product, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { Engine } from '../../dev/harness/engine';
import { freePort, killed, startWorkerProcess } from '../harness/processes';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';
import { metricValue, scrape } from '../helpers/metrics';

/**
 * The worker as in production (worker/main.ts in a process of its own) with both metrics ports: its
 * own metrics (activity outcomes, reservations, stock-outs) and the Temporal SDK's runtime metrics;
 * the API's counters for the same orders; and the worker's JSON log lines naming workflow and order.
 */
let engine: Engine;
let worker: ChildProcess | undefined;
let workerUrl: string;
let sdkUrl: string;
/** What the worker process printed after start-up. */
let output = '';

beforeAll(async () => {
  engine = await Engine.start({
    label: 'worker-metrics',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
    inProcessWorker: false,
  });
  await seedWarehouse(engine.db, { id: 'WH-AUTO', mode: 'auto', priority: 10, bins: [] });
  const [metricsPort, temporalMetricsPort] = [await freePort(), await freePort()];
  worker = await startWorkerProcess({
    ...engine.workerEnv(),
    WORKER_METRICS_HOST: '127.0.0.1',
    WORKER_METRICS_PORT: String(metricsPort),
    WORKER_TEMPORAL_METRICS_PORT: String(temporalMetricsPort),
  });
  worker.stdout!.on('data', (chunk) => (output += chunk));
  worker.stderr!.on('data', (chunk) => (output += chunk));
  workerUrl = `http://127.0.0.1:${metricsPort}`;
  sdkUrl = `http://127.0.0.1:${temporalMetricsPort}`;
});

afterAll(async () => {
  if (worker) await killed(worker);
  await engine?.stop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

async function product(quantity: number): Promise<Product> {
  const seeded = await seedProduct(engine.db, unique('SKU'), 1500);
  if (quantity > 0) {
    const answer = await engine.call('warehouse', 'POST', '/v1/inventory/receipts', { locationId: 'WH-AUTO', lines: [{ sku: seeded.sku, quantity }] });
    expect(answer.status).toBe(201);
  }
  return seeded;
}

async function placeOrder(lines: { sku: string; quantity: number }[], extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), lines, { channel: 'marketplace', ...extra }));
  expect(answer.status).toBe(201);
  return answer.body.id;
}

async function orderOnceItIs(orderId: string, status: string): Promise<void> {
  await eventually(async () => (await engine.call('client', 'GET', `/v1/orders/${orderId}`)).body.status === status, 90_000);
}

it('exports activity outcomes, reservations and stock-outs, the SDK runtime metrics, and the API counters of the same orders', async () => {
  const apiBefore = await scrape(engine.apiUrl, engine.keys.ops);
  const stocked = await product(10);
  const missing = await product(0);

  const delivered = await placeOrder([{ sku: stocked.sku, quantity: 2 }]);
  const waiting = await placeOrder([{ sku: missing.sku, quantity: 3 }], { backorder: { policy: 'wait' } });
  const refused = await placeOrder([{ sku: stocked.sku, quantity: 1 }], { shippingAddress: { ...address, line1: '1 UNDELIVERABLE Road' } });
  await orderOnceItIs(waiting, 'BACKORDERED');
  await orderOnceItIs(refused, 'FAILED');
  await orderOnceItIs(delivered, 'DELIVERED');

  const own = await scrape(workerUrl);
  expect(metricValue(own, 'oms_activity_executions_total', { activity_type: 'reserveStock', outcome: 'completed' })).toBeGreaterThanOrEqual(3);
  expect(metricValue(own, 'oms_activity_executions_total', { outcome: 'failed', failure_type: 'carrier_refused' })).toBeGreaterThanOrEqual(1);
  expect(metricValue(own, 'oms_activity_duration_seconds_count', { activity_type: 'reserveStock', outcome: 'completed' })).toBeGreaterThanOrEqual(3);
  expect(metricValue(own, 'oms_units_reserved_total', { location: 'WH-AUTO' })).toBeGreaterThanOrEqual(3);
  expect(metricValue(own, 'oms_stock_outs_total')).toBeGreaterThanOrEqual(1);
  expect(metricValue(own, 'oms_units_short_total')).toBeGreaterThanOrEqual(3);
  expect(own).toContain('nodejs_heap_size_used_bytes');
  // Ids never become labels.
  for (const id of [delivered, waiting, refused]) expect(own).not.toContain(id);

  const sdk = await scrape(sdkUrl);
  const activityRuns = metricValue(sdk, 'temporal_activity_execution_latency_count') + metricValue(sdk, 'temporal_local_activity_execution_latency_count');
  expect(activityRuns).toBeGreaterThanOrEqual(3);
  expect(metricValue(sdk, 'temporal_workflow_completed')).toBeGreaterThanOrEqual(1);
  expect(metricValue(sdk, 'temporal_worker_task_slots_available', { worker_type: 'ActivityWorker' })).toBeGreaterThan(0);

  const api = await scrape(engine.apiUrl, engine.keys.ops);
  const apiDelta = (name: string, labels: Record<string, string>) => metricValue(api, name, labels) - metricValue(apiBefore, name, labels);
  expect(apiDelta('oms_orders_created_total', { channel: 'marketplace' })).toBe(3);
  // The sandbox carrier's signed tracking events for the delivered parcel.
  expect(apiDelta('oms_webhook_requests_total', { carrier: 'sandbox', outcome: 'accepted' })).toBeGreaterThanOrEqual(1);

  await expectInvariants(engine.db, engine.temporal);
});

it("logs JSON lines, an activity's and a workflow's with its workflow id and order id", async () => {
  const lines = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const refusal = lines.find((line) => line.msg === 'Activity failed' && String(line.workflowId).startsWith('shipment:'));
  expect(refusal).toMatchObject({ level: 'warn', activityType: expect.any(String), error: { failureType: 'carrier_refused' } });
  expect(refusal!.workflowId).toBe(`shipment:${refusal!.orderId}:1`);
  // The shipment workflow's own line about the same refusal (workflows/log-attributes.ts adds orderId).
  const noLabel = lines.find((line) => line.msg === 'no label' && line.workflowId === refusal!.workflowId);
  expect(noLabel).toMatchObject({ level: 'warn', sdkComponent: 'workflow', orderId: refusal!.orderId, runId: expect.any(String) });
});

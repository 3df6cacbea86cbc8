/**
 * `--scenario lifecycle` (the default): orders through the whole lifecycle (API -> reservation ->
 * payment -> auto pick/pack -> label -> carrier webhooks -> delivered) in an `auto` warehouse with
 * the sandbox carrier's fast timetable, closed loop (each lane places an order and waits for its
 * delivery). Then a baseline on the same Temporal server: workflows with the same number of no-op
 * activities and one child. Counts and throughput come from the orders table, not from the lanes.
 * ratio = our delivered orders/s / baseline workflows/s.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { SingleBar } from 'cli-progress';
import { orderRequest, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { Engine } from '../../dev/harness/engine';
import { connectClient } from '../../infra/temporal';
import { checkAllInvariants } from '../../infra/workflow-invariants';
import { orderWorkflowId, shipmentWorkflowId } from '../../workflows/definitions';
import { baselineActivities } from '../baseline/activities';
import type { ActivityCounts } from '../baseline/workflows';
import { FigureCheck, fmt, latencyRow, ms, printFigures } from '../report';
import { type BenchContext, type Scenario, waitUntil } from '../scenario';
import { inBatches, Latencies, ratePerSecond, summarize } from '../stats';
import { historyEvents, quietLogger } from '../temporal';

const TARGET_RATIO = 0.5;
const GOAL_RATIO = 0.8;
/** Ours does every activity the baseline does plus real work and the carrier's timetable: above this it was not measured alike. */
const MAX_PLAUSIBLE_RATIO = 1.5;
/** Delay between a parcel's tracking events: four movements to delivery. */
const CARRIER_STEP_MS = 150;
const CARRIER_MOVEMENTS = 4;
/** Orders whose histories are fetched and counted. */
const HISTORY_SAMPLE = 20;
/** The marker a local activity leaves in the history (the SDK core's name). */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
/** Without a terminal (CI logs) the bar is printed as a line every few seconds. */
const BAR = { noTTYOutput: true, notTTYSchedule: 3000 };

export const lifecycleScenario: Scenario = async (context) => {
  const { orders, concurrency, timeoutSeconds } = context.options;
  const temporal = await context.temporal();
  const baselineBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../baseline/workflows'), logger: quietLogger });
  const engine = await Engine.start({
    label: 'bench',
    databaseUrl: context.databaseUrl,
    temporalAddress: temporal.address,
    workflowBundlePath: await context.workflowBundlePath(),
    timetable: 'fast',
    carrierStepMs: CARRIER_STEP_MS,
  });
  try {
    const ours = await runOrders(engine, orders, concurrency, Date.now() + timeoutSeconds * 1000);
    const histories = await orderHistories(engine, ours.sampleOrderIds);
    // The baseline has the server to itself: the engine's worker stops (it is idle unless orders timed out).
    await engine.stopWorker();
    const baseline = await runBaseline(temporal.address, baselineBundle.code, orders, concurrency, histories.activities);
    return report(context, ours, histories, baseline);
  } finally {
    await engine.stop();
  }
};

interface OrdersRun {
  /** 201 answers the lanes received. */
  accepted: number;
  /** Orders the lanes saw DELIVERED (each counted once). */
  seenDelivered: number;
  /** Lanes whose order was not DELIVERED by --timeout-seconds. */
  timedOut: number;
  wallMs: number;
  /** From the orders table. */
  created: number;
  delivered: number;
  notDelivered: Record<string, number>;
  /** First created_at to last delivered order's closed_at. */
  dbSpanMs: number;
  toShipped: Latencies;
  toDelivered: Latencies;
  violations: string[];
  sampleOrderIds: string[];
}

async function runOrders(engine: Engine, orders: number, concurrency: number, deadline: number): Promise<OrdersRun> {
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
  const watch = new DeliveryWatch(engine);
  const started = Date.now();
  let accepted = 0;
  let timedOut = 0;
  try {
    // Closed loop, like the baseline: each lane places an order and waits for its delivery.
    await inBatches(Array.from({ length: orders }), concurrency, async (_, i) => {
      const answer = await engine.call('client', 'POST', '/v1/orders', orderRequest(`bench-${i % 50}`, [{ sku: product.sku, quantity: 1 }]), {
        'idempotency-key': `bench-lifecycle-${i}`,
      });
      if (answer.status !== 201) throw new Error(`order ${i} was refused: ${JSON.stringify(answer.body)}`);
      accepted += 1;
      if (await watch.wait(answer.body.id, deadline)) {
        bar.update(watch.count, { rate: ratePerSecond(watch.count, Date.now() - started).toFixed(1) });
      } else {
        timedOut += 1;
      }
    });
  } finally {
    bar.stop();
    watch.stop();
  }
  const wallMs = Date.now() - started;
  // Each order records DELIVERED a moment before its workflow completes; check invariants after.
  await waitUntil(deadline, async () => (await engine.temporal.workflow.count(`TaskQueue="${engine.taskQueue}" AND ExecutionStatus="Running"`)).count === 0);

  // One statement, one snapshot: every count and latency below comes from the same rows.
  const rows: { id: string; status: string; created_ms: number; closed_ms: number | null }[] = await engine.db('orders').select(
    'id',
    'status',
    engine.db.raw('(extract(epoch FROM created_at) * 1000)::float8 AS created_ms'),
    engine.db.raw('(extract(epoch FROM closed_at) * 1000)::float8 AS closed_ms'),
  );
  const delivered = rows.filter((row) => row.status === 'DELIVERED');
  const notDelivered: Record<string, number> = {};
  for (const row of rows) if (row.status !== 'DELIVERED') notDelivered[row.status] = (notDelivered[row.status] ?? 0) + 1;
  const firstCreated = rows.reduce((first, row) => Math.min(first, row.created_ms), Infinity);
  const lastDelivered = delivered.reduce((last, row) => Math.max(last, row.closed_ms ?? NaN), -Infinity);
  const shipped: { to_shipped_ms: number }[] = await engine.db('orders as o')
    .join('shipments as s', 's.order_id', 'o.id')
    .whereNotNull('s.shipped_at')
    .select(engine.db.raw('(extract(epoch FROM s.shipped_at - o.created_at) * 1000)::float8 AS to_shipped_ms'));
  return {
    accepted,
    seenDelivered: watch.count,
    wallMs,
    timedOut,
    created: rows.length,
    delivered: delivered.length,
    notDelivered,
    dbSpanMs: delivered.length > 0 ? lastDelivered - firstCreated : NaN,
    toShipped: summarize(shipped.map((row) => row.to_shipped_ms)),
    toDelivered: summarize(delivered.map((row) => (row.closed_ms ?? NaN) - row.created_ms)),
    violations: await checkAllInvariants(engine.db, { temporal: engine.temporal, settledBeforeSeconds: 0 }),
    sampleOrderIds: delivered.slice(0, HISTORY_SAMPLE).map((row) => row.id),
  };
}

/**
 * One poller for every lane: which of the orders being waited for are DELIVERED now. Polls never
 * overlap and an order is counted only when it leaves the waiting set, so none counts twice.
 */
class DeliveryWatch {
  count = 0;
  private readonly waiting = new Map<string, () => void>();
  private polling = false;
  private readonly timer = setInterval(() => void this.poll(), 200);

  constructor(private readonly engine: Engine) {}

  /** Resolves true once the order is DELIVERED, false at the deadline. */
  wait(orderId: string, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timeout = setTimeout(() => {
        this.waiting.delete(orderId);
        resolve(false);
      }, Math.max(0, deadline - Date.now()));
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
    if (this.polling || this.waiting.size === 0) return;
    this.polling = true;
    try {
      const done: string[] = await this.engine.db('orders').whereIn('id', [...this.waiting.keys()]).andWhere('status', 'DELIVERED').pluck('id');
      for (const id of done) {
        const resolve = this.waiting.get(id);
        if (!resolve) continue;
        this.waiting.delete(id);
        this.count += 1;
        resolve();
      }
    } catch (error) {
      console.error(error);
    } finally {
      this.polling = false;
    }
  }
}

interface Histories {
  /** History events per order: its workflow plus its shipment children. */
  perOrder: Latencies;
  orderWorkflow: Latencies;
  shipments: Latencies;
  /** Activities the first sampled order ran, in the order and in its shipment. */
  activities: { order: ActivityCounts; shipment: ActivityCounts };
}

async function orderHistories(engine: Engine, orderIds: string[]): Promise<Histories> {
  const perOrder: number[] = [];
  const orderEvents: number[] = [];
  const shipmentEvents: number[] = [];
  let activities = { order: { remote: 0, local: 0 }, shipment: { remote: 0, local: 0 } };
  for (const orderId of orderIds) {
    const order = await historyEvents(engine.temporal, orderWorkflowId(orderId));
    const shipmentNos: number[] = await engine.db('shipments').where({ order_id: orderId }).pluck('shipment_no');
    let shipments = 0;
    for (const shipmentNo of shipmentNos) {
      const events = await historyEvents(engine.temporal, shipmentWorkflowId(orderId, shipmentNo));
      shipmentEvents.push(events);
      shipments += events;
    }
    orderEvents.push(order);
    perOrder.push(order + shipments);
  }
  if (orderIds.length > 0) {
    activities = {
      order: await activitiesIn(engine.temporal, orderWorkflowId(orderIds[0])),
      shipment: await activitiesIn(engine.temporal, shipmentWorkflowId(orderIds[0], 1)),
    };
  }
  return { perOrder: summarize(perOrder), orderWorkflow: summarize(orderEvents), shipments: summarize(shipmentEvents), activities };
}

/** Regular activities (ActivityTaskScheduled) and local ones (their markers) in one workflow's history. */
async function activitiesIn(temporal: Client, workflowId: string): Promise<ActivityCounts> {
  const events = (await temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return {
    remote: events.filter((event) => event.activityTaskScheduledEventAttributes).length,
    local: events.filter((event) => event.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER).length,
  };
}

const total = ({ remote, local }: ActivityCounts) => remote + local;

function describeActivities({ remote, local }: ActivityCounts): string {
  return `${remote} regular + ${local} local`;
}

interface BaselineRun {
  completed: number;
  wallMs: number;
  latencies: Latencies;
  /** History events per baseline workflow (parent plus its child). */
  events: Latencies;
}

async function runBaseline(
  address: string,
  bundleCode: string,
  orders: number,
  concurrency: number,
  activities: { order: ActivityCounts; shipment: ActivityCounts },
): Promise<BaselineRun> {
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
  console.log(`\nBaseline: ${orders} workflows of ${describeActivities(activities.order)} no-op activities plus a child of ${describeActivities(activities.shipment)}`);
  const bar = new SingleBar({ ...BAR, format: ' completed {bar} {value}/{total} | {rate} workflows/s' });
  bar.start(orders, 0, { rate: '0.0' });
  const latencies: number[] = [];
  const started = Date.now();
  try {
    await worker.runUntil(
      inBatches(Array.from({ length: orders }), concurrency, async (_, i) => {
        const start = performance.now();
        await client.workflow.execute('baselineOrder', {
          taskQueue,
          workflowId: `${taskQueue}-${i}`,
          args: [activities.order, activities.shipment],
        });
        latencies.push(performance.now() - start);
        bar.update(latencies.length, { rate: ratePerSecond(latencies.length, Date.now() - started).toFixed(1) });
      }),
    );
  } finally {
    bar.stop();
  }
  const wallMs = Date.now() - started;
  const events: number[] = [];
  for (let i = 0; i < Math.min(HISTORY_SAMPLE, orders); i += 1) {
    const workflowId = `${taskQueue}-${i}`;
    events.push((await historyEvents(client, workflowId)) + (await historyEvents(client, `${workflowId}:shipment`)));
  }
  await client.connection.close();
  await connection.close();
  return { completed: latencies.length, wallMs, latencies: summarize(latencies), events: summarize(events) };
}

function report(context: BenchContext, ours: OrdersRun, histories: Histories, baseline: BaselineRun) {
  const { orders, concurrency } = context.options;
  const oursRate = ratePerSecond(ours.delivered, ours.dbSpanMs);
  const baselineRate = ratePerSecond(baseline.completed, baseline.wallMs);
  const ratio = oursRate / baselineRate;
  const lost = ours.created - ours.delivered;
  const events = (figures: Latencies) => `mean ${fmt(figures.mean, 1)} (min ${fmt(figures.min)}, max ${fmt(figures.max)}, n=${figures.count})`;

  printFigures('Results (counts and throughput from the orders table)', [
    ['orders requested / accepted (201)', `${orders} / ${ours.accepted}`],
    ['orders in flight', concurrency],
    ['orders in the database', ours.created],
    ['DELIVERED in the database', ours.delivered],
    ['lost orders: not DELIVERED at the end (must be 0)', `${lost}${lost > 0 ? ` ${JSON.stringify(ours.notDelivered)}` : ''}`],
    ['invariant violations (must be 0)', ours.violations.length],
    ['activities per order workflow (as in the baseline)', describeActivities(histories.activities.order)],
    ['activities per shipment workflow (as in the baseline)', describeActivities(histories.activities.shipment)],
    ['history events per order (order + shipments)', events(histories.perOrder)],
    ['  of which the order workflow', events(histories.orderWorkflow)],
    ['  of which each shipment workflow', events(histories.shipments)],
    ['history events per baseline workflow (+ child)', events(baseline.events)],
    ['delivered orders/s (first created -> last delivered)', `${fmt(oursRate, 1)} (${ours.delivered} in ${fmt(ours.dbSpanMs / 1000, 1)} s)`],
    latencyRow('ours: create -> shipped', ours.toShipped),
    latencyRow('ours: create -> delivered', ours.toDelivered),
    ['  of which the carrier timetable', ms(CARRIER_STEP_MS * CARRIER_MOVEMENTS)],
    ['baseline workflows/s', `${fmt(baselineRate, 1)} (${baseline.completed} in ${fmt(baseline.wallMs / 1000, 1)} s)`],
    latencyRow('baseline: start -> completed', baseline.latencies),
    [`ratio ours/baseline (target >= ${TARGET_RATIO}, goal ${GOAL_RATIO})`, `${fmt(ratio, 2)} ${ratio >= TARGET_RATIO ? '(target met)' : '(BELOW TARGET)'}`],
  ]);
  for (const violation of ours.violations.slice(0, 20)) console.log(`  violation: ${violation}`);

  const check = new FigureCheck();
  if (ours.timedOut > 0) {
    check.fail(
      `${ours.timedOut} lanes gave up on their order after --timeout-seconds ${context.options.timeoutSeconds}: ` +
        'the orders were still on their way (a loaded machine needs a longer timeout or fewer --orders), so the figures describe a run cut short',
    );
  }
  check
    .count('orders in the database', ours.created)
    .count('DELIVERED orders', ours.delivered)
    .same('orders in the database', ours.created, '201 answers', ours.accepted)
    .atMost('DELIVERED orders', ours.delivered, 'orders created', ours.created)
    .atMost('orders the lanes saw delivered', ours.seenDelivered, 'DELIVERED orders in the database', ours.delivered)
    .mustBeZero('lost orders (not DELIVERED at the end)', lost)
    .mustBeZero('invariant violations', ours.violations.length)
    .atMost('first created -> last delivered (ms)', ours.dbSpanMs, 'the whole run (ms) + 1 s clock slack', ours.wallMs + 1000)
    .positive('delivered orders/s', oursRate)
    .positive('baseline workflows/s', baselineRate)
    .same('baseline workflows completed', baseline.completed, 'baseline workflows started', orders)
    .latencies('ours: create -> delivered', ours.toDelivered, ours.delivered, ours.wallMs)
    .latencies('ours: create -> shipped', ours.toShipped, ours.toShipped.count, ours.wallMs)
    .latencies('baseline: start -> completed', baseline.latencies, baseline.completed, baseline.wallMs)
    .positive('history events per order', histories.perOrder.mean)
    .positive('activities per order (both kinds, order and shipment)', total(histories.activities.order) + total(histories.activities.shipment))
    .positive('history events per baseline workflow', baseline.events.mean)
    .ratio('ratio ours/baseline', ratio, { max: MAX_PLAUSIBLE_RATIO });
  if (ours.delivered > 0 && ours.toDelivered.p50 < CARRIER_STEP_MS * CARRIER_MOVEMENTS) {
    check.impossible.push(`create -> delivered p50 ${ms(ours.toDelivered.p50)} is shorter than the carrier's own timetable`);
  }
  return { ratio, check };
}

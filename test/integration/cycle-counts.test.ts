import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, type Product, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { cycleCountScheduleId, startCycleCounting } from '../../infra/schedules';
import { adjustmentWorkflowId } from '../../workflows/adjustment-definitions';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

/**
 * Cycle counts through the HTTP API on the real Temporal dev server and Postgres: ABC classes from
 * real shipments (an `auto` warehouse ships orders by itself), tasks planned by the Schedule's
 * workflow, blind counting, and variances as count corrections under the approval threshold (500
 * cents; products cost 100 a unit). A `manual` warehouse keeps reservations for the below-reserved case.
 */
let engine: Engine;
const AUTO = 'WH-CNT';
const MANUAL = 'WH-CNT-M';
const THRESHOLD_CENTS = 500;
const plan = { intervalDays: { A: 30, B: 91, C: 365 }, abcWindowDays: 90 };

let fast: Product;
let mid: Product;
let slow: Product;

beforeAll(async () => {
  engine = await Engine.start({
    label: 'cycle-counts',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
  });
  engine.config.adjustments.approvalThresholdCents = THRESHOLD_CENTS;
  await seedWarehouse(engine.db, { id: AUTO, mode: 'auto', priority: 10, bins: ['A-01', 'B-02', 'C-03'] });
  await seedWarehouse(engine.db, { id: MANUAL, mode: 'manual', priority: 20, bins: ['M-01'] });
  fast = await stocked(AUTO, 20, 'A-01');
  mid = await stocked(AUTO, 20, 'B-02');
  slow = await stocked(AUTO, 20, 'C-03');
  // Value shipped: fast 8 x 100, mid 1 x 100, slow nothing -> A, B, C.
  await Promise.all([deliver(fast.sku, 8), deliver(mid.sku, 1)]);
});

afterEach(async () => {
  await expectInvariants(engine.db, engine.temporal);
});

afterAll(async () => {
  await engine?.stop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

async function stocked(locationId: string, units: number, bin?: string): Promise<Product> {
  const product = await seedProduct(engine.db, unique('CNT'), 1000);
  const answer = await engine.call('warehouse', 'POST', '/v1/inventory/receipts', { locationId, lines: [{ sku: product.sku, quantity: units, bin }] });
  expect(answer.status).toBe(201);
  return product;
}

async function orderOnceItIs(orderId: string, status: string) {
  return eventually(async () => {
    const answer = await engine.call('ops', 'GET', `/v1/orders/${orderId}`);
    return answer.body.status === status ? answer.body : undefined;
  }, 60_000);
}

async function deliver(sku: string, quantity: number): Promise<void> {
  const answer = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), [{ sku, quantity }]));
  expect(answer.status).toBe(201);
  await orderOnceItIs(answer.body.id, 'DELIVERED');
}

async function onHand(sku: string, locationId = AUTO): Promise<number> {
  return (await engine.db('inventory_levels').where({ sku, location_id: locationId }).first()).on_hand;
}

const runPlanner = () =>
  engine.temporal.workflow.execute('cycleCountWorkflow', { taskQueue: engine.taskQueue, workflowId: unique('cycle-counts-test'), args: [plan] });

const openTasks = async (locationId = AUTO) => (await engine.call('warehouse', 'GET', `/v1/count-tasks?locationId=${locationId}`)).body.data;
const answer = (taskId: string, body: object, headers: Record<string, string> = {}) =>
  engine.call('warehouse', 'POST', `/v1/count-tasks/${taskId}/answer`, body, headers);
const taskCount = async () => Number((await engine.db('count_tasks').count({ n: '*' }).first())!.n);

describe('the cycle-count Schedule', () => {
  it('is created once however many workers start, and runs the planner workflow', async () => {
    const settings = { ...plan, every: '1d' };
    await Promise.all([startCycleCounting(engine.temporal, engine.taskQueue, settings), startCycleCounting(engine.temporal, engine.taskQueue, settings)]);
    const handle = engine.temporal.schedule.getHandle(cycleCountScheduleId(engine.taskQueue));
    try {
      const description = await handle.describe();
      expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'cycleCountWorkflow', taskQueue: engine.taskQueue });
    } finally {
      await handle.delete();
    }
  });

  it('plans one task per due SKU at its bin, classed by value shipped over 90 days, and nothing twice', async () => {
    const first = await runPlanner();
    expect(first.tasksCreated).toBe(3);
    const tasks = await openTasks();
    expect(tasks.map((task: any) => [task.sku, task.bin, task.class])).toEqual(
      expect.arrayContaining([
        [fast.sku, 'A-01', 'A'],
        [mid.sku, 'B-02', 'B'],
        [slow.sku, 'C-03', 'C'],
      ]),
    );
    expect(tasks).toHaveLength(3);
    expect(await runPlanner()).toMatchObject({ tasksCreated: 0 });
  });

  it('is blind: the counter never sees the expected quantity', async () => {
    const [task] = await openTasks();
    expect(Object.keys(task).sort()).toEqual(['bin', 'class', 'createdAt', 'id', 'locationId', 'name', 'sku', 'status', 'upc']);
  });
});

describe('answering count tasks', () => {
  const taskOf = async (sku: string) => (await openTasks()).find((task: any) => task.sku === sku);

  it('an exact count changes nothing; a task answered twice is refused', async () => {
    const task = await taskOf(fast.sku);
    const counted = await onHand(fast.sku);
    const first = await answer(task.id, { countedQuantity: counted, sku: fast.sku, bin: 'A-01' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ id: task.id, status: 'COUNTED', countedQuantity: counted, correction: null });
    const again = await answer(task.id, { countedQuantity: counted + 1 });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('count_already_answered');
    expect(await onHand(fast.sku)).toBe(counted);
  });

  it('a small variance is a count_correction ledger row at once', async () => {
    const task = await taskOf(mid.sku);
    const expected = await onHand(mid.sku);
    const counted = await answer(task.id, { countedQuantity: expected - 1 });
    expect(counted.body.correction).toMatchObject({ status: 'APPLIED' });
    expect(await onHand(mid.sku)).toBe(expected - 1);
    const ledger = await engine.db('inventory_movements').where({ reference_type: 'count_task', reference_id: task.id });
    expect(ledger).toEqual([expect.objectContaining({ sku: mid.sku, quantity: -1, kind: 'count_correction' })]);
  });

  it('a variance over the threshold waits for ops, filterable as a count correction in Temporal', async () => {
    const task = await taskOf(slow.sku);
    const expected = await onHand(slow.sku);
    const counted = await answer(task.id, { countedQuantity: expected + 10 });
    const { adjustmentId, status } = counted.body.correction;
    expect(status).toBe('PENDING_APPROVAL');
    expect(await onHand(slow.sku)).toBe(expected);
    await eventually(async () => {
      for await (const run of engine.temporal.workflow.list({ query: `AdjustmentStatus = 'PENDING_APPROVAL' AND WorkflowType = 'countCorrectionWorkflow'` })) {
        if (run.workflowId === adjustmentWorkflowId(adjustmentId)) return true;
      }
      return undefined;
    }, 30_000);
    const approved = await engine.call('ops', 'POST', `/v1/inventory/adjustments/${adjustmentId}/approve`, {});
    expect(approved.body).toMatchObject({ kind: 'count_correction', status: 'APPLIED', countTaskId: task.id });
    expect(await onHand(slow.sku)).toBe(expected + 10);
  });

  it('a count that would drop on_hand below reserved waits for ops until the reservation goes', async () => {
    const reservedSku = await stocked(MANUAL, 5, 'M-01');
    const order = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), [{ sku: reservedSku.sku, quantity: 4 }]));
    await orderOnceItIs(order.body.id, 'FULFILLING');
    const requested = await engine.call('warehouse', 'POST', '/v1/count-tasks', { locationId: MANUAL, sku: reservedSku.sku });
    expect(requested.status).toBe(201);
    expect(requested.body).toMatchObject({ bin: 'M-01', status: 'OPEN' });

    const counted = await answer(requested.body.id, { countedQuantity: 2 });
    const { adjustmentId } = counted.body.correction;
    expect((await engine.call('ops', 'GET', `/v1/inventory/adjustments/${adjustmentId}`)).body).toMatchObject({
      status: 'PENDING_APPROVAL',
      approvalReason: 'below_reserved',
      lines: [expect.objectContaining({ quantity: -3 })],
    });
    expect(await onHand(reservedSku.sku, MANUAL)).toBe(5);
    const refused = await engine.call('ops', 'POST', `/v1/inventory/adjustments/${adjustmentId}/approve`, {});
    expect(refused.body.code).toBe('below_reserved');

    expect((await engine.call('client', 'POST', `/v1/orders/${order.body.id}/cancel`, { reason: 'stock is not there' })).status).toBe(200);
    const approved = await engine.call('ops', 'POST', `/v1/inventory/adjustments/${adjustmentId}/approve`, {});
    expect(approved.body.status).toBe('APPLIED');
    expect(await onHand(reservedSku.sku, MANUAL)).toBe(2);
  });

  it('refuses a kit (kit_not_stockable: its components are counted), with nothing written', async () => {
    const kit = await seedProduct(engine.db, unique('CNT-KIT'), 3000);
    await engine.db('products').where({ sku: kit.sku }).update({ kind: 'kit' });
    await engine.db('kit_components').insert({ kit_sku: kit.sku, component_sku: slow.sku, quantity: 2 });
    const before = await taskCount();
    const refused = await engine.call('warehouse', 'POST', '/v1/count-tasks', { locationId: AUTO, sku: kit.sku });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('kit_not_stockable');
    expect(await taskCount()).toBe(before);
  });

  it('refuses a SKU or bin not at the location, with nothing written', async () => {
    const elsewhere = await stocked(MANUAL, 1);
    const before = await taskCount();
    const notHere = await engine.call('warehouse', 'POST', '/v1/count-tasks', { locationId: AUTO, sku: elsewhere.sku });
    expect(notHere.status).toBe(422);
    expect(notHere.body.code).toBe('sku_not_at_location');
    const noBin = await engine.call('warehouse', 'POST', '/v1/count-tasks', { locationId: MANUAL, sku: elsewhere.sku, bin: 'A-01' });
    expect(noBin.status).toBe(422);
    expect(noBin.body.code).toBe('unknown_bin');
    expect(await taskCount()).toBe(before);

    const task = await engine.call('warehouse', 'POST', '/v1/count-tasks', { locationId: MANUAL, sku: elsewhere.sku });
    const wrongBin = await answer(task.body.id, { countedQuantity: 1, bin: 'A-01' });
    expect(wrongBin.status).toBe(422);
    expect(wrongBin.body.code).toBe('unknown_bin');
    const wrongSku = await answer(task.body.id, { countedQuantity: 1, sku: fast.sku });
    expect(wrongSku.status).toBe(422);
    expect(wrongSku.body.code).toBe('sku_not_in_task');
    expect((await engine.db('count_tasks').where({ id: task.body.id }).first()).status).toBe('OPEN');
  });
});

describe('GET /v1/reports/count-accuracy', () => {
  it('reports accuracy in units and value per class, for ops only', async () => {
    expect((await engine.call('warehouse', 'GET', '/v1/reports/count-accuracy')).status).toBe(403);
    const report = await engine.call('ops', 'GET', '/v1/reports/count-accuracy');
    expect(report.status).toBe(200);
    const byClass = Object.fromEntries(report.body.data.map((row: any) => [row.class, row]));
    expect(byClass.A).toMatchObject({ tasksCounted: 1, tasksExact: 1, varianceUnits: 0, unitAccuracy: 1, valueAccuracy: 1 });
    expect(byClass.B).toMatchObject({ tasksCounted: 1, tasksExact: 0, varianceUnits: 1, varianceValueCents: 100 });
    expect(byClass.B.unitAccuracy).toBeCloseTo(1 - 1 / byClass.B.expectedUnits);
    // C: slow (+10) and the below-reserved count (-3).
    expect(byClass.C).toMatchObject({ tasksCounted: 2, tasksExact: 0, varianceUnits: 13, varianceValueCents: 1300 });
    const future = await engine.call('ops', 'GET', `/v1/reports/count-accuracy?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
    expect(future.body.data.every((row: any) => row.tasksCounted === 0 && row.unitAccuracy === null)).toBe(true);
  });
});

describe("the counter's list", () => {
  it("follows the bins' walking order (sequence, then code), tasks without a bin first, across pages", async () => {
    const site = unique('WH-WALK');
    await seedWarehouse(engine.db, { id: site, mode: 'manual', priority: 40, bins: ['A-01', 'B-01', 'C-01', 'D-01'] });
    // Walked C, then A and D (same place: by code), then B.
    for (const [code, sequence] of [['C-01', 1], ['A-01', 2], ['D-01', 2], ['B-01', 3]] as const) {
      await engine.db('bins').where({ location_id: site, code }).update({ sequence });
    }
    const inA = await stocked(site, 1, 'A-01');
    const inB = await stocked(site, 1, 'B-01');
    const inC = await stocked(site, 1, 'C-01');
    const inD = await stocked(site, 1, 'D-01');
    const loose = await stocked(site, 1);
    for (const product of [inA, inB, inC, inD, loose]) {
      expect((await engine.call('warehouse', 'POST', '/v1/count-tasks', { locationId: site, sku: product.sku })).status).toBe(201);
    }
    const walk = [loose, inC, inA, inD, inB].map((product) => product.sku);
    expect((await openTasks(site)).map((task: any) => task.sku)).toEqual(walk);

    const page = (cursor?: string) => engine.call('warehouse', 'GET', `/v1/count-tasks?locationId=${site}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const answer = await page(cursor);
      expect(answer.status).toBe(200);
      seen.push(...answer.body.data.map((task: any) => task.sku));
      cursor = answer.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(walk);
  });
});

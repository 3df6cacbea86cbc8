import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { apiErrorFromTemporal } from '../../api/temporal-errors';
import { createApiKey } from '../../infra/api-keys';
import { eventually } from '../helpers/eventually';
import { Refusal, type ShipmentInput, shipmentStatusQuery, shipmentWorkflowId } from '../../workflows/definitions';
import {
  type ApiTest,
  bearer,
  insertOrder,
  insertShipment,
  type SeededProduct,
  seedLocation,
  seedProduct,
  startApiTest,
  finishApiTest,
} from '../helpers/api';

let t: ApiTest;
let warehouse: string;
let products: SeededProduct[];

beforeAll(async () => {
  t = await startApiTest();
  warehouse = `${t.prefix}-WH`;
  await seedLocation(t.db, warehouse, ['A-01', 'C-03', 'B-02']);
  products = [];
  for (const name of ['CUP', 'MUG', 'JAR']) products.push(await seedProduct(t.db, `${t.prefix}-${name}`));
  const [cup, mug] = products;
  await t.db('bin_assignments').insert([
    { sku: cup.sku, location_id: warehouse, bin_code: 'C-03' },
    { sku: mug.sku, location_id: warehouse, bin_code: 'A-01' },
  ]);
});

afterAll(() => finishApiTest(t));

let orderCount = 0;
/** An order with one shipment at the test warehouse, written as the workflows' activities would. */
async function shipment(status: 'AWAITING_PICK' | 'AWAITING_PACK' | 'LABELLED', createdAt: Date, trackingNumber?: string) {
  const [cup, mug, jar] = products;
  orderCount += 1;
  const orderId = `ord_${t.prefix}wh${orderCount}`;
  await insertOrder(t, { id: orderId, customerId: `${t.prefix}-cust`, createdAt, sku: cup.sku });
  await t.db('order_lines').insert([
    { order_id: orderId, line_no: 2, sku: mug.sku, quantity: 2, unit_price_cents: 1000 },
    { order_id: orderId, line_no: 3, sku: jar.sku, quantity: 1, unit_price_cents: 1000 },
  ]);
  const id = await insertShipment(t.db, {
    orderId,
    shipmentNo: 1,
    locationId: warehouse,
    status,
    createdAt,
    trackingNumber,
    lines: [
      { lineNo: 1, sku: cup.sku, quantity: 1 },
      { lineNo: 2, sku: mug.sku, quantity: 2 },
      { lineNo: 3, sku: jar.sku, quantity: 1 },
    ],
  });
  return { id, orderId, workflowId: shipmentWorkflowId(orderId, 1) };
}

const staff = () => bearer(t.keys.warehouse);

describe('GET /v1/warehouses/:locationId/pick-lists', () => {
  it('lists shipments in the requested status, oldest first, lines in bin order with unbinned lines last', async () => {
    const newer = await shipment('AWAITING_PICK', new Date('2024-05-02T08:00:00Z'));
    const older = await shipment('AWAITING_PICK', new Date('2024-05-01T08:00:00Z'));
    const packing = await shipment('AWAITING_PACK', new Date('2024-05-01T09:00:00Z'));
    const [cup, mug, jar] = products;

    const res = await t.request({ url: `/v1/warehouses/${warehouse}/pick-lists`, headers: staff() });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.map((list: { shipmentId: string }) => list.shipmentId)).toEqual([older.id, newer.id]);
    expect(res.json().nextCursor).toBeNull();
    expect(res.json().data[0].lines).toEqual([
      { lineNo: 2, sku: mug.sku, name: mug.name, upc: mug.upc, bin: 'A-01', quantity: 2 },
      { lineNo: 1, sku: cup.sku, name: cup.name, upc: cup.upc, bin: 'C-03', quantity: 1 },
      { lineNo: 3, sku: jar.sku, name: jar.name, upc: jar.upc, bin: null, quantity: 1 },
    ]);

    const toPack = await t.request({ url: `/v1/warehouses/${warehouse}/pick-lists?status=AWAITING_PACK`, headers: staff() });
    expect(toPack.json().data.map((list: { shipmentId: string }) => list.shipmentId)).toEqual([packing.id]);
  });

  it('pages oldest first by (created_at, id), to the microsecond', async () => {
    const station = `${t.prefix}-PAGED`;
    await seedLocation(t.db, station);
    const ids: string[] = [];
    // Three shipments a microsecond apart, and two at the same instant (the id breaks the tie).
    const times = ['2024-06-01T08:00:00.000001Z', '2024-06-01T08:00:00.000002Z', '2024-06-01T08:00:00.000003Z', '2024-06-01T08:00:00.000003Z'];
    for (const time of times) {
      const { id } = await shipment('AWAITING_PICK', new Date(time));
      await t.db('shipments').where({ id }).update({ location_id: station, created_at: t.db.raw('?::timestamptz', [time]) });
      ids.push(id);
    }
    const expected = [ids[0], ids[1], ...[ids[2], ids[3]].sort()];

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=1${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.request({ url: `/v1/warehouses/${station}/pick-lists?${query}`, headers: staff() });
      expect(res.statusCode).toBe(200);
      pages.push(res.json().data.map((list: { shipmentId: string }) => list.shipmentId));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(pages).toEqual(expected.map((id) => [id]));

    const whole = await t.request({ url: `/v1/warehouses/${station}/pick-lists`, headers: staff() });
    expect(whole.json()).toMatchObject({ nextCursor: null });
    expect(whole.json().data.map((list: { shipmentId: string }) => list.shipmentId)).toEqual(expected);
  });

  it.each([
    ['limit 0', 'limit=0', 'validation_error'],
    ['limit 201', 'limit=201', 'validation_error'],
    ['a cursor that is not base64 JSON', 'cursor=not-a-cursor', 'invalid_cursor'],
    ['a cursor with a millisecond time', `cursor=${Buffer.from(JSON.stringify(['2024-06-01T08:00:00.000Z', 'x'])).toString('base64url')}`, 'invalid_cursor'],
    ['a cursor of another list', `cursor=${Buffer.from(JSON.stringify(['SKU-1', 'WH'])).toString('base64url')}`, 'invalid_cursor'],
  ])('refuses %s', async (_name, query, code) => {
    const res = await t.request({ url: `/v1/warehouses/${warehouse}/pick-lists?${query}`, headers: staff() });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe(code);
  });

  it('answers 404 for an unknown location and 400 for another status', async () => {
    const unknown = await t.request({ url: `/v1/warehouses/${t.prefix}-NOPE/pick-lists`, headers: staff() });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('location_not_found');
    const shipped = await t.request({ url: `/v1/warehouses/${warehouse}/pick-lists?status=SHIPPED`, headers: staff() });
    expect(shipped.statusCode).toBe(400);
    expect(shipped.json().code).toBe('validation_error');
  });
});

describe('GET /v1/shipments/:shipmentId', () => {
  it('returns the row, its lines and tracking from Postgres, without asking the workflow', async () => {
    const { id } = await shipment('AWAITING_PICK', new Date());
    const res = await t.request({ url: `/v1/shipments/${id}`, headers: staff() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'AWAITING_PICK', locationId: warehouse });
    expect(res.json()).not.toHaveProperty('live');
    expect(res.json()).not.toHaveProperty('liveError');
    const notLive = await t.request({ url: `/v1/shipments/${id}?live=false`, headers: staff() });
    expect(notLive.json()).toEqual(res.json());
    const bad = await t.request({ url: `/v1/shipments/${id}?live=yes`, headers: staff() });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'validation_error']);
  });

  it('with ?live=true: the row, its lines and tracking, and live null when the workflow cannot answer', async () => {
    const { id } = await shipment('LABELLED', new Date(), `${t.prefix}TRACK1`);
    await t.db('tracking_events').insert({
      shipment_id: id,
      carrier: 'sandbox',
      event_id: `${t.prefix}-ev1`,
      status: 'in_transit',
      occurred_at: new Date('2024-05-03T10:00:00Z'),
    });
    const res = await t.request({ url: `/v1/shipments/${id}?live=true`, headers: staff() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      status: 'LABELLED',
      trackingNumber: `${t.prefix}TRACK1`,
      locationId: warehouse,
      trackingEvents: [{ eventId: `${t.prefix}-ev1`, status: 'in_transit', occurredAt: '2024-05-03T10:00:00.000Z' }],
      live: null,
      liveError: 'workflow not found',
    });
    expect(res.json().lines).toHaveLength(3);
  });

  it('answers 404 for an unknown shipment', async () => {
    const res = await t.request({ url: '/v1/shipments/ord_x-1', headers: staff() });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('shipment_not_found');
  });
});

describe('pick and scan', () => {
  const pick = (id: string) => t.request({ method: 'POST', url: `/v1/shipments/${id}/pick`, headers: staff(), payload: { pickedBy: 'sam' } });
  const scan = (id: string, upc: string) =>
    t.request({ method: 'POST', url: `/v1/shipments/${id}/scans`, headers: staff(), payload: { upc } });

  it('answers 404 for an unknown shipment', async () => {
    for (const res of [await pick('ord_x-1'), await scan('ord_x-1', products[0].upc)]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('shipment_not_found');
    }
  });

  it('refuses with 409 invalid_shipment_state once the shipment workflow has closed', async () => {
    const { id, workflowId } = await shipment('AWAITING_PICK', new Date());
    const handle = await t.temporal.workflow.start('shipmentWorkflow', { taskQueue: t.config.temporal.taskQueue, workflowId, args: [] });
    await handle.terminate('test: closed');
    for (const res of [await pick(id), await scan(id, products[0].upc)]) {
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'invalid_shipment_state', message: expect.stringContaining('AWAITING_PICK') });
    }
  });

  it('answers 504 when the workflow does not answer in time, and keeps no answer under the key', async () => {
    const { id, workflowId } = await shipment('AWAITING_PICK', new Date());
    await t.temporal.workflow.start('shipmentWorkflow', { taskQueue: t.config.temporal.taskQueue, workflowId, args: [] });
    const key = `${t.prefix}-pick-timeout`;
    const res = await t.request({
      method: 'POST',
      url: `/v1/shipments/${id}/pick`,
      headers: { ...staff(), 'idempotency-key': key },
      payload: { pickedBy: 'sam' },
    });
    expect(res.statusCode).toBe(504);
    expect(res.json().code).toBe('workflow_timeout');
    // The client retries a timeout; a stored 504 would answer that retry without asking the workflow.
    expect(await t.db('idempotency_keys').where({ key })).toEqual([]);
  });

  it('validates the scan body before asking the workflow', async () => {
    for (const payload of [{ upc: '12345' }, { upc: 123456789012 }, { upc: products[0].upc, qty: 2 }]) {
      const res = await t.request({ method: 'POST', url: '/v1/shipments/ord_x-1/scans', headers: staff(), payload });
      expect({ payload, status: res.statusCode, code: res.json().code }).toEqual({ payload, status: 400, code: 'validation_error' });
    }
  });
});

describe('Idempotency-Key on pick and scan, with a worker answering', () => {
  // A worker on a task queue of its own, so the order workflows of this file stay without one.
  // Only the activities a pick and a partial pack reach are given, and they record nothing.
  let worker: Worker;
  let running: Promise<void>;
  let connection: NativeConnection;
  const workerQueue = () => `${t.config.temporal.taskQueue}-worker`;

  beforeAll(async () => {
    connection = await NativeConnection.connect({ address: t.config.temporal.address });
    worker = await Worker.create({
      connection,
      namespace: t.config.temporal.namespace,
      taskQueue: workerQueue(),
      workflowBundle: { codePath: process.env.OMS_TEST_WORKFLOW_BUNDLE! },
      activities: {
        createShipment: async () => ({ lostAfterHours: 72, lostResolution: 'refund' }),
        recordShipmentStatus: async () => undefined,
      },
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker.shutdown();
    await running;
    await connection.close();
  });

  /** A manual shipment whose workflow runs on the worker above, waiting for its pick. */
  async function runningShipment() {
    const created = await shipment('AWAITING_PICK', new Date());
    const [cup, mug, jar] = products;
    const input: ShipmentInput = {
      orderId: created.orderId,
      shipmentNo: 1,
      shipmentId: created.id,
      allocationNo: 1,
      locationId: warehouse,
      fulfillmentMode: 'manual',
      lines: [
        { lineNo: 2, sku: mug.sku, name: mug.name, upc: mug.upc, bin: 'A-01', quantity: 2 },
        { lineNo: 1, sku: cup.sku, name: cup.name, upc: cup.upc, bin: 'C-03', quantity: 1 },
        { lineNo: 3, sku: jar.sku, name: jar.name, upc: jar.upc, bin: null, quantity: 1 },
      ],
      amountCents: 1000,
      currency: 'USD',
      captureOnShip: true,
    };
    const handle = await t.temporal.workflow.start('shipmentWorkflow', { taskQueue: workerQueue(), workflowId: created.workflowId, args: [input] });
    // The worker has taken its first task (a query needs one), so the API's short update wait is enough.
    await eventually(async () => (await handle.query(shipmentStatusQuery)).status === 'AWAITING_PICK');
    return { ...created, handle };
  }

  const pick = (id: string, key: string, pickedBy = 'sam', apiKey = t.keys.warehouse) =>
    t.request({ method: 'POST', url: `/v1/shipments/${id}/pick`, headers: { ...bearer(apiKey), 'idempotency-key': key }, payload: { pickedBy } });
  const scan = (id: string, key: string, upc: string, apiKey = t.keys.warehouse) =>
    t.request({ method: 'POST', url: `/v1/shipments/${id}/scans`, headers: { ...bearer(apiKey), 'idempotency-key': key }, payload: { upc } });

  it('stores a pick and replays it, even once the workflow has gone; the key with another request is refused', async () => {
    const { id, handle } = await runningShipment();
    const key = `${t.prefix}-pick-1`;
    const first = await pick(id, key);
    expect(first.statusCode).toBe(200);
    expect(first.headers['idempotency-replayed']).toBeUndefined();
    expect(first.json()).toMatchObject({ shipmentId: id, status: 'AWAITING_PACK' });
    expect(await t.db('idempotency_keys').where({ key }).first()).toMatchObject({
      api_key_id: t.keyIds.warehouse,
      route: 'POST /v1/shipments/:shipmentId/pick',
      status_code: 200,
      response_body: first.json(),
    });

    await handle.terminate('test: the answer must come from the stored key');
    const retry = await pick(id, key);
    expect(retry.statusCode).toBe(200);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());

    const otherBody = await pick(id, key, 'alex');
    expect([otherBody.statusCode, otherBody.json().code]).toEqual([422, 'idempotency_key_reused']);
    const otherShipment = await pick('ord_x-1', key);
    expect([otherShipment.statusCode, otherShipment.json().code]).toEqual([422, 'idempotency_key_reused']);
  });

  it('counts a scan once per key, stores refusals, and keeps two callers\' equal keys apart', async () => {
    const { id, handle } = await runningShipment();
    const mug = products[1];
    expect((await pick(id, `${t.prefix}-pick-2`)).statusCode).toBe(200);

    const first = await scan(id, `${t.prefix}-scan-1`, mug.upc);
    expect(first.statusCode).toBe(200);
    expect(first.json().remaining).toContainEqual({ sku: mug.sku, upc: mug.upc, quantity: 1 });
    const retry = await scan(id, `${t.prefix}-scan-1`, mug.upc);
    expect(retry.headers['idempotency-replayed']).toBe('true');
    expect(retry.json()).toEqual(first.json());

    // A scanner reading the UPC-A as its EAN-13 (a leading 0) scans the same product.
    const second = await scan(id, `${t.prefix}-scan-2`, `0${mug.upc}`);
    expect([second.statusCode, second.json().upc]).toEqual([200, mug.upc]);
    expect(second.json().remaining.map((line: { sku: string }) => line.sku)).not.toContain(mug.sku);

    // Another scanner, with a key of its own that happens to equal the first: its scan reaches the
    // workflow (no stored answer, no shared updateId), which refuses a third mug.
    const otherScanner = await createApiKey(t.db, `${t.prefix} scanner 2`, 'warehouse', { locationIds: ['*'] });
    const theirs = await scan(id, `${t.prefix}-scan-1`, mug.upc, otherScanner.key);
    expect(theirs.headers['idempotency-replayed']).toBeUndefined();
    expect([theirs.statusCode, theirs.json().code]).toEqual([422, Refusal.scanExceedsQuantity]);
    const theirRetry = await scan(id, `${t.prefix}-scan-1`, mug.upc, otherScanner.key);
    expect(theirRetry.headers['idempotency-replayed']).toBe('true');
    expect(theirRetry.json()).toEqual(theirs.json());

    const wrong = await scan(id, `${t.prefix}-scan-3`, '000000000000');
    expect([wrong.statusCode, wrong.json().code]).toEqual([422, Refusal.itemNotInShipment]);
    const wrongRetry = await scan(id, `${t.prefix}-scan-3`, '000000000000');
    expect(wrongRetry.headers['idempotency-replayed']).toBe('true');
    expect(wrongRetry.json()).toEqual(wrong.json());
    await handle.terminate('test: done');
  });
});

describe('update refusals from the workflows', () => {
  // The SDK's own error objects, as executeUpdate throws them when a handler or validator refuses.
  const refusal = (type: string, message: string) =>
    new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.create({ type, message, nonRetryable: true }));

  it.each([
    [Refusal.orderNotCancellable, 409],
    [Refusal.invalidShipmentState, 409],
    [Refusal.itemNotInShipment, 422],
    [Refusal.scanExceedsQuantity, 422],
  ])('%s becomes %i with the workflow message', (type, status) => {
    const error = apiErrorFromTemporal(refusal(type, `the workflow says no (${type})`));
    expect(error).toMatchObject({ statusCode: status, code: type, message: `the workflow says no (${type})` });
  });

  it('passes an unexpected refusal through as 409 update_rejected', () => {
    expect(apiErrorFromTemporal(refusal('SomethingElse', 'nope'))).toMatchObject({ statusCode: 409, code: 'update_rejected', message: 'nope' });
  });
});

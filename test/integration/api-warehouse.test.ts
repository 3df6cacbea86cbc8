import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { apiErrorFromTemporal } from '../../api/temporal-errors';
import { Refusal, shipmentWorkflowId } from '../../workflows/definitions';
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
    expect(res.json().map((list: { shipmentId: string }) => list.shipmentId)).toEqual([older.id, newer.id]);
    expect(res.json()[0].lines).toEqual([
      { lineNo: 2, sku: mug.sku, name: mug.name, upc: mug.upc, bin: 'A-01', quantity: 2 },
      { lineNo: 1, sku: cup.sku, name: cup.name, upc: cup.upc, bin: 'C-03', quantity: 1 },
      { lineNo: 3, sku: jar.sku, name: jar.name, upc: jar.upc, bin: null, quantity: 1 },
    ]);

    const toPack = await t.request({ url: `/v1/warehouses/${warehouse}/pick-lists?status=AWAITING_PACK`, headers: staff() });
    expect(toPack.json().map((list: { shipmentId: string }) => list.shipmentId)).toEqual([packing.id]);
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
  it('returns the row, its lines and tracking, and live null when the workflow cannot answer', async () => {
    const { id } = await shipment('LABELLED', new Date(), `${t.prefix}TRACK1`);
    await t.db('tracking_events').insert({
      shipment_id: id,
      carrier: 'sandbox',
      event_id: `${t.prefix}-ev1`,
      status: 'in_transit',
      occurred_at: new Date('2024-05-03T10:00:00Z'),
    });
    const res = await t.request({ url: `/v1/shipments/${id}`, headers: staff() });
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

  it('answers 504 when the workflow does not answer in time', async () => {
    const { id, workflowId } = await shipment('AWAITING_PICK', new Date());
    await t.temporal.workflow.start('shipmentWorkflow', { taskQueue: t.config.temporal.taskQueue, workflowId, args: [] });
    const res = await pick(id);
    expect(res.statusCode).toBe(504);
    expect(res.json().code).toBe('workflow_timeout');
  });

  it('validates the scan body before asking the workflow', async () => {
    for (const payload of [{ upc: '12345' }, { upc: 123456789012 }, { upc: products[0].upc, qty: 2 }]) {
      const res = await t.request({ method: 'POST', url: '/v1/shipments/ord_x-1/scans', headers: staff(), payload });
      expect({ payload, status: res.statusCode, code: res.json().code }).toEqual({ payload, status: 400, code: 'validation_error' });
    }
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

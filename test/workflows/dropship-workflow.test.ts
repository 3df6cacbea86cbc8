import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { OrderStatusChange } from '../../activities/orders';
import {
  cancelOrderUpdate,
  carrierEventSignal,
  dropshipShippedSignal,
  orderStatusQuery,
  shipmentWorkflowId,
} from '../../workflows/definitions';
import { DROPSHIP_RETRY_MS } from '../../workflows/order-dropship';
import { eventually } from '../helpers/eventually';
import { createTimeSkippingEnv, withWorker } from './environment';
import { callsOf, fakeActivities, fakeWorld } from './fake-activities';
import { fakeSupplier } from './fake-dropship-activities';
import { DAY_MS, orderScenario, statuses } from './order-scenario';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const { orderInput, startOrder, delivered } = orderScenario(() => env);
const SUPPLIER = 'sup_1';
const dropshipLine = { lineNo: 1, sku: 'SKU-D', quantity: 2, unitPriceCents: 1000, dropshipSupplierId: SUPPLIER };

async function supplierShips(orderId: string, shipmentNo: number): Promise<void> {
  const handle = env.client.workflow.getHandle(shipmentWorkflowId(orderId, shipmentNo));
  await handle.signal(dropshipShippedSignal, { trackingNumber: `SUP-${shipmentNo}`, carrier: 'sandbox' });
  await handle.signal(carrierEventSignal, { ...delivered(orderId, shipmentNo), trackingNumber: `SUP-${shipmentNo}` });
}

describe('dropship lines on the time-skipping server', () => {
  it('a refused wait-policy line is backordered and the supplier asked again a day later, then it ships and is captured', async () => {
    const world = fakeWorld({ supplier: fakeSupplier({ refusals: 1 }) });
    const input = await orderInput({ lines: [dropshipLine], backorderDeadline: new Date((await env.currentTimeMs()) + 5 * DAY_MS).toISOString() });
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      await eventually(async () => (await handle.query(orderStatusQuery)).status === 'BACKORDERED');
      expect(callsOf(world, 'placeDropshipOrder')).toHaveLength(1);
      // The second placement happens only after the retry delay.
      await env.sleep(DROPSHIP_RETRY_MS);
      await eventually(() => callsOf(world, 'placeDropshipOrder').length === 2);
      await supplierShips(input.orderId, 2);
      return handle.result();
    });
    expect(result).toBe('DELIVERED');
    expect(callsOf(world, 'reserveStock')).toHaveLength(0);
    expect(statuses(world)).toContain('BACKORDERED');
    const [first, second] = callsOf<{ shipmentNo: number }>(world, 'placeDropshipOrder');
    expect([first.shipmentNo, second.shipmentNo]).toEqual([1, 2]);
    expect(callsOf(world, 'capturePayment')).toMatchObject([{ shipmentId: `${input.orderId}-2`, amountCents: 2500 }]);
    expect(callsOf(world, 'recordDropshipShipped')).toMatchObject([{ shipmentId: `${input.orderId}-2`, supplierId: SUPPLIER, trackingNumber: 'SUP-2' }]);
    expect(DROPSHIP_RETRY_MS).toBe(DAY_MS);
  });

  it('past the backorder deadline a line the supplier keeps refusing is cancelled, nothing captured', async () => {
    const world = fakeWorld({ supplier: fakeSupplier({ refusals: 100 }) });
    const input = await orderInput({ lines: [dropshipLine], backorderDeadline: new Date((await env.currentTimeMs()) + 2.5 * DAY_MS).toISOString() });
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => (await startOrder(taskQueue, input)).result());
    expect(result).toBe('CANCELLED');
    // Placed at once and after one and two days; the deadline comes before a third retry.
    expect(callsOf(world, 'placeDropshipOrder')).toHaveLength(3);
    const last = callsOf<OrderStatusChange>(world, 'recordOrderStatus').at(-1)!;
    expect(last).toMatchObject({ status: 'CANCELLED', detail: { reason: 'backorder_deadline_passed' }, cancelledQuantities: [{ lineNo: 1, quantity: 2 }] });
    expect(callsOf(world, 'capturePayment')).toHaveLength(0);
    expect(callsOf(world, 'settlePayment')).toMatchObject([{ shippedValueCents: 0 }]);
  });

  it('a reject-policy order cancels refused lines at once, while its stocked line still ships', async () => {
    const world = fakeWorld({ stock: { 'WH-A': { 'SKU-A': 5 } }, supplier: fakeSupplier({ refusals: 1 }) });
    const input = await orderInput({
      lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 1, unitPriceCents: 1000 }, { ...dropshipLine, lineNo: 2 }],
      totalCents: 3500,
      backorderPolicy: 'reject',
    });
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      await eventually(async () => (await handle.query(orderStatusQuery)).shipments.length === 2);
      await env.client.workflow.getHandle(shipmentWorkflowId(input.orderId, 1)).signal(carrierEventSignal, delivered(input.orderId, 1));
      return handle.result();
    });
    expect(result).toBe('DELIVERED');
    expect(callsOf(world, 'placeDropshipOrder')).toHaveLength(1);
    expect(callsOf(world, 'reserveStock')).toMatchObject([{ lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 1 }] }]);
    const last = callsOf<OrderStatusChange>(world, 'recordOrderStatus').at(-1)!;
    expect(last.cancelledQuantities).toEqual([{ lineNo: 2, quantity: 2 }]);
  });

  it('a cancel that finds the parcel already shipped by the supplier waits for its webhook and goes on to delivery', async () => {
    const world = fakeWorld({ supplier: fakeSupplier({ alreadyShipped: true }) });
    const input = await orderInput({ lines: [dropshipLine] });
    const { answer, result } = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      await eventually(() => callsOf(world, 'placeDropshipOrder').length === 1);
      const cancelling = handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'too late' }] }).catch((error: unknown) => error);
      await eventually(() => callsOf(world, 'cancelDropshipOrder').length === 1);
      await supplierShips(input.orderId, 1);
      return { answer: await cancelling, result: await handle.result() };
    });
    expect(result).toBe('DELIVERED');
    expect(String((answer as Error).cause ?? answer)).toMatch(/left the warehouse/);
    expect(callsOf(world, 'recordDropshipShipped')).toHaveLength(1);
  });
});

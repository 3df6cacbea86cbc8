import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { OrderStatusChange } from '../../activities/orders';
import {
  cancelOrderUpdate,
  carrierEventSignal,
  declareLostUpdate,
  orderStatusQuery,
  shipmentStatusQuery,
  shipmentWorkflowId,
  stockAvailableUpdate,
} from '../../workflows/definitions';
import { eventually } from '../helpers/eventually';
import { createTimeSkippingEnv, withWorker } from './environment';
import { callsOf, fakeActivities, fakeWorld } from './fake-activities';
import { gate, orderScenario, statuses } from './order-scenario';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const { orderInput, startOrder, delivered, deliverShipment } = orderScenario(() => env);
/** A fresh world each time: the fake reservations take from it. */
const inStock = () => ({ stock: { 'WH-A': { 'SKU-A': 5 } } });

/** How long the API's cancel takes to answer, in real milliseconds, and what it answered. */
async function timedCancel(handle: { executeUpdate: (...args: any[]) => Promise<unknown> }) {
  const started = Date.now();
  const answer = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer asked' }] }).catch((error: unknown) => error);
  return { answer: answer as any, ms: Date.now() - started };
}

describe('business refusals end the order in a named state', () => {
  it('a label the carrier refuses fails the shipment and the order, releasing stock and voiding the authorization', async () => {
    const world = fakeWorld({ ...inStock(), carrier: 'refuses' });
    const input = await orderInput();
    const { result, cancel, failed } = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      const result = await handle.result();
      const failed = await env.client.workflow.getHandle(shipmentWorkflowId(input.orderId, 1)).query(shipmentStatusQuery);
      return { result, cancel: await timedCancel(handle), failed };
    });
    expect(result).toBe('FAILED');
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'carrier_refused' });
    expect(callsOf(world, 'buyLabel')).toHaveLength(1); // never retried
    expect(callsOf(world, 'failShipment')).toEqual([{ shipmentId: `${input.orderId}-1`, orderId: input.orderId, reason: 'carrier_refused' }]);
    expect(callsOf(world, 'capturePayment')).toHaveLength(0);
    expect(callsOf(world, 'shipShipment')).toHaveLength(0);
    expect(callsOf(world, 'settlePayment')).toMatchObject([{ shippedValueCents: 0 }]);
    const last = callsOf<OrderStatusChange>(world, 'recordOrderStatus').at(-1)!;
    expect(last).toMatchObject({ status: 'FAILED', failureReason: 'carrier_refused', cancelledQuantities: [{ lineNo: 1, quantity: 2 }] });
    // A finished order answers a cancel at once (the API turns this into 409) instead of hanging.
    expect(cancel.answer).toBeInstanceOf(WorkflowNotFoundError);
    expect(cancel.ms).toBeLessThan(1000);
  });

  it('a carrier down for longer than the bound fails the shipment as carrier_unavailable', async () => {
    const world = fakeWorld({ ...inStock(), carrier: 'down' });
    const input = await orderInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => (await startOrder(taskQueue, input)).result());
    expect(result).toBe('FAILED');
    expect(callsOf(world, 'buyLabel').length).toBeGreaterThan(5); // transient faults were retried
    expect(callsOf(world, 'failShipment')).toMatchObject([{ reason: 'carrier_unavailable' }]);
    expect(callsOf(world, 'capturePayment')).toHaveLength(0);
  });

  it('a cancel while the carrier is down answers in under a second and cancels the shipment', async () => {
    const world = fakeWorld({ ...inStock(), carrier: 'down' });
    const input = await orderInput();
    const { cancel, result } = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      await eventually(() => callsOf(world, 'buyLabel').length >= 1);
      const cancel = await timedCancel(handle);
      return { cancel, result: await handle.result() };
    });
    expect(cancel.answer).toMatchObject({ outcome: 'cancelled', status: 'CANCELLED', cancelledShipments: [1] });
    expect(cancel.ms).toBeLessThan(1000);
    expect(result).toBe('CANCELLED');
    expect(callsOf(world, 'cancelShipment')).toHaveLength(1);
    expect(callsOf(world, 'shipShipment')).toHaveLength(0);
  });

  it('a declined capture keeps the parcel in the building: label voided, stock released, nothing charged', async () => {
    const world = fakeWorld({ ...inStock(), declineCaptures: true });
    const input = await orderInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => (await startOrder(taskQueue, input)).result());
    expect(result).toBe('FAILED');
    expect(callsOf(world, 'capturePayment')).toHaveLength(1);
    expect(callsOf(world, 'voidLabel')).toHaveLength(1);
    expect(callsOf(world, 'shipShipment')).toHaveLength(0);
    expect(callsOf(world, 'failShipment')).toMatchObject([{ reason: 'capture_declined' }]);
    expect(callsOf(world, 'settlePayment')).toMatchObject([{ shippedValueCents: 0 }]);
  });

  it('a declined capture for a parcel the carrier already has ships it and flags nothing as failed', async () => {
    const world = fakeWorld({ ...inStock(), declineCaptures: true, carrierHasParcel: true });
    const input = await orderInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      await deliverShipment(input.orderId, 1);
      return handle.result();
    });
    expect(result).toBe('DELIVERED');
    expect(callsOf(world, 'shipShipment')).toHaveLength(1);
    expect(callsOf(world, 'failShipment')).toHaveLength(0);
  });
});

describe('backordered orders are never forgotten', () => {
  it('stock that arrives while the order records BACKORDERED is found by the re-check, with no wake-up', async () => {
    const world = fakeWorld();
    const statusWrite = gate();
    world.gates.recordOrderStatus = statusWrite.promise;
    const input = await orderInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      await eventually(() => callsOf<OrderStatusChange>(world, 'recordOrderStatus').some((change) => change.status === 'BACKORDERED'));
      // The receipt lands now: the wake-up finds no BACKORDERED row yet and wakes no one.
      world.stock['WH-A']['SKU-A'] = 2;
      statusWrite.open();
      await deliverShipment(input.orderId, 1);
      return handle.result();
    });
    expect(result).toBe('DELIVERED');
    expect(callsOf(world, 'reserveStock').map((call) => call.allocationNo)).toEqual([1, 2]);
    expect(statuses(world)).toEqual(['BACKORDERED', 'FULFILLING', 'SHIPPED', 'DELIVERED']);
  });
});

describe('continue-as-new never deadlocks', () => {
  it('answers wake-ups that arrive during a reservation before continuing as new', async () => {
    const world = fakeWorld();
    const input = await orderInput({ historyLimit: 1 });
    const { answers, runsAfter, firstRunId, result } = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      const firstRunId = (await handle.describe()).runId;
      await eventually(async () => (await handle.query(orderStatusQuery)).status === 'BACKORDERED' && callsOf(world, 'reserveStock').length === 2);
      const reservation = gate();
      world.gates.reserveStock = reservation.promise;
      const first = handle.executeUpdate(stockAvailableUpdate);
      await eventually(() => callsOf(world, 'reserveStock').length === 3);
      const second = handle.executeUpdate(stockAvailableUpdate); // arrives while the first is reserving
      await eventually(async () => {
        const history = await handle.fetchHistory();
        return history.events!.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).length === 2;
      });
      reservation.open();
      const answers = await Promise.all([first, second]);
      const runsAfter = (await env.client.workflow.getHandle(handle.workflowId).describe()).runId;
      return { answers, runsAfter, firstRunId, result: await env.client.workflow.getHandle(handle.workflowId).result() };
    });
    expect(answers).toEqual([
      { status: 'BACKORDERED', waitingUnits: 2 },
      { status: 'BACKORDERED', waitingUnits: 2 },
    ]);
    expect(runsAfter).not.toBe(firstRunId); // it did continue as new
    expect(result).toBe('CANCELLED'); // and the new run still honours the deadline
  });
});

/** Starts the order and waits until its first parcel is with the carrier. */
async function startShipped(taskQueue: string, input: Awaited<ReturnType<typeof orderInput>>) {
  const handle = await startOrder(taskQueue, input);
  const shipment = env.client.workflow.getHandle(shipmentWorkflowId(input.orderId, 1));
  await eventually(async () => (await shipment.query(shipmentStatusQuery)).status === 'SHIPPED');
  return { handle, shipment };
}

describe('lost parcels', () => {
  it('ops declare a parcel lost: the order refunds its share and ends LOST', async () => {
    const world = fakeWorld(inStock());
    const input = await orderInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const { handle, shipment } = await startShipped(taskQueue, input);
      const view = await shipment.executeUpdate(declareLostUpdate, { args: [{ resolution: 'refund', by: 'ops' }] });
      expect(view.status).toBe('LOST');
      return handle.result();
    });
    expect(result).toBe('LOST');
    expect(callsOf(world, 'markShipmentLost')).toMatchObject([{ resolution: 'refund', reason: 'declared_lost' }]);
    expect(callsOf(world, 'refundShipment')).toEqual([{ orderId: input.orderId, shipmentId: `${input.orderId}-1`, amountCents: 2500 }]);
  });

  it('a parcel still missing past the lost deadline becomes LOST by itself', async () => {
    const world = fakeWorld({ ...inStock(), deliveryWithinHours: 48, lostAfterHours: 72 });
    const input = await orderInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => (await startOrder(taskQueue, input)).result());
    expect(result).toBe('LOST');
    expect(callsOf(world, 'markShipmentOverdue')).toHaveLength(1);
    expect(callsOf(world, 'markShipmentLost')).toMatchObject([{ reason: 'lost_deadline_passed', resolution: 'refund' }]);
    expect(callsOf(world, 'refundShipment')).toHaveLength(1);
  });

  it('a lost parcel replaced from stock ships again free of charge, and the order is delivered', async () => {
    const world = fakeWorld(inStock());
    const input = await orderInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const { handle, shipment } = await startShipped(taskQueue, input);
      await shipment.executeUpdate(declareLostUpdate, { args: [{ resolution: 'replace' }] });
      await deliverShipment(input.orderId, 2);
      return handle.result();
    });
    expect(result).toBe('DELIVERED');
    expect(callsOf(world, 'reserveStock').at(-1)).toMatchObject({ allowPartial: true, lines: [{ lineNo: 1, quantity: 2 }] });
    expect(callsOf(world, 'createShipment').at(-1)).toMatchObject({ shipmentNo: 2, amountCents: 0 });
    expect(callsOf(world, 'refundShipment')).toHaveLength(0);
  });

  it('refuses to declare lost a parcel that is not with the carrier', async () => {
    const world = fakeWorld({ stock: { 'WH-M': { 'SKU-A': 5 } }, modes: { 'WH-M': 'manual' } });
    const input = await orderInput();
    const failure = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      const shipment = env.client.workflow.getHandle(shipmentWorkflowId(input.orderId, 1));
      await eventually(async () => (await shipment.query(shipmentStatusQuery)).status === 'AWAITING_PICK');
      const failure = await shipment.executeUpdate(declareLostUpdate, { args: [{ resolution: 'refund' }] }).catch((error) => error);
      await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'cleanup' }] });
      return failure;
    });
    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((failure.cause as ApplicationFailure).type).toBe('invalid_shipment_state');
  });

  it('a delivery that arrives after the parcel was declared lost changes nothing', async () => {
    const world = fakeWorld(inStock());
    const input = await orderInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const { handle, shipment } = await startShipped(taskQueue, input);
      await shipment.executeUpdate(declareLostUpdate, { args: [{ resolution: 'refund' }] });
      await shipment.signal(carrierEventSignal, delivered(input.orderId, 1)).catch(() => undefined);
      return handle.result();
    });
    expect(result).toBe('LOST');
    expect(callsOf(world, 'recordTrackingEvents')).toHaveLength(0);
  });
});

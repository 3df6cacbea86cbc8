import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { OrderStatusChange } from '../../activities/orders';
import type { ReserveStockInput } from '../../activities/inventory';
import {
  cancelOrderUpdate,
  orderStatusQuery,
  orderWorkflowId,
  shipmentProgressSignal,
  shipmentWorkflowId,
  stockAvailableUpdate,
} from '../../workflows/definitions';
import { eventually } from '../helpers/eventually';
import { createTimeSkippingEnv, withWorker } from './environment';
import { callsOf, fakeActivities, fakeWorld } from './fake-activities';
import { DAY_MS, gate, orderScenario, statuses } from './order-scenario';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const { orderInput, startOrder, deliverShipment } = orderScenario(() => env);

describe('order workflow: backorders', () => {
  it('cancels a backordered order when its deadline passes without stock', async () => {
    const world = fakeWorld();
    const input = await orderInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      return handle.result(); // the time-skipping server jumps over the three days
    });
    expect(result).toBe('CANCELLED');
    expect(statuses(world)).toEqual(['BACKORDERED', 'CANCELLED']);
    const last = callsOf<OrderStatusChange>(world, 'recordOrderStatus').at(-1)!;
    expect(last.cancelledQuantities).toEqual([{ lineNo: 1, quantity: 2 }]);
    expect(callsOf(world, 'createShipment')).toHaveLength(0);
    expect(callsOf(world, 'settlePayment')).toHaveLength(1); // the unused authorization is voided
  });

  it('reserves and ships when stock arrives before the deadline', async () => {
    const world = fakeWorld();
    const input = await orderInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      await eventually(async () => (await handle.query(orderStatusQuery)).status === 'BACKORDERED');
      // Stock arrives after the re-check has looked (else the re-check takes it and no wake-up is needed).
      await eventually(async () => (await completedActivities(handle, 'reserveStock')) === 2);
      world.stock['WH-A']['SKU-A'] = 5;
      const woken = await handle.executeUpdate(stockAvailableUpdate);
      expect(woken.waitingUnits).toBe(0);
      await deliverShipment(input.orderId, 1);
      return handle.result();
    });
    expect(result).toBe('DELIVERED');
    // First try, the re-check right after recording BACKORDERED (which yields to older waiting orders), then the wake-up.
    expect(callsOf<ReserveStockInput>(world, 'reserveStock').map((call) => [call.allocationNo, call.yieldToOlderWaiters ?? false])).toEqual([
      [1, false],
      [2, true],
      [3, false],
    ]);
    expect(statuses(world)).toEqual(['BACKORDERED', 'FULFILLING', 'SHIPPED', 'DELIVERED']);
    expect(callsOf(world, 'capturePayment')).toEqual([{ orderId: input.orderId, shipmentId: `${input.orderId}-1`, amountCents: 2500 }]);
  });

  it('ships what is there under the partial policy and cancels the rest at the deadline', async () => {
    const world = fakeWorld({ stock: { 'WH-A': { 'SKU-A': 1 } } });
    const input = await orderInput({ backorderPolicy: 'partial', lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 3, unitPriceCents: 1000 }], totalCents: 3500 });
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      await eventually(async () => {
        const view = await handle.query(orderStatusQuery);
        return view.status === 'BACKORDERED' && view.shipments.length === 1 && view.waitingForStock[0]?.quantity === 2;
      });
      await env.sleep(4 * DAY_MS); // past the backorder deadline
      await deliverShipment(input.orderId, 1);
      return handle.result();
    });
    expect(result).toBe('DELIVERED');
    const last = callsOf<OrderStatusChange>(world, 'recordOrderStatus').at(-1)!;
    expect(last.cancelledQuantities).toEqual([{ lineNo: 1, quantity: 2 }]);
    expect(callsOf(world, 'capturePayment')[0]).toMatchObject({ amountCents: 1500 }); // one unit plus shipping
  });

  it('rejects at once under the reject policy, without touching payment', async () => {
    const world = fakeWorld();
    const input = await orderInput({ backorderPolicy: 'reject' });
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => (await startOrder(taskQueue, input)).result());
    expect(result).toBe('REJECTED');
    expect(callsOf(world, 'authorizePayment')).toHaveLength(0);
  });

  it('releases the reservation when payment is declined', async () => {
    const world = fakeWorld({ stock: { 'WH-A': { 'SKU-A': 5 } }, declineTokens: true });
    const input = await orderInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => (await startOrder(taskQueue, input)).result());
    expect(result).toBe('PAYMENT_DECLINED');
    expect(callsOf(world, 'releaseReservations')).toEqual([{ orderId: input.orderId }]);
    expect(callsOf(world, 'createShipment')).toHaveLength(0);
  });
});

describe('order workflow: continue-as-new', () => {
  it('resumes from the state it carries, following its shipments without reserving or authorizing again', async () => {
    const world = fakeWorld();
    const input = await orderInput();
    const carried = {
      status: 'SHIPPED',
      waitingForStock: [],
      shipments: [
        {
          shipmentNo: 1,
          shipmentId: `${input.orderId}-1`,
          workflowId: shipmentWorkflowId(input.orderId, 1),
          locationId: 'WH-A',
          status: 'SHIPPED',
          lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 2 }],
          amountCents: 2500,
        },
      ],
      payment: { state: 'authorized', authorizedCents: 2500 },
      timeline: [],
      allocationNo: 1,
      cancelledUnits: {},
      wakeRequests: 0,
      wakesAnswered: 0,
      statusChanges: 3,
      settlements: 0,
    };
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await env.client.workflow.start('orderWorkflow', {
        taskQueue,
        workflowId: orderWorkflowId(input.orderId),
        args: [input, carried],
      });
      await handle.signal(shipmentProgressSignal, { shipmentNo: 1, status: 'DELIVERED' });
      return handle.result();
    });
    expect(result).toBe('DELIVERED');
    expect(callsOf(world, 'reserveStock')).toHaveLength(0);
    expect(callsOf(world, 'authorizePayment')).toHaveLength(0);
    expect(callsOf<OrderStatusChange>(world, 'recordOrderStatus')).toMatchObject([{ status: 'DELIVERED', eventKey: 'status:4' }]);
  });
});

describe('order workflow: cancellation', () => {
  it('cancels a shipment still awaiting pick, releases its stock and settles payment', async () => {
    const world = fakeWorld({ stock: { 'WH-M': { 'SKU-A': 5 } }, modes: { 'WH-M': 'manual' } });
    const input = await orderInput();
    const { update, result } = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      await eventually(async () => (await handle.query(orderStatusQuery)).status === 'FULFILLING');
      const update = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer changed mind' }] });
      return { update, result: await handle.result() };
    });
    expect(update).toMatchObject({ outcome: 'cancelled', status: 'CANCELLED', cancelledShipments: [1], shippedShipments: [] });
    expect(result).toBe('CANCELLED');
    expect(callsOf(world, 'cancelShipment')).toHaveLength(1);
    expect(callsOf(world, 'voidLabel')).toHaveLength(0);
    expect(callsOf(world, 'shipShipment')).toHaveLength(0);
    expect(callsOf(world, 'settlePayment').length).toBeGreaterThanOrEqual(1);
  });

  it('cancels at once while the label is being bought, then voids the label that purchase may leave', async () => {
    const world = fakeWorld({ stock: { 'WH-A': { 'SKU-A': 5 } } });
    const labelGate = gate();
    world.gates.buyLabel = labelGate.promise;
    const input = await orderInput();
    const { update, result } = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      await eventually(() => callsOf(world, 'buyLabel').length === 1);
      const updating = handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'fraud check' }] });
      await cancelSignalReached(shipmentWorkflowId(input.orderId, 1));
      labelGate.open();
      return { update: await updating, result: await handle.result() };
    });
    expect(update).toMatchObject({ outcome: 'cancelled', cancelledShipments: [1] });
    expect(result).toBe('CANCELLED');
    // The shipment row closes first, so a purchase finishing later voids its own label.
    const calls = Object.keys(world.calls);
    expect(calls.indexOf('cancelShipment')).toBeLessThan(calls.indexOf('voidLabel'));
    expect(callsOf(world, 'voidLabel')).toHaveLength(1);
    expect(callsOf(world, 'shipShipment')).toHaveLength(0);
  });

  it('refuses a cancellation that loses the race with shipping, and the order still completes', async () => {
    const world = fakeWorld({ stock: { 'WH-A': { 'SKU-A': 5 } } });
    const shipGate = gate();
    world.gates.shipShipment = shipGate.promise;
    const input = await orderInput();
    const { failure, result } = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      await eventually(() => callsOf(world, 'shipShipment').length === 1);
      const updating = handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'too late' }] }).catch((error) => error);
      await cancelSignalReached(shipmentWorkflowId(input.orderId, 1));
      shipGate.open();
      const failure = await updating;
      await deliverShipment(input.orderId, 1);
      return { failure, result: await handle.result() };
    });
    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((failure.cause as ApplicationFailure).type).toBe('order_not_cancellable');
    expect(result).toBe('DELIVERED');
    expect(callsOf(world, 'cancelShipment')).toHaveLength(0);
    expect(callsOf(world, 'voidLabel')).toHaveLength(0);
  });

  it('refuses to cancel once every shipment has shipped', async () => {
    const world = fakeWorld({ stock: { 'WH-A': { 'SKU-A': 5 } } });
    const input = await orderInput();
    const failure = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startOrder(taskQueue, input);
      await eventually(async () => (await handle.query(orderStatusQuery)).status === 'SHIPPED');
      const failure = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'late' }] }).catch((error) => error);
      await deliverShipment(input.orderId, 1);
      await handle.result();
      return failure;
    });
    expect(failure).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((failure.cause as ApplicationFailure).type).toBe('order_not_cancellable');
    expect(failure.cause.message).toMatch(/every shipment has left the warehouse/);
  });
});

/** Waits until the shipment's history shows the order's cancel signal. */
/** The shipment has taken the cancel signal: a workflow task completed after it arrived. */
async function cancelSignalReached(workflowId: string): Promise<void> {
  await eventually(async () => {
    const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const signalAt = events.findIndex((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'cancel');
    return signalAt >= 0 && events.slice(signalAt).some((event) => event.workflowTaskCompletedEventAttributes);
  });
}

/** How many calls of an activity the workflow's history shows completed. */
async function completedActivities(handle: { fetchHistory: () => Promise<{ events?: any[] | null }> }, activity: string): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Set(
    events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activity).map((event) => String(event.eventId)),
  );
  return events.filter((event) => scheduled.has(String(event.activityTaskCompletedEventAttributes?.scheduledEventId))).length;
}

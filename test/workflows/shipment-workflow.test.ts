import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { CarrierEvent, CarrierEventStatus, FulfillmentMode } from '../../domain/types';
import {
  carrierEventSignal,
  confirmPickUpdate,
  scanItemUpdate,
  ShipmentInput,
  shipmentStatusQuery,
  shipmentWorkflowId,
} from '../../workflows/definitions';
import { ShipmentOverdueKey } from '../../workflows/search-attributes';
import { eventually } from '../helpers/eventually';
import { createTimeSkippingEnv, withWorker } from './environment';
import { callsOf, fakeActivities, fakeWorld, upcOf } from './fake-activities';
import { gate } from './order-scenario';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

function shipmentInput(mode: FulfillmentMode): ShipmentInput {
  const orderId = `ord_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  return {
    orderId,
    shipmentNo: 1,
    shipmentId: `${orderId}-1`,
    allocationNo: 1,
    locationId: 'WH-A',
    fulfillmentMode: mode,
    lines: [
      { lineNo: 1, sku: 'SKU-A', upc: upcOf('SKU-A'), name: 'A', bin: 'A-01-01', quantity: 2 },
      { lineNo: 2, sku: 'SKU-B', upc: upcOf('SKU-B'), name: 'B', bin: 'B-02-01', quantity: 1 },
    ],
    amountCents: 3000,
    currency: 'USD',
    captureOnShip: true,
  };
}

async function startShipment(taskQueue: string, input: ShipmentInput) {
  return env.client.workflow.start('shipmentWorkflow', {
    taskQueue,
    workflowId: shipmentWorkflowId(input.orderId, input.shipmentNo),
    args: [input],
  });
}

function carrierEvent(input: ShipmentInput, status: CarrierEventStatus, eventId: string): CarrierEvent {
  return { carrier: 'sandbox', eventId, trackingNumber: `SBX-${input.shipmentId}`, status, occurredAt: new Date().toISOString() };
}

async function refusalOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (failure) => failure,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return (error.cause as ApplicationFailure).type!;
}

describe('shipment workflow', () => {
  it('flags an undelivered parcel overdue at the deadline without failing, then completes on delivery', async () => {
    const world = fakeWorld({ deliveryWithinHours: 48 });
    const input = shipmentInput('auto');
    const { overdue, result } = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startShipment(taskQueue, input);
      await eventually(async () => (await handle.query(shipmentStatusQuery)).status === 'SHIPPED');
      await env.sleep('49 hours');
      const overdue = await handle.query(shipmentStatusQuery);
      const { typedSearchAttributes } = await handle.describe();
      expect(typedSearchAttributes.get(ShipmentOverdueKey)).toBe(true);
      await handle.signal(carrierEventSignal, carrierEvent(input, 'delivered', 'evt-late-delivery'));
      return { overdue, result: await handle.result() };
    });
    expect(overdue).toMatchObject({ status: 'SHIPPED', overdue: true });
    expect(callsOf(world, 'markShipmentOverdue')).toHaveLength(1);
    expect(result).toEqual({ shipmentNo: 1, status: 'DELIVERED' });
  });

  it('applies each carrier event once and never moves backwards', async () => {
    const world = fakeWorld();
    const input = shipmentInput('auto');
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startShipment(taskQueue, input);
      await eventually(async () => (await handle.query(shipmentStatusQuery)).status === 'SHIPPED');
      const sequence: [CarrierEventStatus, string][] = [
        ['picked_up', 'e1'],
        ['picked_up', 'e1'], // redelivered webhook
        ['out_for_delivery', 'e2'],
        ['in_transit', 'e3'], // arrives late
        ['delivered', 'e4'],
      ];
      for (const [status, id] of sequence) await handle.signal(carrierEventSignal, carrierEvent(input, status, id));
      return handle.result();
    });
    expect(result.status).toBe('DELIVERED');
    const stored = callsOf<{ events: CarrierEvent[]; status: string }>(world, 'recordTrackingEvents');
    expect(stored.flatMap((call) => call.events.map((event) => event.eventId))).toEqual(['e1', 'e2', 'e4']);
    expect(stored.at(-1)!.status).toBe('DELIVERED');
  });

  it('applies an early event picked up with the label before a later one whose signal raced ahead of it', async () => {
    const input = shipmentInput('auto');
    const labelCreated = { ...carrierEvent(input, 'label_created', 'early-1'), occurredAt: new Date(Date.now() - 60_000).toISOString() };
    const world = fakeWorld({ labelEarlyEvents: [labelCreated] });
    const labelBought = gate();
    world.gates.buyLabel = labelBought.promise;
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startShipment(taskQueue, input);
      await eventually(() => callsOf(world, 'buyLabel').length === 1);
      // The carrier's next webhook found the label's tracking number and was signalled while the label was still being stored.
      await handle.signal(carrierEventSignal, carrierEvent(input, 'picked_up', 'after-1'));
      labelBought.open();
      await eventually(async () => (await handle.query(shipmentStatusQuery)).status === 'IN_TRANSIT' || callsOf(world, 'recordTrackingEvents').length > 0);
      await handle.signal(carrierEventSignal, carrierEvent(input, 'delivered', 'after-2'));
      return handle.result();
    });
    expect(result.status).toBe('DELIVERED');
    const stored = callsOf<{ events: CarrierEvent[] }>(world, 'recordTrackingEvents').flatMap((call) => call.events.map((event) => event.eventId));
    expect(stored).toEqual(['early-1', 'after-1', 'after-2']);
  });

  it('recovers from a carrier exception when the parcel moves again', async () => {
    const world = fakeWorld();
    const input = shipmentInput('auto');
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startShipment(taskQueue, input);
      await eventually(async () => (await handle.query(shipmentStatusQuery)).status === 'SHIPPED');
      await handle.signal(carrierEventSignal, carrierEvent(input, 'in_transit', 'x1'));
      await handle.signal(carrierEventSignal, carrierEvent(input, 'exception', 'x2'));
      await eventually(async () => (await handle.query(shipmentStatusQuery)).status === 'EXCEPTION');
      await handle.signal(carrierEventSignal, carrierEvent(input, 'delivered', 'x3'));
      return handle.result();
    });
    expect(result.status).toBe('DELIVERED');
    const stored = callsOf<{ events: CarrierEvent[]; status: string }>(world, 'recordTrackingEvents');
    expect(stored.flatMap((call) => call.events.map((event) => event.eventId))).toEqual(['x1', 'x2', 'x3']);
    expect(stored.map((call) => call.status).slice(-2)).toEqual(['EXCEPTION', 'DELIVERED']);
  });

  it('resumes from the state it carries over a continue-as-new, without redoing fulfilment', async () => {
    const world = fakeWorld();
    const input = shipmentInput('auto');
    const now = await env.currentTimeMs();
    const carried = {
      status: 'IN_TRANSIT',
      progress: 2,
      appliedEventIds: ['c1', 'c2'],
      packed: { 1: 2, 2: 1 },
      trackingNumber: `SBX-${input.shipmentId}`,
      deliveryDeadline: new Date(now + 48 * 3_600_000).toISOString(),
      overdue: false,
      inbox: [carrierEvent(input, 'in_transit', 'c2')],
    };
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await env.client.workflow.start('shipmentWorkflow', {
        taskQueue,
        workflowId: shipmentWorkflowId(input.orderId, input.shipmentNo),
        args: [input, carried],
      });
      expect((await handle.query(shipmentStatusQuery)).status).toBe('IN_TRANSIT');
      await handle.signal(carrierEventSignal, carrierEvent(input, 'delivered', 'c3'));
      return handle.result();
    });
    expect(result.status).toBe('DELIVERED');
    expect(callsOf(world, 'createShipment')).toHaveLength(0);
    expect(callsOf(world, 'shipShipment')).toHaveLength(0);
    const stored = callsOf<{ events: CarrierEvent[] }>(world, 'recordTrackingEvents');
    expect(stored.flatMap((call) => call.events.map((event) => event.eventId))).toEqual(['c3']); // c2 was applied before
  });

  it('in a manual warehouse waits for the pick and packs only when every unit is scanned', async () => {
    const world = fakeWorld();
    const input = shipmentInput('manual');
    const upcA = upcOf('SKU-A');
    const upcB = upcOf('SKU-B');
    await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startShipment(taskQueue, input);
      await eventually(() => callsOf(world, 'createShipment').length === 1);

      expect(await refusalOf(handle.executeUpdate(scanItemUpdate, { args: [{ upc: upcA }] }))).toBe('invalid_shipment_state');
      const picked = await handle.executeUpdate(confirmPickUpdate, { args: [{ pickedBy: 'sam' }] });
      expect(picked.status).toBe('AWAITING_PACK');
      expect(await refusalOf(handle.executeUpdate(confirmPickUpdate, { args: [{}] }))).toBe('invalid_shipment_state');

      expect(await refusalOf(handle.executeUpdate(scanItemUpdate, { args: [{ upc: '036000291452' }] }))).toBe('item_not_in_shipment');
      const first = await handle.executeUpdate(scanItemUpdate, { args: [{ upc: upcB }] });
      expect(first).toMatchObject({ sku: 'SKU-B', packed: false, remaining: [{ sku: 'SKU-A', quantity: 2 }] });
      expect(await refusalOf(handle.executeUpdate(scanItemUpdate, { args: [{ upc: upcB }] }))).toBe('scan_exceeds_quantity');
      await handle.executeUpdate(scanItemUpdate, { args: [{ upc: upcA }] });
      expect(callsOf(world, 'buyLabel')).toHaveLength(0); // one unit still unscanned
      const last = await handle.executeUpdate(scanItemUpdate, { args: [{ upc: upcA }] });
      expect(last).toMatchObject({ packed: true, remaining: [] });

      await eventually(async () => (await handle.query(shipmentStatusQuery)).status === 'SHIPPED');
      await handle.signal(carrierEventSignal, carrierEvent(input, 'delivered', 'm1'));
      await handle.result();
    });
    expect(callsOf(world, 'recordShipmentStatus').map((call) => call.status)).toEqual(['AWAITING_PACK', 'PACKED']);
    expect(callsOf(world, 'capturePayment')).toEqual([{ orderId: input.orderId, shipmentId: input.shipmentId, amountCents: 3000 }]);
  });
});

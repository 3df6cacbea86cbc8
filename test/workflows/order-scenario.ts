import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { OrderStatusChange } from '../../activities/orders';
import type { CarrierEvent } from '../../domain/types';
import { carrierEventSignal, OrderInput, orderWorkflowId, shipmentWorkflowId } from '../../workflows/definitions';
import { eventually } from '../helpers/eventually';
import { callsOf, FakeWorld } from './fake-activities';

export const DAY_MS = 24 * 3_600_000;

/** Order workflow tests on the time-skipping server: inputs, starting, delivering, gates. */
export function orderScenario(env: () => TestWorkflowEnvironment) {
  /** Deadlines count from the test server's clock, which earlier tests have moved forward. */
  async function orderInput(overrides: Partial<OrderInput> = {}): Promise<OrderInput> {
    const now = await env().currentTimeMs();
    return {
      orderId: `ord_${randomUUID().replace(/-/g, '').slice(0, 12)}`,
      customerId: 'cus_1',
      channel: 'web',
      currency: 'USD',
      lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 2, unitPriceCents: 1000 }],
      shippingCents: 500,
      totalCents: 2500,
      backorderPolicy: 'wait',
      backorderDeadline: new Date(now + 3 * DAY_MS).toISOString(),
      captureMode: 'on_shipment',
      ...overrides,
    };
  }

  async function startOrder(taskQueue: string, input: OrderInput) {
    return env().client.workflow.start('orderWorkflow', { taskQueue, workflowId: orderWorkflowId(input.orderId), args: [input] });
  }

  function delivered(orderId: string, shipmentNo: number, eventId = `evt_${randomUUID()}`): CarrierEvent {
    return {
      carrier: 'sandbox',
      eventId,
      trackingNumber: `SBX-${orderId}-${shipmentNo}`,
      status: 'delivered',
      occurredAt: new Date().toISOString(),
    };
  }

  async function deliverShipment(orderId: string, shipmentNo: number): Promise<void> {
    const handle = env().client.workflow.getHandle(shipmentWorkflowId(orderId, shipmentNo));
    await eventually(async () => ((await handle.query('status')) as { status: string }).status === 'SHIPPED');
    await handle.signal(carrierEventSignal, delivered(orderId, shipmentNo));
  }

  return { orderInput, startOrder, delivered, deliverShipment };
}

export function statuses(world: FakeWorld): string[] {
  return callsOf<OrderStatusChange>(world, 'recordOrderStatus').map((change) => change.status);
}

/** A promise a fake activity waits for, opened by the test to stage a race. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ReturnStatusChange } from '../../activities/returns';
import type { CarrierEvent, CarrierEventStatus, ReturnStatus } from '../../domain/types';
import { carrierEventSignal, ReturnInput, returnStatusQuery, returnWorkflowId } from '../../workflows/definitions';
import { eventually } from '../helpers/eventually';
import { callsOf, FakeWorld } from './fake-activities';

/** Return workflow tests on the time-skipping server: inputs, starting, carrier events, refusals. */
export function returnScenario(env: () => TestWorkflowEnvironment) {
  /** One damaged unit of 1000 cents: the rules approve it. */
  function returnInput(overrides: Partial<ReturnInput> = {}): ReturnInput {
    const id = randomUUID().replace(/-/g, '').slice(0, 12);
    return {
      returnId: `ret_${id}`,
      orderId: `ord_${id}`,
      customerId: 'cus_1',
      channel: 'web',
      currency: 'USD',
      locationId: 'WH-A',
      lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 2, reason: 'damaged', unitPriceCents: 1000 }],
      policy: {
        autoApproveReasons: ['damaged', 'wrong_item', 'not_as_described'],
        autoApproveMaxCents: 20_000,
        approvalTimeoutHours: 72,
        parcelExpiryDays: 30,
        restockingFeePercent: 10,
      },
      advanceExchange: false,
      ...overrides,
    };
  }

  async function startReturn(taskQueue: string, input: ReturnInput) {
    return env().client.workflow.start('returnWorkflow', { taskQueue, workflowId: returnWorkflowId(input.returnId), args: [input] });
  }

  type Handle = Awaited<ReturnType<typeof startReturn>>;

  async function untilStatus(handle: Handle, status: ReturnStatus): Promise<void> {
    await eventually(async () => (await handle.query(returnStatusQuery)).status === status);
  }

  async function sendCarrierEvent(handle: Handle, input: ReturnInput, status: CarrierEventStatus, eventId: string): Promise<void> {
    const event: CarrierEvent = {
      carrier: 'sandbox',
      eventId,
      trackingNumber: `SBX-${input.returnId}`,
      status,
      occurredAt: new Date().toISOString(),
    };
    await handle.signal(carrierEventSignal, event);
  }

  return { returnInput, startReturn, untilStatus, sendCarrierEvent };
}

export function returnStatuses(world: FakeWorld): ReturnStatus[] {
  return callsOf<ReturnStatusChange>(world, 'recordReturnStatus').map((change) => change.status);
}

/** The Refusal type an update was rejected with. */
export async function refusalOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (failure) => failure,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return (error.cause as ApplicationFailure).type!;
}

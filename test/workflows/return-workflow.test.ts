import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ReturnStatusChange } from '../../activities/returns';
import {
  approveReturnUpdate,
  cancelReturnUpdate,
  receiveReturnUpdate,
  rejectReturnUpdate,
  returnStatusQuery,
} from '../../workflows/definitions';
import { ReturnStatusKey } from '../../workflows/search-attributes';
import { createTimeSkippingEnv, withWorker } from './environment';
import { callsOf, fakeActivities, fakeWorld } from './fake-activities';
import { gate } from './order-scenario';
import { refusalOf, returnScenario, returnStatuses } from './return-scenario';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const { returnInput, startReturn, untilStatus, sendCarrierEvent } = returnScenario(() => env);
const DAY_MS = 24 * 3_600_000;
/** changed_mind is not on the auto list: ops decide. */
const needsOps = { lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 1, reason: 'changed_mind' as const, unitPriceCents: 1000 }] };

describe('return workflow: approval', () => {
  it('is approved by the rules, follows the parcel, and refunds once after inspection', async () => {
    const world = fakeWorld({ refundCents: 1800 });
    const input = returnInput();
    const { result, view, attribute } = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_PARCEL');
      await sendCarrierEvent(handle, input, 'picked_up', 'r1');
      await untilStatus(handle, 'IN_TRANSIT');
      await sendCarrierEvent(handle, input, 'delivered', 'r2');
      await untilStatus(handle, 'ARRIVED');
      const received = await handle.executeUpdate(receiveReturnUpdate, {
        args: [{ lines: [{ lineNo: 1, restock: 1, damaged: 1, scrap: 0 }], by: 'dock-7' }],
      });
      expect(received.lines[0].received).toEqual({ lineNo: 1, restock: 1, damaged: 1, scrap: 0 });
      const result = await handle.result();
      return { result, view: await handle.query(returnStatusQuery), attribute: (await handle.describe()).typedSearchAttributes.get(ReturnStatusKey) };
    });
    expect(result).toBe('CLOSED');
    expect(attribute).toBe('CLOSED');
    expect(returnStatuses(world)).toEqual(['APPROVED', 'AWAITING_PARCEL', 'IN_TRANSIT', 'ARRIVED', 'RECEIVED', 'REFUNDED', 'CLOSED']);
    const changes = callsOf<ReturnStatusChange>(world, 'recordReturnStatus');
    expect(changes.map((change) => change.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(changes[0].decision).toEqual({ approved: true, by: 'rules' });
    expect(callsOf(world, 'receiveReturn')).toEqual([
      { returnId: input.returnId, orderId: input.orderId, locationId: 'WH-A', lines: [{ lineNo: 1, restock: 1, damaged: 1, scrap: 0 }] },
    ]);
    expect(callsOf(world, 'refundReturn')).toEqual([{ returnId: input.returnId, exchanged: [] }]);
    expect(changes.find((change) => change.status === 'REFUNDED')!.detail).toEqual({ refundCents: 1800 });
    expect(view).toMatchObject({ status: 'CLOSED', refundCents: 1800, trackingNumber: `SBX-${input.returnId}` });
    expect(view.timeline.map((entry) => entry.type)).toEqual(
      expect.arrayContaining(['approved', 'carrier_picked_up', 'carrier_delivered', 'received', 'refunded', 'closed']),
    );
    expect(callsOf(world, 'voidReturnLabel')).toHaveLength(0);
  });

  it('waits for ops, who approve it; a second decision is refused', async () => {
    const world = fakeWorld();
    const input = returnInput(needsOps);
    await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_APPROVAL');
      expect(callsOf(world, 'buyReturnLabel')).toHaveLength(0);
      const approved = await handle.executeUpdate(approveReturnUpdate, { args: [{ by: 'ops-1', note: 'regular customer' }] });
      expect(approved.decision).toEqual({ approved: true, by: 'ops-1', note: 'regular customer' });
      expect(await refusalOf(handle.executeUpdate(rejectReturnUpdate, { args: [{}] }))).toBe('return_not_awaiting_approval');
      await untilStatus(handle, 'AWAITING_PARCEL');
      await handle.executeUpdate(cancelReturnUpdate, { args: [{ reason: 'customer kept it' }] });
      await handle.result();
    });
    expect(returnStatuses(world)).toEqual(['AWAITING_APPROVAL', 'APPROVED', 'AWAITING_PARCEL', 'CANCELLED']);
    const approved = callsOf<ReturnStatusChange>(world, 'recordReturnStatus')[1];
    expect(approved.decision).toEqual({ approved: true, by: 'ops-1', note: 'regular customer' });
  });

  it('expires when nobody decides before the approval deadline', async () => {
    const world = fakeWorld();
    const input = returnInput(needsOps);
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      return handle.result(); // the time-skipping server jumps over the 72 hours
    });
    expect(result).toBe('EXPIRED');
    expect(returnStatuses(world)).toEqual(['AWAITING_APPROVAL', 'EXPIRED']);
    expect(callsOf<ReturnStatusChange>(world, 'recordReturnStatus')[1].reason).toBe('approval_deadline_passed');
    expect(callsOf(world, 'buyReturnLabel')).toHaveLength(0);
    expect(callsOf(world, 'refundReturn')).toHaveLength(0);
  });

  it('is rejected by ops with their note, and then accepts no approval', async () => {
    const world = fakeWorld();
    const input = returnInput(needsOps);
    const view = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_APPROVAL');
      // The REJECTED write waits, so the workflow is still there to refuse what comes after.
      const statusWrite = gate();
      world.gates.recordReturnStatus = statusWrite.promise;
      const rejected = await handle.executeUpdate(rejectReturnUpdate, { args: [{ by: 'ops-2', note: 'worn' }] });
      expect(await refusalOf(handle.executeUpdate(approveReturnUpdate, { args: [{}] }))).toBe('return_not_awaiting_approval');
      expect(await refusalOf(handle.executeUpdate(cancelReturnUpdate, { args: [{ reason: 'late' }] }))).toBe('return_not_cancellable');
      statusWrite.open();
      await handle.result();
      return rejected;
    });
    expect(view).toMatchObject({ status: 'REJECTED', reason: 'worn', decision: { approved: false, by: 'ops-2', note: 'worn' } });
    const last = callsOf<ReturnStatusChange>(world, 'recordReturnStatus').at(-1)!;
    expect(last).toMatchObject({ status: 'REJECTED', reason: 'worn', decision: { approved: false, by: 'ops-2', note: 'worn' } });
    expect(callsOf(world, 'buyReturnLabel')).toHaveLength(0);
  });

  it('refuses a receipt before the label exists', async () => {
    const world = fakeWorld();
    const input = returnInput(needsOps);
    await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_APPROVAL');
      const receipt = handle.executeUpdate(receiveReturnUpdate, { args: [{ lines: [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }] }] });
      expect(await refusalOf(receipt)).toBe('return_not_receivable');
      await handle.executeUpdate(cancelReturnUpdate, { args: [{ reason: 'changed my mind again' }] });
      expect(await handle.result()).toBe('CANCELLED');
    });
    expect(callsOf(world, 'receiveReturn')).toHaveLength(0);
  });
});

describe('return workflow: the parcel', () => {
  it('expires when no parcel comes before the parcel deadline, voiding the unused label', async () => {
    const world = fakeWorld();
    const input = returnInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_PARCEL');
      return handle.result();
    });
    expect(result).toBe('EXPIRED');
    expect(returnStatuses(world)).toEqual(['APPROVED', 'AWAITING_PARCEL', 'EXPIRED']);
    expect(callsOf<ReturnStatusChange>(world, 'recordReturnStatus').at(-1)!.reason).toBe('parcel_not_received');
    expect(callsOf(world, 'voidReturnLabel')).toEqual([{ returnId: input.returnId }]);
    expect(callsOf(world, 'refundReturn')).toHaveLength(0);
  });

  it('expires a parcel still in transit at the deadline without voiding its label (the carrier has it)', async () => {
    const world = fakeWorld();
    const input = returnInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_PARCEL');
      await sendCarrierEvent(handle, input, 'in_transit', 't1');
      await untilStatus(handle, 'IN_TRANSIT');
      return handle.result();
    });
    expect(result).toBe('EXPIRED');
    expect(callsOf(world, 'voidReturnLabel')).toHaveLength(0);
  });

  it('applies each carrier event once and never moves backwards; a parcel at the warehouse waits for the dock past the deadline', async () => {
    const world = fakeWorld();
    const input = returnInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_PARCEL');
      await sendCarrierEvent(handle, input, 'picked_up', 'e1');
      await sendCarrierEvent(handle, input, 'picked_up', 'e1'); // redelivered webhook
      await sendCarrierEvent(handle, input, 'delivered', 'e3');
      await sendCarrierEvent(handle, input, 'in_transit', 'e2'); // arrives late
      await sendCarrierEvent(handle, input, 'delivered', 'e3'); // again
      await untilStatus(handle, 'ARRIVED');
      await env.sleep(31 * DAY_MS);
      expect((await handle.query(returnStatusQuery)).status).toBe('ARRIVED');
      await handle.executeUpdate(receiveReturnUpdate, { args: [{ lines: [{ lineNo: 1, restock: 2, damaged: 0, scrap: 0 }] }] });
      return handle.result();
    });
    expect(result).toBe('CLOSED');
    const changes = callsOf<ReturnStatusChange>(world, 'recordReturnStatus');
    const applied = changes.flatMap((change) => (change.appliedEvents ?? []).map((event) => event.eventId));
    expect(applied).toEqual(['e1', 'e3']);
    expect(returnStatuses(world).filter((status) => status === 'IN_TRANSIT' || status === 'ARRIVED')).toEqual(['IN_TRANSIT', 'ARRIVED']);
  });

  it('fails with the reason when the carrier refuses the return label', async () => {
    const world = fakeWorld({ carrier: 'refuses' });
    const input = returnInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      return handle.result();
    });
    expect(result).toBe('FAILED');
    expect(callsOf<ReturnStatusChange>(world, 'recordReturnStatus').at(-1)).toMatchObject({ status: 'FAILED', reason: 'carrier_refused' });
  });
});

describe('return workflow: cancel and receipt', () => {
  it('cancels before receipt, voiding the label, and then refuses the receipt', async () => {
    const world = fakeWorld();
    const input = returnInput();
    const view = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_PARCEL');
      const cancelled = await handle.executeUpdate(cancelReturnUpdate, { args: [{ reason: 'found a better one', by: 'cus_1' }] });
      const receipt = handle.executeUpdate(receiveReturnUpdate, { args: [{ lines: [{ lineNo: 1, restock: 1, damaged: 0, scrap: 0 }] }] });
      expect(await refusalOf(receipt)).toBe('return_not_receivable');
      await handle.result();
      return cancelled;
    });
    expect(view).toMatchObject({ status: 'CANCELLED', reason: 'found a better one' });
    expect(callsOf(world, 'voidReturnLabel')).toEqual([{ returnId: input.returnId }]);
    expect(callsOf(world, 'receiveReturn')).toHaveLength(0);
    expect(callsOf(world, 'refundReturn')).toHaveLength(0);
  });

  it('refuses a cancel once the parcel is received, and refunds', async () => {
    const world = fakeWorld();
    const input = returnInput();
    await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_PARCEL');
      // The refund waits, so the workflow is still there to refuse the cancel.
      const refund = gate();
      world.gates.refundReturn = refund.promise;
      await handle.executeUpdate(receiveReturnUpdate, { args: [{ lines: [{ lineNo: 1, restock: 2, damaged: 0, scrap: 0 }] }] });
      expect(await refusalOf(handle.executeUpdate(cancelReturnUpdate, { args: [{ reason: 'too late' }] }))).toBe('return_not_cancellable');
      refund.open();
      expect(await handle.result()).toBe('CLOSED');
    });
    expect(callsOf(world, 'voidReturnLabel')).toHaveLength(0);
    expect(callsOf(world, 'refundReturn')).toHaveLength(1);
  });

  it('lets exactly one of a racing cancel and receipt through', async () => {
    const world = fakeWorld();
    const input = returnInput();
    const { outcomes, result } = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_PARCEL');
      const outcomes = await Promise.allSettled([
        handle.executeUpdate(receiveReturnUpdate, { args: [{ lines: [{ lineNo: 1, restock: 2, damaged: 0, scrap: 0 }] }] }),
        handle.executeUpdate(cancelReturnUpdate, { args: [{ reason: 'raced' }] }),
      ]);
      return { outcomes, result: await handle.result() };
    });
    const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    expect(accepted).toHaveLength(1);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    const type = (refused.reason.cause as { type: string }).type;
    if (result === 'CLOSED') {
      expect(type).toBe('return_not_cancellable');
      expect(callsOf(world, 'refundReturn')).toHaveLength(1);
    } else {
      expect(result).toBe('CANCELLED');
      expect(type).toBe('return_not_receivable');
      expect(callsOf(world, 'receiveReturn')).toHaveLength(0);
    }
  });

  it('refuses inspection quantities that do not add up, then takes correct ones', async () => {
    const world = fakeWorld();
    const input = returnInput();
    await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_PARCEL');
      const receive = (lines: { lineNo: number; restock: number; damaged: number; scrap: number }[]) =>
        handle.executeUpdate(receiveReturnUpdate, { args: [{ lines }] });
      expect(await refusalOf(receive([{ lineNo: 1, restock: 2, damaged: 1, scrap: 0 }]))).toBe('inspection_quantities_mismatch');
      expect(await refusalOf(receive([{ lineNo: 2, restock: 1, damaged: 0, scrap: 0 }]))).toBe('inspection_quantities_mismatch');
      expect(
        await refusalOf(
          receive([
            { lineNo: 1, restock: 1, damaged: 0, scrap: 0 },
            { lineNo: 1, restock: 1, damaged: 0, scrap: 0 },
          ]),
        ),
      ).toBe('inspection_quantities_mismatch');
      expect(await refusalOf(receive([{ lineNo: 1, restock: -1, damaged: 2, scrap: 0 }]))).toBe('inspection_quantities_mismatch');
      expect(callsOf(world, 'receiveReturn')).toHaveLength(0);
      // One of two units arrived, scrapped: units never received are not refunded.
      await receive([{ lineNo: 1, restock: 0, damaged: 0, scrap: 1 }]);
      expect(await handle.result()).toBe('CLOSED');
    });
    expect(callsOf(world, 'receiveReturn')).toHaveLength(1);
  });
});

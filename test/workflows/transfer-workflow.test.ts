import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ShipmentStatusKey } from '../../workflows/search-attributes';
import {
  cancelTransferUpdate,
  receiveTransferUpdate,
  shipTransferUpdate,
  type TransferInput,
  TransferRefusal,
  transferStatusQuery,
  transferWorkflowId,
} from '../../workflows/transfer-definitions';
import { eventually } from '../helpers/eventually';
import { createTimeSkippingEnv, withWorker } from './environment';
import { callsOf, fakeActivities, fakeWorld } from './fake-activities';
import { addFakeTransfer } from './fake-transfer-activities';
import { refusalOf } from './return-scenario';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

function transferInput(autoShip: boolean): TransferInput {
  const transferId = `trf_${randomUUID()}`;
  return { transferId, fromLocationId: 'WH-A', toLocationId: 'WH-B', autoShip, lines: addFakeTransfer(transferId, [{ sku: 'SKU-A', quantity: 5 }]) };
}

const start = (taskQueue: string, input: TransferInput) =>
  env.client.workflow.start('transferWorkflow', { taskQueue, workflowId: transferWorkflowId(input.transferId), args: [input] });

describe('transfer workflow', () => {
  it('waits for the ship update, applies a partial receipt, and writes off the rest once the deadline passes', async () => {
    const world = fakeWorld();
    const input = transferInput(false);
    const { result, refusals, attribute } = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      const early = await refusalOf(handle.executeUpdate(receiveTransferUpdate, { args: [{ lines: [{ sku: 'SKU-A', quantity: 1 }] }] }));
      const shipped = await handle.executeUpdate(shipTransferUpdate, { args: [{}] });
      expect(shipped).toMatchObject({ status: 'IN_TRANSIT', lines: [{ shipped: 5 }] });
      const twice = await refusalOf(handle.executeUpdate(shipTransferUpdate, { args: [{}] }));
      const received = await handle.executeUpdate(receiveTransferUpdate, { args: [{ lines: [{ sku: 'SKU-A', quantity: 2 }] }] });
      expect(received.lines[0]).toMatchObject({ received: 2 });
      const tooMany = await refusalOf(handle.executeUpdate(receiveTransferUpdate, { args: [{ lines: [{ sku: 'SKU-A', quantity: 4 }] }] }));
      const unknown = await refusalOf(handle.executeUpdate(receiveTransferUpdate, { args: [{ lines: [{ sku: 'SKU-Z', quantity: 1 }] }] }));
      // The time-skipping server jumps to the deadline while the test waits for the result.
      const result = await handle.result();
      return {
        result,
        refusals: [early, twice, tooMany, unknown],
        attribute: (await handle.describe()).typedSearchAttributes.get(ShipmentStatusKey),
        view: await handle.query(transferStatusQuery),
      };
    });
    expect(result).toBe('CLOSED_SHORT');
    expect(attribute).toBe('CLOSED_SHORT');
    expect(refusals).toEqual([TransferRefusal.notInTransit, TransferRefusal.notAwaitingShipment, TransferRefusal.exceedsShipped, TransferRefusal.skuNotOnTransfer]);
    expect(callsOf(world, 'receiveTransfer')).toEqual([{ transferId: input.transferId, receiptNo: 1, lines: [{ sku: 'SKU-A', quantity: 2 }] }]);
    expect(callsOf(world, 'wakeForTransferReceipt')).toEqual([{ transferId: input.transferId, receiptNo: 1, skus: ['SKU-A'] }]);
    expect(callsOf(world, 'writeOffTransferShortfall')).toEqual([{ transferId: input.transferId }]);
  });

  it('ships at once from an auto source and closes RECEIVED without a write-off', async () => {
    const world = fakeWorld();
    const input = transferInput(true);
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await eventually(async () => (await handle.query(transferStatusQuery)).status === 'IN_TRANSIT');
      await handle.executeUpdate(receiveTransferUpdate, { args: [{ lines: [{ sku: 'SKU-A', quantity: 5 }] }] });
      return handle.result();
    });
    expect(result).toBe('RECEIVED');
    expect(callsOf(world, 'shipTransfer')).toHaveLength(1);
    expect(callsOf(world, 'writeOffTransferShortfall')).toEqual([]);
  });

  it('cancelled while RESERVED releases the hold and closes CANCELLED; then it can no longer ship, and an auto source cannot be cancelled', async () => {
    const world = fakeWorld();
    const input = transferInput(false);
    const auto = transferInput(true);
    const outcome = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      const cancelled = await handle.executeUpdate(cancelTransferUpdate, { args: [{ by: 'key_ops', reason: 'not needed' }] });
      const result = await handle.result();
      const autoHandle = await start(taskQueue, auto);
      await eventually(async () => (await autoHandle.query(transferStatusQuery)).status === 'IN_TRANSIT');
      const autoRefusal = await refusalOf(autoHandle.executeUpdate(cancelTransferUpdate, { args: [{}] }));
      await autoHandle.executeUpdate(receiveTransferUpdate, { args: [{ lines: [{ sku: 'SKU-A', quantity: 5 }] }] });
      await autoHandle.result();
      return { cancelled: cancelled.status, result, autoRefusal };
    });
    expect(outcome).toEqual({ cancelled: 'CANCELLED', result: 'CANCELLED', autoRefusal: TransferRefusal.notCancellable });
    expect(callsOf(world, 'cancelTransfer')).toEqual([{ transferId: input.transferId, by: 'key_ops', reason: 'not needed' }]);
    expect(callsOf(world, 'wakeForTransferRelease')).toEqual([{ transferId: input.transferId, skus: ['SKU-A'] }]);
    expect(callsOf(world, 'shipTransfer')).toEqual([{ transferId: auto.transferId }]);
  });
});

import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  approvePurchaseOrderUpdate,
  confirmPurchaseOrderUpdate,
  type PurchaseOrderInput,
  PurchaseOrderRefusal,
  purchaseOrderStatusQuery,
  purchaseOrderWorkflowId,
  receivePurchaseOrderUpdate,
} from '../../workflows/purchase-order-definitions';
import { PurchaseOrderLateKey, PurchaseOrderStatusKey } from '../../workflows/search-attributes';
import { eventually } from '../helpers/eventually';
import { createTimeSkippingEnv, withWorker } from './environment';
import { callsOf, fakeActivities, fakeWorld } from './fake-activities';
import { addFakePurchaseOrder, FAKE_LEAD_TIME_DAYS } from './fake-purchase-order-activities';
import { refusalOf } from './return-scenario';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

function poInput(submitMode: 'auto' | 'approval'): PurchaseOrderInput {
  const purchaseOrderId = `po_${randomUUID()}`;
  return { purchaseOrderId, submitMode, tolerancePercent: 10, lines: addFakePurchaseOrder(purchaseOrderId, [{ sku: 'SKU-A', quantity: 10 }]) };
}

const start = (taskQueue: string, input: PurchaseOrderInput) =>
  env.client.workflow.start('purchaseOrderWorkflow', {
    taskQueue,
    workflowId: purchaseOrderWorkflowId(input.purchaseOrderId),
    args: [input],
    typedSearchAttributes: [
      { key: PurchaseOrderStatusKey, value: 'DRAFT' },
      { key: PurchaseOrderLateKey, value: false },
    ],
  });

describe('purchase order workflow', () => {
  it('waits for approval, then flags the PO late once past its due time, and closes when everything arrived', async () => {
    const world = fakeWorld();
    const input = poInput('approval');
    const outcome = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      // A day passes with the draft untouched: it waits for ops, nothing is submitted.
      await env.sleep('1 day');
      const waiting = await handle.query(purchaseOrderStatusQuery);
      const submittedEarly = callsOf(world, 'submitPurchaseOrder').length;
      const earlyReceipt = await refusalOf(handle.executeUpdate(receivePurchaseOrderUpdate, { args: [{ lines: [{ sku: 'SKU-A', quantity: 1 }] }] }));
      const approved = await handle.executeUpdate(approvePurchaseOrderUpdate, { args: [{}] });
      const twice = await refusalOf(handle.executeUpdate(approvePurchaseOrderUpdate, { args: [{}] }));
      const stranger = await refusalOf(handle.executeUpdate(confirmPurchaseOrderUpdate, { args: [{ lines: [{ sku: 'SKU-Z', quantity: 1 }] }] }));
      // Past the lead time with nothing received: late.
      await env.sleep(`${FAKE_LEAD_TIME_DAYS + 1} days`);
      const late = await handle.query(purchaseOrderStatusQuery);
      const lateAttribute = (await handle.describe()).typedSearchAttributes.get(PurchaseOrderLateKey);
      const partial = await handle.executeUpdate(receivePurchaseOrderUpdate, { args: [{ lines: [{ sku: 'SKU-A', quantity: 4 }] }] });
      const over = await refusalOf(handle.executeUpdate(receivePurchaseOrderUpdate, { args: [{ lines: [{ sku: 'SKU-A', quantity: 8 }] }] }));
      await handle.executeUpdate(receivePurchaseOrderUpdate, { args: [{ lines: [{ sku: 'SKU-A', quantity: 7 }] }] });
      const result = await handle.result();
      return {
        waiting,
        submittedEarly,
        approved,
        late,
        lateAttribute,
        partial,
        result,
        refusals: [earlyReceipt, twice, stranger, over],
        statusAttribute: (await handle.describe()).typedSearchAttributes.get(PurchaseOrderStatusKey),
      };
    });
    expect(outcome.waiting).toMatchObject({ status: 'DRAFT', late: false });
    expect(outcome.submittedEarly).toBe(0);
    expect(outcome.approved).toMatchObject({ status: 'SUBMITTED', late: false, expectedAt: expect.any(String) });
    expect(outcome.late).toMatchObject({ status: 'SUBMITTED', late: true });
    expect(outcome.lateAttribute).toBe(true);
    expect(outcome.partial).toMatchObject({ status: 'PARTIALLY_RECEIVED', lines: [{ received: 4 }] });
    expect(outcome.refusals).toEqual([
      PurchaseOrderRefusal.notReceivable,
      PurchaseOrderRefusal.notAwaitingApproval,
      PurchaseOrderRefusal.lineNotOnPurchaseOrder,
      // 10 ordered + 10% = 11 receivable; 4 in, 8 more would pass it.
      PurchaseOrderRefusal.overReceipt,
    ]);
    expect(outcome.result).toBe('CLOSED');
    expect(outcome.statusAttribute).toBe('CLOSED');
    expect(callsOf(world, 'markPurchaseOrderLate')).toHaveLength(1);
    expect(callsOf(world, 'wakeForPurchaseOrderReceipt')).toEqual([
      { purchaseOrderId: input.purchaseOrderId, receiptNo: 1, skus: ['SKU-A'] },
      { purchaseOrderId: input.purchaseOrderId, receiptNo: 2, skus: ['SKU-A'] },
    ]);
  });

  it('submits an auto draft at once, and a confirmation due later keeps it from being late', async () => {
    const world = fakeWorld();
    const input = poInput('auto');
    const outcome = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await eventually(async () => (await handle.query(purchaseOrderStatusQuery)).status === 'SUBMITTED');
      // Far enough ahead of the test server's clock, which earlier tests moved on.
      const later = new Date(Date.now() + 365 * 86_400_000).toISOString();
      const confirmed = await handle.executeUpdate(confirmPurchaseOrderUpdate, { args: [{ lines: [{ sku: 'SKU-A', quantity: 10 }], expectedAt: later }] });
      await env.sleep(`${FAKE_LEAD_TIME_DAYS + 2} days`);
      return { confirmed, after: await handle.query(purchaseOrderStatusQuery) };
    });
    expect(callsOf(world, 'submitPurchaseOrder')).toHaveLength(1);
    expect(outcome.confirmed).toMatchObject({ status: 'CONFIRMED', lines: [{ confirmedQuantity: 10 }] });
    expect(outcome.after).toMatchObject({ status: 'CONFIRMED', late: false });
    expect(callsOf(world, 'markPurchaseOrderLate')).toHaveLength(0);
  });
});

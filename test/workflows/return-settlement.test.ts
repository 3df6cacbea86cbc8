import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ReturnStatusChange } from '../../activities/returns';
import { orderWorkflowId, receiveReturnUpdate, returnStatusQuery } from '../../workflows/definitions';
import { eventually } from '../helpers/eventually';
import { createTimeSkippingEnv, withWorker } from './environment';
import { callsOf, fakeActivities, fakeWorld } from './fake-activities';
import { orderScenario } from './order-scenario';
import { returnScenario, returnStatuses } from './return-scenario';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const { returnInput, startReturn, untilStatus } = returnScenario(() => env);
const { deliverShipment } = orderScenario(() => env);
/** Two units of SKU-A at 1000 cents, to be exchanged for SKU-B. */
const exchangeLine = { lines: [{ lineNo: 1, sku: 'SKU-A', quantity: 2, reason: 'wrong_item' as const, unitPriceCents: 1000, exchangeSku: 'SKU-B' }] };

describe('return workflow: refund and exchange', () => {
  it('exchanges restocked units at equal price through a zero-amount replacement order, then closes', async () => {
    const world = fakeWorld({ stock: { 'WH-A': { 'SKU-B': 5 } }, exchangePrices: { 1: 1000 }, refundCents: 0 });
    const input = returnInput(exchangeLine);
    const exchangeOrderId = `ord_${input.returnId}`;
    const { result, view } = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_PARCEL');
      await handle.executeUpdate(receiveReturnUpdate, { args: [{ lines: [{ lineNo: 1, restock: 2, damaged: 0, scrap: 0 }] }] });
      await deliverShipment(exchangeOrderId, 1);
      return { result: await handle.result(), view: await handle.query(returnStatusQuery) };
    });
    expect(result).toBe('CLOSED');
    expect(view.exchangeOrderId).toBe(exchangeOrderId);
    expect(callsOf(world, 'refundReturn')).toEqual([{ returnId: input.returnId, exchanged: [{ lineNo: 1, quantity: 2, unitPriceCents: 1000 }] }]);
    expect(callsOf(world, 'createExchangeOrder')).toEqual([{ returnId: input.returnId, lines: [{ sku: 'SKU-B', quantity: 2, unitPriceCents: 0 }] }]);
    // The replacement runs through the normal order workflow: nothing new to authorize or capture.
    expect(callsOf(world, 'authorizePayment')).toEqual([{ orderId: exchangeOrderId, amountCents: 0, currency: 'USD' }]);
    expect(callsOf(world, 'recordOrderStatus').at(-1)).toMatchObject({ orderId: exchangeOrderId, status: 'DELIVERED' });
    expect(callsOf(world, 'refundExchangeShortfall')).toEqual([
      { returnId: input.returnId, exchangeOrderId, credits: [{ sku: 'SKU-B', lineNo: 1, unitCreditCents: 1000 }] },
    ]);
    expect(returnStatuses(world)).toEqual(['APPROVED', 'AWAITING_PARCEL', 'RECEIVED', 'REFUNDED', 'CLOSED']);
  });

  it('charges only the difference for a dearer exchange, refunds damaged units, and settles a replacement that never shipped', async () => {
    const world = fakeWorld({ exchangePrices: { 1: 1300 } }); // no SKU-B in stock: the replacement waits, then is cancelled
    const input = returnInput(exchangeLine);
    const exchangeOrderId = `ord_${input.returnId}`;
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_PARCEL');
      await handle.executeUpdate(receiveReturnUpdate, { args: [{ lines: [{ lineNo: 1, restock: 1, damaged: 1, scrap: 0 }] }] });
      await eventually(async () => (await handle.query(returnStatusQuery)).exchangeOrderId === exchangeOrderId);
      return handle.result(); // skips past the replacement's backorder deadline
    });
    expect(result).toBe('CLOSED');
    expect(callsOf(world, 'refundReturn')).toEqual([{ returnId: input.returnId, exchanged: [{ lineNo: 1, quantity: 1, unitPriceCents: 1300 }] }]);
    expect(callsOf(world, 'createExchangeOrder')).toEqual([{ returnId: input.returnId, lines: [{ sku: 'SKU-B', quantity: 1, unitPriceCents: 300 }] }]);
    const replacement = await env.client.workflow.getHandle(orderWorkflowId(exchangeOrderId)).result();
    expect(replacement).toBe('CANCELLED');
    expect(callsOf(world, 'refundExchangeShortfall')).toEqual([
      { returnId: input.returnId, exchangeOrderId, credits: [{ sku: 'SKU-B', lineNo: 1, unitCreditCents: 1000 }] },
    ]);
  });

  it('ships an advance exchange at once at its full price and refunds the returned units as any others', async () => {
    const world = fakeWorld({ stock: { 'WH-A': { 'SKU-B': 5 } }, exchangePrices: { 1: 1200 } });
    const input = returnInput({ ...exchangeLine, advanceExchange: true });
    const exchangeOrderId = `ord_${input.returnId}`;
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await eventually(() => callsOf(world, 'createShipment').length === 1); // the replacement ships before the parcel is back
      expect((await handle.query(returnStatusQuery)).status).toBe('AWAITING_PARCEL');
      await handle.executeUpdate(receiveReturnUpdate, { args: [{ lines: [{ lineNo: 1, restock: 2, damaged: 0, scrap: 0 }] }] });
      return handle.result();
    });
    expect(result).toBe('CLOSED');
    expect(callsOf(world, 'createExchangeOrder')).toEqual([{ returnId: input.returnId, lines: [{ sku: 'SKU-B', quantity: 2, unitPriceCents: 1200 }] }]);
    expect(callsOf(world, 'authorizePayment')).toEqual([{ orderId: exchangeOrderId, amountCents: 2400, currency: 'USD' }]);
    expect(callsOf(world, 'refundReturn')).toEqual([{ returnId: input.returnId, exchanged: [] }]);
    expect(callsOf(world, 'refundExchangeShortfall')).toHaveLength(0);
  });

  it('fails, for ops, when the gateway refuses the refund', async () => {
    const world = fakeWorld({ refusesRefunds: true });
    const input = returnInput();
    const result = await withWorker(env, fakeActivities(world), async (taskQueue) => {
      const handle = await startReturn(taskQueue, input);
      await untilStatus(handle, 'AWAITING_PARCEL');
      await handle.executeUpdate(receiveReturnUpdate, { args: [{ lines: [{ lineNo: 1, restock: 2, damaged: 0, scrap: 0 }] }] });
      return handle.result();
    });
    expect(result).toBe('FAILED');
    expect(returnStatuses(world)).toEqual(['APPROVED', 'AWAITING_PARCEL', 'RECEIVED', 'FAILED']);
    expect(callsOf<ReturnStatusChange>(world, 'recordReturnStatus').at(-1)!.reason).toBe('payment_refused');
    expect(callsOf(world, 'refundReturn')).toHaveLength(1);
  });
});

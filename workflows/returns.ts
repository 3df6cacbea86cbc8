import { ActivityFailure, allHandlersFinished, condition } from '@temporalio/workflow';
import type { ReturnStatus } from '../domain/types';
import type { ReturnInput } from './definitions';
import { end, failRefund } from './return-endings';
import { type Exchange, exchangesAfterInspection, exchangesInAdvance, runExchange } from './return-exchange';
import { handleReturnRequests } from './return-handlers';
import { awaitParcel, buyLabel } from './return-parcel';
import { db, newReturnState, recordStatus, refunds, type ReturnRun } from './return-state';

/**
 * A return from request to refund: approval (by rules, else ops until a deadline) -> return label
 * -> the parcel (carrier events, the dock's receipt, an expiry) -> inspection puts units back in
 * stock, quarantine or scrap -> refund -> exchange, if asked -> closed. A cancellation is accepted
 * until the parcel is received. Carrier events are few, so the history stays small and the
 * workflow never continues as new.
 */
export async function returnWorkflow(input: ReturnInput): Promise<ReturnStatus> {
  const r: ReturnRun = { input, s: newReturnState(input) };
  handleReturnRequests(r);
  if ((await decide(r)) && (await collectParcel(r))) await settle(r);
  await condition(allHandlersFinished);
  return r.s.status;
}

/** Approved by the rules at once, or by ops before the approval deadline; false when the return ended here. */
async function decide(r: ReturnRun): Promise<boolean> {
  const { input, s } = r;
  await recordStatus(r, s.status);
  if (s.status === 'APPROVED') return true;
  const decided = await condition(() => s.decision !== undefined || s.cancel !== undefined, input.policy.approvalTimeoutHours * 3_600_000);
  if (s.cancel) return end(r, 'CANCELLED', s.cancel.reason);
  if (!decided) return end(r, 'EXPIRED', 'approval_deadline_passed');
  if (!s.decision!.approved) return end(r, 'REJECTED', s.decision!.note ?? 'rejected');
  await recordStatus(r, 'APPROVED');
  return true;
}

/** Label, then the wait for the parcel; false when the return ended without it. */
async function collectParcel(r: ReturnRun): Promise<boolean> {
  const { input, s } = r;
  const label = await buyLabel(r);
  if (label === 'failed') return end(r, 'FAILED', s.reason!);
  if (label === 'cancelled') return end(r, 'CANCELLED', s.cancel!.reason, { voidLabel: true });
  await recordStatus(r, 'AWAITING_PARCEL', { trackingNumber: s.trackingNumber });
  if (input.advanceExchange) await runExchange(r, await exchangesInAdvance(r), { advance: true });

  const parcel = await awaitParcel(r);
  if (parcel === 'cancelled') return end(r, 'CANCELLED', s.cancel!.reason, { voidLabel: true });
  // Void the label only while the customer has not handed the parcel over.
  if (parcel === 'expired') return end(r, 'EXPIRED', 'parcel_not_received', { voidLabel: s.status === 'AWAITING_PARCEL' });
  return true;
}

/** Stock first, then money: received units are refunded, restocked exchange units become a replacement order. */
async function settle(r: ReturnRun): Promise<void> {
  const { input, s } = r;
  const receipt = s.receipt!;
  await db.receiveReturn({ returnId: input.returnId, orderId: input.orderId, locationId: input.locationId, lines: receipt.lines });
  await recordStatus(r, 'RECEIVED', receipt.by ? { by: receipt.by } : {});

  const exchanges = input.advanceExchange ? [] : await exchangesAfterInspection(r);
  if (!(await refund(r, exchanges))) return;
  await recordStatus(r, 'REFUNDED', { refundCents: s.refundCents });
  if (exchanges.length > 0 && !(await runExchange(r, exchanges, { advance: false }))) return;
  await recordStatus(r, 'CLOSED');
}

/** False when the gateway refused the refund or stayed unreachable past the bound: the return then FAILED. */
async function refund(r: ReturnRun, exchanges: Exchange[]): Promise<boolean> {
  const { input, s } = r;
  try {
    const { refundedCents } = await refunds.refundReturn({
      returnId: input.returnId,
      exchanged: exchanges.map(({ lineNo, quantity, priceCents }) => ({ lineNo, quantity, unitPriceCents: priceCents })),
    });
    s.refundCents = refundedCents;
    return true;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return failRefund(r, error);
  }
}

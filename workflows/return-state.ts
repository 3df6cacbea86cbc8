import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { autoApproves } from '../domain/returns';
import type { TrackingState } from '../domain/tracking';
import { type CarrierEvent, FINAL_RETURN_STATUSES, type ReturnStatus } from '../domain/types';
import { externalServiceActivity } from './activity-options';
import { db } from './database';
import type { ReceivedLine, ReturnInput, ReturnView, TimelineEntry } from './definitions';
import { FailureReasonKey, ReturnStatusKey } from './search-attributes';

export { db };

// Every retry is bounded (scheduleToCloseTimeout in activity-options.ts).
/** The carrier: labels and voids. */
export const carrier = proxyActivities<Activities>(externalServiceActivity);
/** Refunds: money owed to a customer is worth a day of gateway outage before ops are asked. */
export const refunds = proxyActivities<Activities>({ ...externalServiceActivity, scheduleToCloseTimeout: '24h' });

/** Everything the return knows. The history stays small (a few carrier events, no loops), so it never continues as new. */
export interface ReturnState {
  status: ReturnStatus;
  statusChanges: number;
  decision?: { approved: boolean; by?: string; note?: string };
  cancel?: { reason: string; by?: string };
  receipt?: { lines: ReceivedLine[]; by?: string };
  /** CANCELLED, REJECTED, EXPIRED, FAILED: why. */
  reason?: string;
  trackingNumber?: string;
  labelUrl?: string;
  tracking: TrackingState;
  /** Carrier events received but not yet applied, in arrival order. */
  inbox: CarrierEvent[];
  /** Carrier events applied but not yet marked applied in Postgres: written with the next status. */
  appliedEvents: { carrier: string; eventId: string }[];
  refundCents?: number;
  exchangeOrderId?: string;
  timeline: TimelineEntry[];
}

export interface ReturnRun {
  input: ReturnInput;
  s: ReturnState;
}

const TIMELINE_LENGTH = 100;

/** Rules decide at once, so an update never sees a return that waits for approval it does not need. */
export function newReturnState(input: ReturnInput): ReturnState {
  const approvedByRules = autoApproves(input.lines, input.policy);
  return {
    status: approvedByRules ? 'APPROVED' : 'AWAITING_APPROVAL',
    statusChanges: 0,
    decision: approvedByRules ? { approved: true, by: 'rules' } : undefined,
    // The label is the parcel's start: no carrier event has moved it yet.
    tracking: { status: 'LABELLED', progress: -1, appliedEventIds: [] },
    inbox: [],
    appliedEvents: [],
    timeline: [],
  };
}

export const isFinalReturn = (status: ReturnStatus): boolean => FINAL_RETURN_STATUSES.includes(status);

/** The search attribute ops filter on, the live timeline, and the projection (versioned: a late write never wins). */
export async function recordStatus(r: ReturnRun, status: ReturnStatus, detail: Record<string, unknown> = {}): Promise<void> {
  const { input, s } = r;
  s.status = status;
  s.statusChanges += 1;
  const reason = isFinalReturn(status) && status !== 'CLOSED' ? s.reason : undefined;
  upsertSearchAttributes([
    { key: ReturnStatusKey, value: status },
    ...(status === 'FAILED' && reason ? [{ key: FailureReasonKey, value: reason }] : []),
  ]);
  note(s, status.toLowerCase(), [reason, Object.keys(detail).length ? JSON.stringify(detail) : undefined].filter(Boolean).join(' ') || undefined);
  await db.recordReturnStatus({
    returnId: input.returnId,
    orderId: input.orderId,
    status,
    version: s.statusChanges,
    reason,
    decision: status === 'APPROVED' || status === 'REJECTED' ? s.decision : undefined,
    detail,
    appliedEvents: s.appliedEvents.splice(0),
  });
}

export function note(s: ReturnState, type: string, detail?: string): void {
  s.timeline.push({ at: new Date(Date.now()).toISOString(), type, detail });
  if (s.timeline.length > TIMELINE_LENGTH) s.timeline.splice(0, s.timeline.length - TIMELINE_LENGTH);
}

export function returnView({ input, s }: ReturnRun): ReturnView {
  return {
    returnId: input.returnId,
    orderId: input.orderId,
    status: s.status,
    lines: input.lines.map((line) => (s.receipt ? { ...line, received: receivedOf(s, line.lineNo) } : line)),
    trackingNumber: s.trackingNumber,
    labelUrl: s.labelUrl,
    refundCents: s.refundCents,
    exchangeOrderId: s.exchangeOrderId,
    decision: s.decision,
    reason: s.reason,
    timeline: s.timeline,
  };
}

/** What inspection found on a line; lines the dock left out arrived with no units. */
export function receivedOf(s: ReturnState, lineNo: number): ReceivedLine {
  return s.receipt?.lines.find((line) => line.lineNo === lineNo) ?? { lineNo, restock: 0, damaged: 0, scrap: 0 };
}

const AWAITING_RECEIPT: ReturnStatus[] = ['AWAITING_PARCEL', 'IN_TRANSIT', 'ARRIVED'];

/** The parcel may reach the dock: a label was bought and nothing was received or ended yet. */
export function isAwaitingReceipt(s: ReturnState): boolean {
  return AWAITING_RECEIPT.includes(s.status);
}

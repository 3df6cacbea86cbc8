import { allHandlersFinished, ApplicationFailure, condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { databaseActivity } from './activity-options';
import {
  approvePurchaseOrderUpdate,
  cancelPurchaseOrderUpdate,
  closePurchaseOrderUpdate,
  type ConfirmPurchaseOrderRequest,
  confirmPurchaseOrderUpdate,
  type EndPurchaseOrderRequest,
  OPEN_PURCHASE_ORDER_STATUSES,
  type PurchaseOrderInput,
  type PurchaseOrderProgress,
  PurchaseOrderRefusal,
  purchaseOrderStatusQuery,
  type PurchaseOrderView,
  receivableLimit,
  type ReceivePurchaseOrderRequest,
  receivePurchaseOrderUpdate,
} from './purchase-order-definitions';
import { PurchaseOrderLateKey, PurchaseOrderStatusKey } from './search-attributes';

// Bounded: a database down for a day fails the workflow, which ops see and reset.
const { submitPurchaseOrder, confirmPurchaseOrder, receivePurchaseOrder, markPurchaseOrderLate, endPurchaseOrder, wakeForPurchaseOrderReceipt } =
  proxyActivities<Activities>({ ...databaseActivity, scheduleToCloseTimeout: '24h' });

interface PurchaseOrderState extends PurchaseOrderProgress {
  approved: boolean;
  /** Requests accepted by the updates' validators, applied in order by the main flow. */
  confirmations: ConfirmPurchaseOrderRequest[];
  receipts: ReceivePurchaseOrderRequest['lines'][];
  ending?: { to: 'CANCELLED' | 'CLOSED'; reason: string };
  confirmed: number;
  applied: number;
}

/**
 * `po:<id>`: the API (or replenishment) drafted it. A draft with submit `auto` is submitted at once;
 * one with `approval` waits for ops' `approve` update (PurchaseOrderStatus="DRAFT"). Submitted, it
 * waits for the supplier's confirmation (webhook or ops' `confirm` update) and for receipts at the
 * dock (`receive`), each put into stock and waking backorders, until everything expected arrived
 * (CLOSED), ops close it short or cancel it. Past its due time with units outstanding it is flagged
 * PurchaseOrderLate=true once, with a note on its timeline.
 */
export async function purchaseOrderWorkflow(input: PurchaseOrderInput): Promise<string> {
  const s: PurchaseOrderState = {
    status: 'DRAFT',
    lines: input.lines,
    late: false,
    approved: input.submitMode === 'auto',
    confirmations: [],
    receipts: [],
    confirmed: 0,
    applied: 0,
  };
  const view = (): PurchaseOrderView => ({
    purchaseOrderId: input.purchaseOrderId,
    status: s.status,
    lines: s.lines,
    late: s.late,
    ...(s.expectedAt ? { expectedAt: s.expectedAt } : {}),
  });
  setHandler(purchaseOrderStatusQuery, view);
  setHandler(
    approvePurchaseOrderUpdate,
    async (_request) => {
      s.approved = true;
      await condition(() => s.status !== 'DRAFT');
      return view();
    },
    { validator: (_request) => refuseUnless(s.status === 'DRAFT' && !s.approved && !s.ending, PurchaseOrderRefusal.notAwaitingApproval, `is ${s.status}, not a draft awaiting approval`) },
  );
  setHandler(
    confirmPurchaseOrderUpdate,
    async (request) => {
      s.confirmations.push(request);
      const mine = s.confirmations.length;
      await condition(() => s.confirmed >= mine);
      return view();
    },
    { validator: (request) => refuseUnlessConfirmable(input, s, request) },
  );
  setHandler(
    receivePurchaseOrderUpdate,
    async (request) => {
      s.receipts.push(request.lines);
      const mine = s.receipts.length;
      await condition(() => s.applied >= mine);
      return view();
    },
    { validator: (request) => refuseUnlessReceivable(input, s, request) },
  );
  const ender = (to: 'CANCELLED' | 'CLOSED') => async (request: EndPurchaseOrderRequest) => {
    s.ending = { to, reason: request.reason };
    await condition(() => s.status === to);
    return view();
  };
  setHandler(cancelPurchaseOrderUpdate, ender('CANCELLED'), {
    validator: (_request) => refuseUnlessCancellable(s),
  });
  setHandler(closePurchaseOrderUpdate, ender('CLOSED'), {
    validator: (_request) =>
      refuseUnless(s.status === 'PARTIALLY_RECEIVED' && !s.ending && s.receipts.length === s.applied, PurchaseOrderRefusal.notClosable, `is ${s.status}: only a partly received PO closes short`),
  });

  const id = input.purchaseOrderId;
  await condition(() => s.approved || s.ending !== undefined);
  if (s.ending) {
    record(s, await endPurchaseOrder({ purchaseOrderId: id, ...s.ending }));
  } else {
    record(s, await submitPurchaseOrder({ purchaseOrderId: id }));
  }

  while (OPEN_PURCHASE_ORDER_STATUSES.includes(s.status) || s.applied < s.receipts.length) {
    const work = () => s.receipts.length > s.applied || s.confirmations.length > s.confirmed || s.ending !== undefined;
    const untilDue = s.late || !s.expectedAt ? undefined : new Date(s.expectedAt).getTime() - Date.now();
    if (untilDue === undefined) await condition(work);
    else if (untilDue > 0 ? !(await condition(work, untilDue)) : !work()) {
      record(s, await markPurchaseOrderLate({ purchaseOrderId: id }));
      continue;
    }
    if (s.confirmations.length > s.confirmed) {
      const confirmationNo = s.confirmed + 1;
      record(s, await confirmPurchaseOrder({ purchaseOrderId: id, confirmationNo, ...s.confirmations[s.confirmed] }));
      s.confirmed = confirmationNo;
    } else if (s.receipts.length > s.applied) {
      const receiptNo = s.applied + 1;
      const lines = s.receipts[s.applied];
      record(s, await receivePurchaseOrder({ purchaseOrderId: id, receiptNo, lines }));
      s.applied = receiptNo;
      await wakeForPurchaseOrderReceipt({ purchaseOrderId: id, receiptNo, skus: lines.map((line) => line.sku) });
    } else if (s.ending) {
      record(s, await endPurchaseOrder({ purchaseOrderId: id, ...s.ending }));
      if (OPEN_PURCHASE_ORDER_STATUSES.includes(s.status)) s.ending = undefined;
    }
  }
  // Whatever ended the PO, no update waits for ever for a step that cannot apply any more.
  s.confirmed = s.confirmations.length;
  await condition(allHandlersFinished);
  return s.status;
}

function record(s: PurchaseOrderState, progress: PurchaseOrderProgress): void {
  const attributes = [];
  if (progress.status !== s.status) attributes.push({ key: PurchaseOrderStatusKey, value: progress.status });
  if (progress.late !== s.late) attributes.push({ key: PurchaseOrderLateKey, value: progress.late });
  s.status = progress.status;
  s.lines = progress.lines;
  s.late = progress.late;
  s.expectedAt = progress.expectedAt;
  if (attributes.length > 0) upsertSearchAttributes(attributes);
}

function refuseUnless(condition: boolean, type: string, message: string): void {
  if (!condition) throw ApplicationFailure.create({ type, message: `purchase order ${message}`, nonRetryable: true });
}

function refuseUnlessCancellable(s: PurchaseOrderState): void {
  const untouched = s.lines.every((line) => line.received === 0) && s.receipts.length === 0;
  refuseUnless(
    ['DRAFT', 'SUBMITTED', 'CONFIRMED'].includes(s.status) && untouched && !s.ending,
    PurchaseOrderRefusal.notCancellable,
    `is ${s.status}${untouched ? '' : ' with units received'}: only a PO nothing arrived on can be cancelled`,
  );
}

function refuseUnlessConfirmable(input: PurchaseOrderInput, s: PurchaseOrderState, request: ConfirmPurchaseOrderRequest): void {
  refuseUnless(
    (s.status === 'SUBMITTED' || s.status === 'CONFIRMED') && s.receipts.length === 0 && !s.ending,
    PurchaseOrderRefusal.notConfirmable,
    `${input.purchaseOrderId} is ${s.status}: only a submitted PO with nothing received yet can be confirmed`,
  );
  const seen = new Set<string>();
  for (const line of request.lines) {
    const state = s.lines.find((candidate) => candidate.sku === line.sku);
    refuseUnless(Boolean(state), PurchaseOrderRefusal.lineNotOnPurchaseOrder, `${input.purchaseOrderId} has no line for ${line.sku}`);
    refuseUnless(!seen.has(line.sku), PurchaseOrderRefusal.duplicateLine, `confirmation names ${line.sku} twice`);
    seen.add(line.sku);
    const date = line.expectedDate;
    refuseUnless(!date || isCalendarDate(date), PurchaseOrderRefusal.invalidExpectedDate, `line ${line.sku}: ${date} is not a calendar date`);
    refuseUnless(line.quantity <= state!.quantity, PurchaseOrderRefusal.confirmedExceedsOrdered, `line ${line.sku}: ${line.quantity} confirmed, ${state!.quantity} ordered`);
  }
}

/** 2024-02-30 matches YYYY-MM-DD but is no day Postgres would take. */
function isCalendarDate(value: string): boolean {
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

function refuseUnlessReceivable(input: PurchaseOrderInput, s: PurchaseOrderState, request: ReceivePurchaseOrderRequest): void {
  refuseUnless(
    OPEN_PURCHASE_ORDER_STATUSES.includes(s.status) && !s.ending,
    PurchaseOrderRefusal.notReceivable,
    `${input.purchaseOrderId} is ${s.ending ? 'ending' : s.status}: receipts go against a submitted, open PO`,
  );
  const seen = new Set<string>();
  for (const line of request.lines) {
    const state = s.lines.find((candidate) => candidate.sku === line.sku);
    refuseUnless(Boolean(state), PurchaseOrderRefusal.lineNotOnPurchaseOrder, `${input.purchaseOrderId} has no line for ${line.sku}`);
    refuseUnless(!seen.has(line.sku), PurchaseOrderRefusal.duplicateLine, `receipt names ${line.sku} twice`);
    seen.add(line.sku);
    // Receipts accepted but not yet applied count too: two at once never pass the tolerance.
    const queued = s.receipts
      .slice(s.applied)
      .flat()
      .filter((other) => other.sku === line.sku)
      .reduce((sum, other) => sum + other.quantity, 0);
    const limit = receivableLimit(state!.quantity, input.tolerancePercent);
    const left = limit - state!.received - queued;
    refuseUnless(
      line.quantity <= left,
      PurchaseOrderRefusal.overReceipt,
      `line ${line.sku}: receiving ${line.quantity}, but only ${left} more may arrive (${state!.quantity} ordered, ${input.tolerancePercent}% tolerance, ${state!.received} received)`,
    );
  }
}

import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import {
  approveReturnUpdate,
  cancelReturnUpdate,
  carrierEventSignal,
  type ReceivedLine,
  receiveReturnUpdate,
  Refusal,
  rejectReturnUpdate,
  returnStatusQuery,
} from './definitions';
import { isAwaitingReceipt, isFinalReturn, type ReturnRun, returnView } from './return-state';

/**
 * The query, the ops and dock updates, and the carrier's events. Each update is validated against
 * the state at once (a refusal is written nowhere) and answers once the main flow has acted on it.
 */
export function handleReturnRequests(r: ReturnRun): void {
  const { s } = r;
  setHandler(returnStatusQuery, () => returnView(r));

  for (const [update, approved] of [
    [approveReturnUpdate, true],
    [rejectReturnUpdate, false],
  ] as const) {
    setHandler(
      update,
      async ({ by, note }) => {
        s.decision = { approved, by, note };
        await condition(() => s.status !== 'AWAITING_APPROVAL');
        return returnView(r);
      },
      { validator: (_decision) => refuseUnlessAwaitingApproval(r) },
    );
  }

  setHandler(
    cancelReturnUpdate,
    async ({ reason, by }) => {
      s.cancel ??= { reason, by };
      await condition(() => isFinalReturn(s.status));
      return returnView(r);
    },
    { validator: (_request) => refuseUnlessCancellable(r) },
  );

  setHandler(
    receiveReturnUpdate,
    async ({ lines, by }) => {
      s.receipt = { lines, by };
      // Answered once the stock has moved; the refund follows on its own.
      await condition(() => !isAwaitingReceipt(s));
      return returnView(r);
    },
    {
      validator: ({ lines }) => {
        refuseUnlessReceivable(r);
        refuseMismatchedInspection(r, lines);
      },
    },
  );

  setHandler(carrierEventSignal, (event) => {
    if (!isFinalReturn(s.status)) s.inbox.push(event);
  });
}

function refuse(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

function refuseUnlessAwaitingApproval({ input, s }: ReturnRun): void {
  if (s.status !== 'AWAITING_APPROVAL' || s.decision || s.cancel) {
    const state = s.cancel ? 'being cancelled' : s.decision ? 'already decided' : s.status;
    refuse(Refusal.returnNotAwaitingApproval, `return ${input.returnId} is ${state}, not AWAITING_APPROVAL`);
  }
}

/** Accepted until the parcel is received (and not while a rejection is under way). */
function refuseUnlessCancellable({ input, s }: ReturnRun): void {
  if (isFinalReturn(s.status)) refuse(Refusal.returnNotCancellable, `return ${input.returnId} is ${s.status}; nothing is left to cancel`);
  if (s.receipt) refuse(Refusal.returnNotCancellable, `return ${input.returnId}: the parcel was received, the refund is under way`);
  if (s.decision?.approved === false) refuse(Refusal.returnNotCancellable, `return ${input.returnId} is being rejected`);
}

/** The dock can receive a parcel once its label exists, until the return ends or was received. */
function refuseUnlessReceivable({ input, s }: ReturnRun): void {
  if (!isAwaitingReceipt(s) || s.receipt || s.cancel) {
    const state = s.receipt ? 'already received' : s.cancel ? 'being cancelled' : s.status;
    refuse(Refusal.returnNotReceivable, `return ${input.returnId} is ${state}; only a return awaiting its parcel can be received`);
  }
}

/** Per line: whole non-negative units, restock + damaged + scrap within what was requested; each line once. */
function refuseMismatchedInspection({ input }: ReturnRun, lines: ReceivedLine[]): void {
  const seen: number[] = [];
  for (const line of lines) {
    const requested = input.lines.find((candidate) => candidate.lineNo === line.lineNo);
    const mismatch = (why: string) => refuse(Refusal.inspectionMismatch, `return ${input.returnId} line ${line.lineNo}: ${why}`);
    if (!requested) mismatch('not a line of this return');
    if (seen.includes(line.lineNo)) mismatch('inspected twice');
    seen.push(line.lineNo);
    const units = [line.restock, line.damaged, line.scrap];
    if (!units.every((count) => Number.isSafeInteger(count) && count >= 0)) mismatch('quantities must be whole, non-negative units');
    const inspected = units.reduce((sum, count) => sum + count, 0);
    if (inspected > requested!.quantity) mismatch(`${inspected} units inspected, but ${requested!.quantity} were sent back`);
  }
}

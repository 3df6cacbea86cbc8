import { allHandlersFinished, ApplicationFailure, condition, proxyActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { databaseActivity } from './activity-options';
import {
  type AdjustmentDecision,
  type AdjustmentInput,
  AdjustmentRefusal,
  type AdjustmentStatus,
  type AdjustmentView,
  adjustmentStatusQuery,
  approveAdjustmentUpdate,
  rejectAdjustmentUpdate,
} from './adjustment-definitions';
import { AdjustmentStatusKey } from './search-attributes';

// Bounded: a database down for a day fails the workflow, which ops see and reset.
const { applyAdjustment, closeAdjustment, wakeForAdjustment } = proxyActivities<Activities>({ ...databaseActivity, scheduleToCloseTimeout: '24h' });

interface AdjustmentState {
  status: AdjustmentStatus;
  refusal?: string;
  /** The decision the main flow has yet to act on. */
  pending?: { approved: boolean } & AdjustmentDecision;
  /** Decisions acted on so far: an update answers once its own has been. */
  decided: number;
}

/**
 * `adjustment:<id>` (and, for a cycle count's variance, the same code as countCorrectionWorkflow):
 * one applied by the API at once only wakes the orders waiting for the units it added. One over the
 * approval threshold (or a count that would drop on_hand below reserved) waits for ops until its
 * deadline: approved, it is applied with the stock checked again under lock (still below reserved,
 * it keeps waiting and the approval answers why); rejected or expired, it closes untouched.
 */
export async function adjustmentWorkflow(input: AdjustmentInput): Promise<AdjustmentStatus> {
  const s: AdjustmentState = { status: input.needsApproval ? 'PENDING_APPROVAL' : 'APPLIED', decided: 0 };
  const view = (): AdjustmentView => ({ adjustmentId: input.adjustmentId, status: s.status, ...(s.refusal ? { refusal: s.refusal } : {}) });
  setHandler(adjustmentStatusQuery, view);
  for (const [update, approved] of [
    [approveAdjustmentUpdate, true],
    [rejectAdjustmentUpdate, false],
  ] as const) {
    setHandler(
      update,
      async (decision) => {
        const mine = s.decided + 1;
        s.pending = { approved, ...decision };
        await condition(() => s.decided >= mine);
        return view();
      },
      { validator: (_decision) => refuseUnlessAwaiting(input, s) },
    );
  }

  // The starter set AdjustmentStatus to the first status; it changes only after a wait.
  if (input.needsApproval) {
    await awaitDecision(input, s);
    upsertSearchAttributes([{ key: AdjustmentStatusKey, value: s.status }]);
  }
  if (s.status === 'APPLIED') await wakeForAdjustment({ adjustmentId: input.adjustmentId });
  await condition(allHandlersFinished);
  return s.status;
}

/** The same workflow under its own type, so ops can filter count corrections in the UI. */
export const countCorrectionWorkflow = adjustmentWorkflow;

async function awaitDecision(input: AdjustmentInput, s: AdjustmentState): Promise<void> {
  const deadline = new Date(input.approvalDeadline).getTime();
  const id = input.adjustmentId;
  while (s.status === 'PENDING_APPROVAL') {
    const decided = await condition(() => s.pending !== undefined, Math.max(0, deadline - Date.now()));
    if (!decided) {
      s.status = await closeAdjustment({ adjustmentId: id, status: 'EXPIRED' });
      return;
    }
    const { approved, by, note } = s.pending!;
    if (approved) {
      const outcome = await applyAdjustment({ adjustmentId: id, by, note });
      s.status = outcome.status;
      s.refusal = outcome.refusal;
    } else {
      s.status = await closeAdjustment({ adjustmentId: id, status: 'REJECTED', by, note });
    }
    s.pending = undefined;
    s.decided += 1;
  }
}

function refuseUnlessAwaiting(input: AdjustmentInput, s: AdjustmentState): void {
  if (s.status !== 'PENDING_APPROVAL' || s.pending) {
    const state = s.pending ? 'being decided' : s.status;
    throw ApplicationFailure.create({
      type: AdjustmentRefusal.notAwaitingApproval,
      message: `adjustment ${input.adjustmentId} is ${state}, not PENDING_APPROVAL`,
      nonRetryable: true,
    });
  }
}

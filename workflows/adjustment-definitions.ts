/**
 * The contract of the adjustment workflow (`adjustment:<id>`) between the API, the workflow and its
 * activities. Workflow-safe (no I/O), so both sides import it.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';

export const adjustmentWorkflowId = (adjustmentId: string): string => `adjustment:${adjustmentId}`;

export const ADJUSTMENT_STATUSES = ['PENDING_APPROVAL', 'APPLIED', 'REJECTED', 'EXPIRED'] as const;
export type AdjustmentStatus = (typeof ADJUSTMENT_STATUSES)[number];

export type AdjustmentKind = 'adjustment' | 'count_correction';

/** Refusal types the approve/reject updates answer with; the API turns them into 409s. */
export const AdjustmentRefusal = {
  notAwaitingApproval: 'adjustment_not_awaiting_approval',
} as const;

export interface AdjustmentInput {
  adjustmentId: string;
  kind: AdjustmentKind;
  /** False: the API applied it at once; the workflow only wakes the orders waiting for added stock. */
  needsApproval: boolean;
  /** ISO time after which an adjustment nobody decided expires unapplied. */
  approvalDeadline: string;
}

export interface AdjustmentDecision {
  by?: string;
  note?: string;
}

export interface AdjustmentView {
  adjustmentId: string;
  status: AdjustmentStatus;
  /** Why the last approval could not be applied (e.g. below_reserved): it still waits. */
  refusal?: string;
}

/** What applying an approved adjustment did: applied, or refused and still waiting. */
export interface ApplyOutcome {
  status: AdjustmentStatus;
  refusal?: string;
}

export const adjustmentStatusQuery = defineQuery<AdjustmentView>('status');
export const approveAdjustmentUpdate = defineUpdate<AdjustmentView, [AdjustmentDecision]>('approve');
export const rejectAdjustmentUpdate = defineUpdate<AdjustmentView, [AdjustmentDecision]>('reject');

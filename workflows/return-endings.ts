import { type ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { ReturnStatus } from '../domain/types';
import { BusinessFailure, FailureReason } from './definitions';
import { voidLabel } from './return-parcel';
import { note, recordStatus, type ReturnRun } from './return-state';

/** Records a final status with its reason; voids the label after the status, so a label bought meanwhile is found. */
export async function end(r: ReturnRun, status: ReturnStatus, reason: string, { voidLabel: alsoVoidLabel = false } = {}): Promise<false> {
  r.s.reason = reason;
  await recordStatus(r, status);
  if (alsoVoidLabel) await voidLabel(r);
  return false;
}

/** The gateway refused a refund, or stayed unreachable past the bound: the return FAILED, for ops. */
export async function failRefund(r: ReturnRun, error: ActivityFailure): Promise<false> {
  const cause = error.cause;
  const refused = cause instanceof ApplicationFailure && cause.type === BusinessFailure.paymentRefused;
  note(r.s, 'refund_failed', cause?.message ?? error.message);
  return end(r, 'FAILED', refused ? BusinessFailure.paymentRefused : FailureReason.gatewayUnavailable);
}

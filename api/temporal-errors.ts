import {
  isGrpcDeadlineError,
  isGrpcServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AdjustmentRefusal } from '../workflows/adjustment-definitions';
import { Refusal } from '../workflows/definitions';
import { PurchaseOrderRefusal } from '../workflows/purchase-order-definitions';
import { TransferRefusal } from '../workflows/transfer-definitions';
import { ApiError } from './api-error';

const GRPC_UNAVAILABLE = 14;

/** How each refusal an update can answer with reaches the HTTP client. */
const REFUSAL_STATUS: Record<string, number> = {
  [Refusal.orderNotCancellable]: 409,
  [Refusal.invalidShipmentState]: 409,
  [Refusal.itemNotInShipment]: 422,
  [Refusal.scanExceedsQuantity]: 422,
  [Refusal.returnNotAwaitingApproval]: 409,
  [Refusal.returnNotCancellable]: 409,
  [Refusal.returnNotReceivable]: 409,
  [Refusal.inspectionMismatch]: 422,
  [AdjustmentRefusal.notAwaitingApproval]: 409,
  [TransferRefusal.notAwaitingShipment]: 409,
  [TransferRefusal.notCancellable]: 409,
  [TransferRefusal.notInTransit]: 409,
  [TransferRefusal.skuNotOnTransfer]: 422,
  [TransferRefusal.duplicateLine]: 422,
  [TransferRefusal.exceedsShipped]: 422,
  [PurchaseOrderRefusal.notAwaitingApproval]: 409,
  [PurchaseOrderRefusal.notConfirmable]: 409,
  [PurchaseOrderRefusal.notReceivable]: 409,
  [PurchaseOrderRefusal.notCancellable]: 409,
  [PurchaseOrderRefusal.notClosable]: 409,
  [PurchaseOrderRefusal.lineNotOnPurchaseOrder]: 422,
  [PurchaseOrderRefusal.confirmedExceedsOrdered]: 422,
  [PurchaseOrderRefusal.invalidExpectedDate]: 422,
  [PurchaseOrderRefusal.overReceipt]: 422,
};

/**
 * Runs an update against a workflow. A refusal becomes its 409/422 code with the workflow's own
 * message. A workflow that has closed (Temporal answers an update to a completed execution, like
 * one to a missing execution, with WorkflowNotFoundError) becomes whatever `whenClosed` says.
 */
export async function callWorkflow<T>(
  run: () => Promise<T>,
  whenClosed: () => Promise<ApiError>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw await whenClosed();
    throw apiErrorFromTemporal(error) ?? error;
  }
}

/** Temporal failures that are not bugs: refusals, timeouts and an unreachable server. */
export function apiErrorFromTemporal(error: unknown): ApiError | undefined {
  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause;
    if (cause instanceof ApplicationFailure && cause.type && REFUSAL_STATUS[cause.type]) {
      return new ApiError(REFUSAL_STATUS[cause.type], cause.type, cause.message);
    }
    return new ApiError(409, 'update_rejected', cause?.message ?? error.message);
  }
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError || isGrpcDeadlineError(error)) {
    return new ApiError(
      504,
      'workflow_timeout',
      'the workflow did not answer in time; retrying with the same Idempotency-Key is safe',
    );
  }
  if (isUnavailable(error)) return new ApiError(503, 'temporal_unavailable', 'the Temporal service is unreachable');
  return undefined;
}

function isUnavailable(error: unknown): boolean {
  let current = error;
  while (current instanceof Error) {
    if (isGrpcServiceError(current) && current.code === GRPC_UNAVAILABLE) return true;
    current = current.cause;
  }
  return false;
}

/** A query's answer, or why there is none; the DB projection stays the source of truth either way. */
export async function queryOrExplain<T>(run: () => Promise<T>): Promise<{ live: T | null; liveError?: string }> {
  try {
    return { live: await run() };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { live: null, liveError: 'workflow not found' };
    if (isGrpcDeadlineError(error)) return { live: null, liveError: 'workflow did not answer in time' };
    return { live: null, liveError: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Not a workflow: a workflow interceptor module (worker/create-worker.ts WORKFLOW_INTERCEPTOR_MODULES).
 * Every workflow log line carries the business id it is about (orderId, returnId) beside the SDK's
 * workflowId and runId, so ops can follow one order through API, workflow and activity logs.
 */
import { workflowInfo, type WorkflowInterceptors } from '@temporalio/workflow';

export const interceptors = (): WorkflowInterceptors => ({
  outbound: [{ getLogAttributes: (attributes, next) => next({ ...businessIdsOf(workflowInfo().workflowId), ...attributes }) }],
});

/** `order:<id>` and `shipment:<orderId>:<n>` name an order, `return:<id>` a return. */
export function businessIdsOf(workflowId: string): { orderId?: string; returnId?: string } {
  const [kind, id] = workflowId.split(':');
  if (!id) return {};
  if (kind === 'order' || kind === 'shipment') return { orderId: id };
  if (kind === 'return') return { returnId: id };
  return {};
}

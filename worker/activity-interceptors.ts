import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { ReservationResult } from '../activities/inventory';
import type { WorkerMetrics } from '../infra/metrics';

/**
 * Counts every activity attempt by type and outcome (completed, failed by failure type, cancelled),
 * counts what reserveStock reserved and what it found missing, and puts the order's id on every log
 * line of the activity: the SDK's activity logger (`log` of @temporalio/activity, and its own
 * "Activity failed" lines) already carries workflowId, activityType and attempt.
 */
export function activityMetricsInterceptor(metrics: WorkerMetrics): ActivityInterceptorsFactory {
  return (ctx) => {
    const activityType = ctx.info.activityType;
    let orderId = orderIdOfWorkflow(ctx.info.workflowExecution?.workflowId);
    return {
      inbound: {
        async execute(input, next) {
          orderId = orderIdOfArgs(input.args) ?? orderId;
          const stopTimer = metrics.activityDuration.startTimer({ activity_type: activityType });
          try {
            const result = await next(input);
            stopTimer({ outcome: 'completed' });
            metrics.activityExecutions.inc({ activity_type: activityType, outcome: 'completed', failure_type: '' });
            if (activityType === 'reserveStock') countReservation(metrics, result as ReservationResult);
            return result;
          } catch (error) {
            const outcome = isCancellation(error, ctx) ? 'cancelled' : 'failed';
            stopTimer({ outcome });
            metrics.activityExecutions.inc({ activity_type: activityType, outcome, failure_type: failureType(error) });
            throw error;
          }
        },
      },
      outbound: {
        getLogAttributes: (attributes, next) => next(orderId ? { ...attributes, orderId } : attributes),
      },
    };
  };
}

function countReservation(metrics: WorkerMetrics, result: ReservationResult | undefined): void {
  for (const allocation of result?.allocations ?? []) {
    const units = allocation.lines.reduce((sum, line) => sum + line.quantity, 0);
    if (units > 0) metrics.unitsReserved.inc({ location: allocation.locationId }, units);
  }
  const short = (result?.shortfall ?? []).reduce((sum, line) => sum + line.quantity, 0);
  if (short > 0) {
    metrics.stockOuts.inc();
    metrics.unitsShort.inc(short);
  }
}

/** `order:<id>` and `shipment:<orderId>:<n>` (workflows/definitions.ts) name their order. */
export function orderIdOfWorkflow(workflowId: string | undefined): string | undefined {
  const match = /^(?:order:(.+)|shipment:(.+):\d+)$/.exec(workflowId ?? '');
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Most activities take `{ orderId, … }` as their one argument. */
function orderIdOfArgs(args: unknown[]): string | undefined {
  const first = args[0] as { orderId?: unknown } | null | undefined;
  return typeof first?.orderId === 'string' ? first.orderId : undefined;
}

function isCancellation(error: unknown, ctx: Context): boolean {
  return error instanceof CancelledFailure || ctx.cancellationSignal.aborted;
}

/** A bounded label: the ApplicationFailure's type (e.g. carrier_refused) or the error's class name. */
export function failureType(error: unknown): string {
  const raw =
    error instanceof ApplicationFailure
      ? (error.type ?? 'ApplicationFailure')
      : error instanceof Error
        ? error.name || error.constructor.name
        : typeof error;
  return /^[A-Za-z0-9_.-]{1,64}$/.test(raw) ? raw : 'other';
}

import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { BusinessFailure } from './definitions';

/**
 * Every retry is bounded. A business refusal (BusinessFailure) is never retried; transient faults
 * (timeouts, 5xx, connection resets) retry with backoff until the bound, and then the workflow
 * decides what happens (FAILED with a reason), instead of waiting for ever.
 */
const NON_RETRYABLE = Object.values(BusinessFailure);

/** Postgres work: a database down for a day fails the workflow, which ops then see as Failed and reset. */
export const databaseActivity: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: NON_RETRYABLE },
};

/** How long a carrier or payment gateway may be unreachable before the step counts as failed. */
export const EXTERNAL_SERVICE_BOUND = '1h';

/** Carrier and payment gateway calls: past the bound the workflow moves to a named state. */
export const externalServiceActivity: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: EXTERNAL_SERVICE_BOUND,
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: NON_RETRYABLE },
};

/**
 * The same Postgres work as a local activity: run by the worker that runs the workflow task, so it
 * costs one marker in the history instead of three events and another workflow task. Retries past
 * `localRetryThreshold` wait on a timer; the whole retry is bounded by scheduleToCloseTimeout.
 */
export const localDatabaseActivity: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '24h',
  localRetryThreshold: '10s',
  retry: databaseActivity.retry,
};

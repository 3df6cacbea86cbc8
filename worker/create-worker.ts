import { NativeConnection, Worker, type WorkerOptions as TemporalWorkerOptions } from '@temporalio/worker';
import type { Activities } from '../activities';
import { type WorkerMetrics, workerMetrics } from '../infra/metrics';
import { activeTracing, type Tracing, TRACING_WORKFLOW_MODULE, tracingActivityInterceptor, tracingSinks } from '../infra/telemetry';
import { activityMetricsInterceptor } from './activity-interceptors';

/** Workflow interceptor modules every bundle of the engine's workflows includes (workflow log attributes). */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/log-attributes')];

/** Activity slots when the caller does not size them (in-process workers of tests and the bench). */
export const DEFAULT_ACTIVITY_SLOTS = 200;

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A prebuilt bundle (tests, bench); otherwise workflows are bundled from source at start-up. */
  workflowBundlePath?: string;
  /**
   * Activities run at once (WORKER_ACTIVITY_SLOTS in worker/main.ts); default DEFAULT_ACTIVITY_SLOTS.
   * Most activities hold a database connection, so size the worker's pool to match.
   */
  maxConcurrentActivityTaskExecutions?: number;
  /** The payload codec (infra/payload-codec.ts dataConverterFor); without it payloads are plaintext. */
  dataConverter?: TemporalWorkerOptions['dataConverter'];
  /** Where activity outcomes and reservations are counted; default the process's worker metrics. */
  metrics?: WorkerMetrics;
  /**
   * Tracing (infra/telemetry.ts); default the process's, if it traces. A prebuilt bundle carries
   * workflow spans only if it was built with TRACING_WORKFLOW_MODULE among its interceptor modules.
   */
  tracing?: Tracing;
}

/** One worker runs every workflow and activity of the engine on one task queue. */
export function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create(temporalWorkerOptions(options));
}

/** What createWorker passes to Worker.create. */
export function temporalWorkerOptions(options: WorkerOptions): TemporalWorkerOptions {
  const tracing = options.tracing ?? activeTracing();
  return {
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...(options.workflowBundlePath
      ? { workflowBundle: { codePath: options.workflowBundlePath } }
      : { workflowsPath: require.resolve('../workflows') }),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? DEFAULT_ACTIVITY_SLOTS,
    maxConcurrentWorkflowTaskExecutions: 200,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    interceptors: {
      // Tracing first (outermost), so the metrics interceptor's work and log lines fall inside the activity's span.
      activity: [
        ...(tracing ? [tracingActivityInterceptor(tracing)] : []),
        activityMetricsInterceptor(options.metrics ?? workerMetrics()),
      ],
      // Only when bundling here (a prebuilt bundle carries its own modules); tracing's only while tracing.
      ...(options.workflowBundlePath
        ? {}
        : { workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES, ...(tracing ? [TRACING_WORKFLOW_MODULE] : [])] }),
    },
    ...(tracing ? { sinks: tracingSinks(tracing) } : {}),
  };
}

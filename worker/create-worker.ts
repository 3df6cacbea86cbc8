import { NativeConnection, Worker, type WorkerOptions as TemporalWorkerOptions } from '@temporalio/worker';
import type { Activities } from '../activities';

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
}

/** One worker runs every workflow and activity of the engine on one task queue. */
export function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create(temporalWorkerOptions(options));
}

/** What createWorker passes to Worker.create. */
export function temporalWorkerOptions(options: WorkerOptions): TemporalWorkerOptions {
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
  };
}

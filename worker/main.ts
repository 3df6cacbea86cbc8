import { DefaultLogger, type LogEntry, Runtime } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createSupplierAdapter } from '../suppliers';
import { loadConfig } from '../infra/config';
import { serveMetrics, workerMetrics } from '../infra/metrics';
import { startCycleCounting, startReplenishing, startSweeping } from '../infra/schedules';
import { startWebhookDispatching } from '../infra/webhook-schedule';
import { startForecasting } from '../infra/forecast-schedule';
import { startSupplierFeedPolling } from '../infra/supplier-feed-schedule';
import { dataConverterFor } from '../infra/payload-codec';
import { startTracing, traceTemporalClient } from '../infra/telemetry';
import { connectClient, connectWorker, ensureSearchAttributes } from '../infra/temporal';
import { createCarrier, createGateway, createWorkerDb } from './collaborators';
import { createWorker } from './create-worker';

async function main(): Promise<void> {
  const config = loadConfig();
  // Tracing only when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise nothing is installed.
  const tracing = startTracing(config.telemetry, 'oms-worker');
  const { metricsHost, metricsPort, temporalMetricsPort } = config.worker;
  // Before any connection: the SDK's runtime logs as JSON lines, and exports its own metrics when asked.
  Runtime.install({
    logger: new DefaultLogger('INFO', writeJsonLine),
    telemetryOptions: {
      logging: { forward: {} },
      ...(temporalMetricsPort ? { metrics: { prometheus: { bindAddress: hostPort(metricsHost, temporalMetricsPort) } } } : {}),
    },
  });
  const metrics = workerMetrics();
  const metricsServer = metricsPort ? await serveMetrics([metrics.registry], metricsHost, metricsPort) : undefined;

  const db = createWorkerDb(config);
  // An unknown CARRIER or PAYMENT_GATEWAY stops the worker here, before it connects to anything.
  const carrier = createCarrier(config);
  const gateway = createGateway(config, db);
  const supplier = createSupplierAdapter(config);
  const temporal = await connectClient(config.temporal);
  // Workflows the activities start (stock wake-ups, the sweep) continue the activity's trace.
  traceTemporalClient(temporal, tracing);
  await ensureSearchAttributes(temporal);

  const activities = createActivities({
    db,
    carrier,
    gateway,
    supplier,
    temporal,
    deliveryDeadlineHours: config.fulfillment.deliveryDeadlineHours,
    lostAfterHours: config.fulfillment.lostAfterHours,
    lostResolution: config.fulfillment.lostResolution,
  });
  const connection = await connectWorker(config.temporal);
  if (tracing && config.temporal.workflowBundlePath) {
    console.warn(
      'tracing is on with a prebuilt TEMPORAL_WORKFLOW_BUNDLE: workflow spans need that bundle built with ' +
        'TRACING_WORKFLOW_MODULE (infra/telemetry.ts) among its workflowInterceptorModules',
    );
  }
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities,
    workflowBundlePath: config.temporal.workflowBundlePath,
    maxConcurrentActivityTaskExecutions: config.worker.activitySlots,
    dataConverter: dataConverterFor(config.temporal.payloadKeys),
    metrics,
    tracing,
  });

  await startSweeping(temporal, config.temporal.taskQueue);
  await startCycleCounting(temporal, config.temporal.taskQueue, config.cycleCounts);
  await startReplenishing(temporal, config.temporal.taskQueue, config.replenishment);
  await startWebhookDispatching(temporal, config.temporal.taskQueue, config.outboundWebhooks);
  await startForecasting(temporal, config.temporal.taskQueue);
  await startSupplierFeedPolling(temporal, config.temporal.taskQueue, config.supplierFeeds.pollEveryMinutes);

  if (metricsServer) console.log(`worker metrics on http://${hostPort(metricsHost, metricsServer.port)}/metrics`);
  if (temporalMetricsPort) console.log(`Temporal SDK metrics on http://${hostPort(metricsHost, temporalMetricsPort)}/metrics`);
  console.log(`worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
  } finally {
    await connection.close();
    await temporal.connection.close();
    await db.destroy();
    await metricsServer?.close();
    await tracing?.shutdown(); // sends the spans still batched
  }
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The SDK's log entries (worker, workflow and activity loggers, and the SDK core's own) as one JSON
 * object per line, like the API's: activity lines carry workflowId, activityType and orderId
 * (worker/activity-interceptors.ts), workflow lines workflowId, runId and orderId (workflows/log-attributes.ts).
 */
function writeJsonLine(entry: LogEntry): void {
  const line = JSON.stringify(
    { time: Number(entry.timestampNanos / 1_000_000n), level: entry.level.toLowerCase(), msg: entry.message, ...entry.meta },
    (_key, value) =>
      value instanceof Error
        ? {
            type: value.name,
            message: value.message,
            ...('type' in value && value.type ? { failureType: value.type } : {}),
            stack: value.stack,
            ...(value.cause ? { cause: value.cause } : {}),
          }
        : typeof value === 'bigint'
          ? value.toString()
          : value,
  );
  (entry.level === 'WARN' || entry.level === 'ERROR' ? process.stderr : process.stdout).write(`${line}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

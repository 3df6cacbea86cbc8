import * as otel from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { ActivityInterceptorsFactory, WorkerOptions } from '@temporalio/worker';
import type { Config } from './config';

/**
 * OpenTelemetry tracing, from an API request to the workflow it starts to that workflow's
 * activities, through Temporal's OpenTelemetry interceptors: the client interceptor puts the
 * request's span in the workflow's headers, the workflow interceptors (bundled into the workflow
 * code, see TRACING_WORKFLOW_MODULE) continue it and pass it on to every activity, and the activity
 * interceptor continues it in the worker.
 *
 * Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: then no
 * tracer provider is registered, no hook or interceptor is installed and the workflow bundle does
 * not contain the tracing module, so tracing costs nothing.
 */
export interface Tracing {
  tracer: otel.Tracer;
  resource: Resource;
  spanProcessor: SpanProcessor;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The workflow interceptor module: workers bundle it into the workflow code only while tracing. */
export const TRACING_WORKFLOW_MODULE = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

let active: Tracing | undefined;

/** The process's tracing, once started (startTracing) or installed (installTracing); undefined when off. */
export function activeTracing(): Tracing | undefined {
  return active;
}

/**
 * Starts tracing for this process when configured: spans are batched and sent over OTLP/HTTP.
 * Idempotent: a process that already traces (an API and a worker in one process) keeps its tracing.
 */
export function startTracing(telemetry: Config['telemetry'], defaultServiceName: string): Tracing | undefined {
  if (active) return active;
  if (!telemetry.otlpTracesUrl) return undefined;
  return installTracing({
    serviceName: telemetry.serviceName ?? defaultServiceName,
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url: telemetry.otlpTracesUrl })),
  });
}

/**
 * Registers a tracer provider for the whole process (with the AsyncLocalStorage context manager and
 * W3C trace-context propagation) that hands spans to `spanProcessor`. Tests pass an in-memory one.
 */
export function installTracing(options: { serviceName: string; spanProcessor: SpanProcessor }): Tracing {
  if (active) throw new Error('tracing is already installed in this process');
  const resource = new Resource({ 'service.name': options.serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [options.spanProcessor] });
  provider.register();
  const tracing: Tracing = {
    tracer: provider.getTracer('temporal-oms'),
    resource,
    spanProcessor: options.spanProcessor,
    forceFlush: () => provider.forceFlush(),
    shutdown: async () => {
      if (active === tracing) active = undefined;
      await provider.shutdown();
      otel.trace.disable();
      otel.context.disable();
      otel.propagation.disable();
    },
  };
  active = tracing;
  return tracing;
}

/**
 * Makes a Temporal client carry the current span into the workflows it starts, signals, updates and
 * queries. The client's workflow interceptors are read on every call (LoadedWorkflowClientOptions),
 * so adding one to a connected client takes effect at once; nothing is added when tracing is off.
 */
export function traceTemporalClient(client: Client, tracing: Tracing | undefined = active): void {
  if (!tracing) return;
  const interceptors = client.workflow.options.interceptors;
  if (!Array.isArray(interceptors) || interceptors.some((interceptor) => interceptor instanceof OpenTelemetryWorkflowClientInterceptor)) return;
  interceptors.push(new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer }));
}

/** The activity interceptor that continues the workflow's trace in the worker (and tags activity logs with it). */
export function tracingActivityInterceptor(tracing: Tracing): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
  });
}

/** The sink through which the workflow interceptors (inside the workflow sandbox) hand over their spans. */
export function tracingSinks(tracing: Tracing): WorkerOptions['sinks'] {
  return { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) };
}

import { trace } from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { loadConfig } from '../../infra/config';
import { activeTracing, type Tracing, TRACING_WORKFLOW_MODULE } from '../../infra/telemetry';
import { failureType, orderIdOfWorkflow } from '../../worker/activity-interceptors';
import { temporalWorkerOptions, WORKFLOW_INTERCEPTOR_MODULES } from '../../worker/create-worker';

const production = {
  NODE_ENV: 'production',
  CARRIER_SANDBOX_API_KEY: 'k'.repeat(40),
  CARRIER_WEBHOOK_SECRET_SANDBOX: 's'.repeat(40),
  SUPPLIER_SANDBOX_API_KEY: 'K'.repeat(40),
  SUPPLIER_WEBHOOK_SECRET_SANDBOX: 'S'.repeat(40),
};

describe('metrics and tracing settings', () => {
  it('serves /metrics openly only in development, unless METRICS_PUBLIC says otherwise', () => {
    expect(loadConfig({}).api.metricsPublic).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).api.metricsPublic).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).api.metricsPublic).toBe(false);
    expect(loadConfig({ NODE_ENV: 'staging' }).api.metricsPublic).toBe(false);
    expect(loadConfig(production).api.metricsPublic).toBe(false);
    expect(loadConfig({ ...production, METRICS_PUBLIC: 'true' }).api.metricsPublic).toBe(true);
    expect(loadConfig({ METRICS_PUBLIC: 'false' }).api.metricsPublic).toBe(false);
    expect(() => loadConfig({ METRICS_PUBLIC: 'sometimes' })).toThrow('METRICS_PUBLIC must be true or false');
  });

  it('serves the worker metrics only on the ports it is given', () => {
    expect(loadConfig({}).worker).toMatchObject({ metricsHost: '0.0.0.0', metricsPort: undefined, temporalMetricsPort: undefined });
    const config = loadConfig({ WORKER_METRICS_HOST: '127.0.0.1', WORKER_METRICS_PORT: '9464', WORKER_TEMPORAL_METRICS_PORT: '9465' });
    expect(config.worker).toMatchObject({ metricsHost: '127.0.0.1', metricsPort: 9464, temporalMetricsPort: 9465 });
    expect(() => loadConfig({ WORKER_METRICS_PORT: '0' })).toThrow('WORKER_METRICS_PORT must be a port number');
    expect(() => loadConfig({ WORKER_TEMPORAL_METRICS_PORT: 'x' })).toThrow('WORKER_TEMPORAL_METRICS_PORT must be a non-negative integer');
  });

  it('traces only with an OTLP endpoint, derived as the OpenTelemetry exporters do', () => {
    expect(loadConfig({}).telemetry).toEqual({ otlpTracesUrl: undefined, serviceName: undefined });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).telemetry.otlpTracesUrl).toBe('http://collector:4318/v1/traces');
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom' }).telemetry
        .otlpTracesUrl,
    ).toBe('http://traces:4318/custom');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).telemetry.otlpTracesUrl).toBeUndefined();
    expect(loadConfig({ OTEL_SERVICE_NAME: 'oms-eu' }).telemetry.serviceName).toBe('oms-eu');
  });
});

describe('activity labels', () => {
  it('names the order of order and shipment workflows', () => {
    expect(orderIdOfWorkflow('order:ord_1')).toBe('ord_1');
    expect(orderIdOfWorkflow('shipment:ord_1:2')).toBe('ord_1');
    expect(orderIdOfWorkflow('receipt:rcp_1')).toBeUndefined();
    expect(orderIdOfWorkflow(undefined)).toBeUndefined();
  });

  it('labels failures by ApplicationFailure type or error class, never by message', () => {
    expect(failureType(ApplicationFailure.nonRetryable('no', 'carrier_refused'))).toBe('carrier_refused');
    expect(failureType(new CancelledFailure('gone'))).toBe('CancelledFailure');
    expect(failureType(new TypeError('x'))).toBe('TypeError');
    expect(failureType('a string')).toBe('string');
    const odd = new Error('x');
    odd.name = 'has spaces and {braces}';
    expect(failureType(odd)).toBe('other');
  });
});

describe('worker options', () => {
  const base = { connection: {} as NativeConnection, namespace: 'default', taskQueue: 'oms', activities: {} as Activities };
  const tracing: Tracing = {
    tracer: trace.getTracer('test'),
    resource: new Resource({ 'service.name': 'test' }),
    spanProcessor: new SimpleSpanProcessor(new InMemorySpanExporter()),
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };

  it('without tracing: the metrics interceptor only, the log attributes workflow module, no sink', () => {
    expect(activeTracing()).toBeUndefined();
    const options = temporalWorkerOptions(base);
    expect(options.interceptors?.activity).toHaveLength(1);
    expect(options.interceptors?.workflowModules).toEqual(WORKFLOW_INTERCEPTOR_MODULES);
    expect(options.sinks).toBeUndefined();
  });

  it('with tracing: the OpenTelemetry activity interceptor, the workflow module when bundling, and the span sink', () => {
    const bundling = temporalWorkerOptions({ ...base, tracing });
    expect(bundling.interceptors?.activity).toHaveLength(2);
    expect(bundling.interceptors?.workflowModules).toEqual([...WORKFLOW_INTERCEPTOR_MODULES, TRACING_WORKFLOW_MODULE]);
    expect(Object.keys(bundling.sinks ?? {})).toEqual(['exporter']);
    // A prebuilt bundle brings its own interceptor modules.
    expect(temporalWorkerOptions({ ...base, tracing, workflowBundlePath: 'bundle.js' }).interceptors?.workflowModules).toBeUndefined();
  });
});

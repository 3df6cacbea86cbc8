import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The engine's own Prometheus metrics (prom-client), one registry per role of a process: the API's
 * is served at its /metrics route (api/plugins/metrics.ts), the worker's on WORKER_METRICS_PORT
 * (serveMetrics below). The Temporal SDK's runtime metrics of a worker are exported by the SDK
 * itself (worker/main.ts). Labels hold only bounded values: route patterns (never raw URLs), error
 * codes, activity types, locations; never ids.
 */

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface ApiMetrics {
  registry: Registry;
  /** Requests answered, by method, route pattern and status code. */
  httpRequests: Counter<'method' | 'route' | 'status_code'>;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Orders written by POST /v1/orders (not replays of an Idempotency-Key), by channel. */
  ordersCreated: Counter<'channel'>;
  /** Carrier webhook requests by outcome (accepted, duplicate, unmatched, ignored, refused, error) and refusal code. */
  webhookEvents: Counter<'carrier' | 'outcome' | 'reason'>;
}

export interface WorkerMetrics {
  registry: Registry;
  /** Activity executions (each attempt) by type, outcome (completed, failed, cancelled) and failure type. */
  activityExecutions: Counter<'activity_type' | 'outcome' | 'failure_type'>;
  activityDuration: Histogram<'activity_type' | 'outcome'>;
  /** Units taken by reserveStock, by location. */
  unitsReserved: Counter<'location'>;
  /** reserveStock attempts that found too little stock (the order backorders, partly ships or is rejected). */
  stockOuts: Counter;
  /** Units those attempts could not reserve. */
  unitsShort: Counter;
}

let api: ApiMetrics | undefined;
let worker: WorkerMetrics | undefined;

/** The API's metrics of this process, created (with Node's process metrics) on first use. */
export function apiMetrics(): ApiMetrics {
  if (api) return api;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status_code'] as const;
  api = {
    registry,
    httpRequests: new Counter({ name: 'oms_http_requests_total', help: 'HTTP requests answered by the API', labelNames, registers: [registry] }),
    httpDuration: new Histogram({
      name: 'oms_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to answering it',
      labelNames,
      buckets: SECONDS_BUCKETS,
      registers: [registry],
    }),
    ordersCreated: new Counter({
      name: 'oms_orders_created_total',
      help: 'Orders created through POST /v1/orders (replays of an Idempotency-Key excluded)',
      labelNames: ['channel'],
      registers: [registry],
    }),
    webhookEvents: new Counter({
      name: 'oms_webhook_requests_total',
      help: 'Carrier webhook requests by outcome; reason is the error code of a refusal',
      labelNames: ['carrier', 'outcome', 'reason'],
      registers: [registry],
    }),
  };
  return api;
}

/** The worker's metrics of this process, created (with Node's process metrics) on first use. */
export function workerMetrics(): WorkerMetrics {
  if (worker) return worker;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  worker = {
    registry,
    activityExecutions: new Counter({
      name: 'oms_activity_executions_total',
      help: 'Activity attempts by type and outcome; failure_type is the ApplicationFailure type or error name',
      labelNames: ['activity_type', 'outcome', 'failure_type'],
      registers: [registry],
    }),
    activityDuration: new Histogram({
      name: 'oms_activity_duration_seconds',
      help: 'Time one activity attempt ran',
      labelNames: ['activity_type', 'outcome'],
      buckets: SECONDS_BUCKETS,
      registers: [registry],
    }),
    unitsReserved: new Counter({
      name: 'oms_units_reserved_total',
      help: 'Units reserved by reserveStock, by location',
      labelNames: ['location'],
      registers: [registry],
    }),
    stockOuts: new Counter({
      name: 'oms_stock_outs_total',
      help: 'reserveStock attempts that found too little stock for every line',
      registers: [registry],
    }),
    unitsShort: new Counter({
      name: 'oms_units_short_total',
      help: 'Units reserveStock could not reserve for want of stock',
      registers: [registry],
    }),
  };
  return worker;
}

/** A small HTTP server answering GET /metrics with the registries' metrics; anything else is 404. */
export async function serveMetrics(registries: Registry[], host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const merged = registries.length === 1 ? registries[0] : Registry.merge(registries);
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if ((request.method !== 'GET' && request.method !== 'HEAD') || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    merged.metrics().then(
      (text) => response.writeHead(200, { 'content-type': merged.contentType }).end(request.method === 'HEAD' ? undefined : text),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

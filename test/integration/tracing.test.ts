import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { bundleWorkflowCode } from '@temporalio/worker';
import { orderRequest, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { Engine } from '../../dev/harness/engine';
import { installTracing, type Tracing, TRACING_WORKFLOW_MODULE } from '../../infra/telemetry';
import { freePort, killed, startProcess, startWorkerProcess } from '../harness/processes';
import { eventually } from '../helpers/eventually';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../worker/create-worker';

/**
 * One trace from an API request to the workflow it starts, that workflow's activities, the shipment
 * workflow it starts and its activities. First in this process, with spans in an in-memory exporter;
 * then with the API and the worker as in production (api/main.ts, worker/main.ts) sending their spans
 * over OTLP/HTTP to a local stand-in for a collector. Both workers run one workflow bundle built here
 * with the tracing interceptor module (TRACING_WORKFLOW_MODULE), as TEMPORAL_WORKFLOW_BUNDLE would be.
 */
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let bundlePath: string;
const engines: Engine[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  tracing = installTracing({ serviceName: 'oms-test', spanProcessor: new SimpleSpanProcessor(exporter) });
  const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES, TRACING_WORKFLOW_MODULE],
    logger: quiet,
  });
  bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oms-tracing-')), 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, code);
}, 180_000);

afterAll(async () => {
  // SIGTERM: the processes send the spans they still hold before they exit.
  await Promise.all(children.map((child) => killed(child, 'SIGTERM')));
  for (const engine of engines) await engine.stop();
  await tracing?.shutdown();
  if (bundlePath) fs.rmSync(path.dirname(bundlePath), { recursive: true, force: true });
});

async function startEngine(label: string, inProcessWorker: boolean): Promise<Engine> {
  const engine = await Engine.start({
    label,
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: bundlePath,
    inProcessWorker,
  });
  engines.push(engine);
  await seedWarehouse(engine.db, { id: 'WH-AUTO', mode: 'auto', priority: 10, bins: [] });
  return engine;
}

async function stockedSku(engine: Engine): Promise<string> {
  const sku = (await seedProduct(engine.db, `TRACE-${hex(3)}`, 1800)).sku;
  expect((await engine.call('warehouse', 'POST', '/v1/inventory/receipts', { locationId: 'WH-AUTO', lines: [{ sku, quantity: 3 }] })).status).toBe(201);
  return sku;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const named = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);

it('in process: one trace spans the API call, the order workflow, its activities and its shipment', async () => {
  const engine = await startEngine('tracing', true);
  const sku = await stockedSku(engine);

  // The caller's own trace is continued (W3C traceparent).
  const traceId = hex(16);
  const callerSpanId = hex(8);
  const answer = await engine.call('client', 'POST', '/v1/orders', orderRequest(`cus-${hex(3)}`, [{ sku, quantity: 1 }]), {
    traceparent: `00-${traceId}-${callerSpanId}-01`,
  });
  expect(answer.status).toBe(201);

  // Workflow spans are handed over when the workflow ends: wait for the delivered order's.
  const spans = await eventually(() => {
    const found = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    return named(found, 'RunWorkflow:orderWorkflow').length > 0 && named(found, 'RunWorkflow:shipmentWorkflow').length > 0 ? found : undefined;
  }, 90_000);

  const [request] = named(spans, 'POST /v1/orders');
  expect(request.parentSpanId).toBe(callerSpanId);
  expect(request.attributes).toMatchObject({ 'http.route': '/v1/orders', 'http.response.status_code': 201 });

  const [start] = named(spans, 'StartWorkflow:orderWorkflow');
  expect(start.parentSpanId).toBe(request.spanContext().spanId);
  const [run] = named(spans, 'RunWorkflow:orderWorkflow');
  expect(run.parentSpanId).toBe(start.spanContext().spanId);

  const activities = spans.filter((span) => span.name.startsWith('RunActivity:')).map((span) => span.name);
  expect(activities).toEqual(expect.arrayContaining(['RunActivity:reserveStock', 'RunActivity:authorizePayment', 'RunActivity:buyLabel']));
  const [reserve] = named(spans, 'RunActivity:reserveStock');
  expect(spans.find((span) => span.spanContext().spanId === reserve.parentSpanId)?.name).toBe('StartActivity:reserveStock');
  const [startChild] = named(spans, 'StartChildWorkflow:shipmentWorkflow');
  expect(startChild.parentSpanId).toBe(run.spanContext().spanId);
  expect(named(spans, 'RunWorkflow:shipmentWorkflow')[0].parentSpanId).toBe(startChild.spanContext().spanId);
  // The receipt before the order was a trace of its own.
  expect(exporter.getFinishedSpans().filter((span) => span.name === 'RunWorkflow:orderWorkflow' && span.spanContext().traceId !== traceId)).toEqual([]);
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
}

it('as in production: the API and worker processes export their spans over OTLP, one trace per order', async () => {
  const received: OtlpSpan[] = [];
  const collector = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces') received.push(...otlpSpans(JSON.parse(body)));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  try {
    const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` };
    const engine = await startEngine('tracing-otlp', false);
    children.push(await startWorkerProcess({ ...engine.workerEnv(), ...otlp }));
    const port = await freePort();
    children.push(await startProcess(path.join('api', 'main.ts'), { ...engine.apiEnv(port), ...otlp }, 'API listening'));

    const sku = await stockedSku(engine);
    const answer = await engine.callAt(`http://127.0.0.1:${port}`, 'client', 'POST', '/v1/orders', orderRequest(`cus-${hex(3)}`, [{ sku, quantity: 1 }]));
    expect(answer.status).toBe(201);

    // The batch processors send every few seconds; the order workflow's span comes once it completes.
    const trace = await eventually(() => {
      const request = received.find((span) => span.name === 'POST /v1/orders');
      const spans = request ? received.filter((span) => span.traceId === request.traceId) : [];
      return spans.some((span) => span.name === 'RunWorkflow:orderWorkflow') && spans.some((span) => span.name === 'RunActivity:buyLabel')
        ? spans
        : undefined;
    }, 90_000, 500);

    // A workflow task the server sends again (a signal arrived as the workflow completed) is run again,
    // and its spans are exported again under the same ids: compare services, not span counts.
    const services = (name: string) => [...new Set(trace.filter((span) => span.name === name).map((span) => span.service))];
    expect(services('POST /v1/orders')).toEqual(['oms-api']);
    expect(services('StartWorkflow:orderWorkflow')).toEqual(['oms-api']);
    expect(services('RunWorkflow:orderWorkflow')).toEqual(['oms-worker']);
    expect(services('RunActivity:reserveStock')).toEqual(['oms-worker']);
  } finally {
    await new Promise((resolve) => collector.close(resolve));
  }
});

function otlpSpans(body: {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: Omit<OtlpSpan, 'service'>[] }[];
  }[];
}): OtlpSpan[] {
  return (body.resourceSpans ?? []).flatMap((resourceSpans) => {
    const service = resourceSpans.resource?.attributes?.find((attribute) => attribute.key === 'service.name')?.value.stringValue ?? '';
    return (resourceSpans.scopeSpans ?? []).flatMap((scope) => (scope.spans ?? []).map((span) => ({ ...span, service })));
  });
}

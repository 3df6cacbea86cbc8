import fs from 'node:fs';
import path from 'node:path';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Resource } from '@opentelemetry/resources';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/worker';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { TRACING_WORKFLOW_MODULE } from '../../infra/telemetry';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../worker/create-worker';

/**
 * Turning tracing on (OTEL_EXPORTER_OTLP_ENDPOINT) adds the OpenTelemetry workflow interceptors to
 * the workflow bundle. Workflows already running were recorded without them: their histories must
 * still replay with them, or switching tracing on would break running orders. (With tracing off the
 * bundle is unchanged: test/workflows/replay.test.ts.)
 */
const dir = path.resolve(__dirname, '..', 'histories');
const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((file) => file.endsWith('.json')).sort();
let code: string;

beforeAll(async () => {
  const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };
  ({ code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES, TRACING_WORKFLOW_MODULE],
    logger: quiet,
  }));
}, 120_000);

it('bundles the tracing interceptors', () => {
  expect(code).toContain('OpenTelemetryInboundInterceptor');
});

it.each(files)('replays %s with the tracing interceptors', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  const exporter = makeWorkflowExporter(new SimpleSpanProcessor(new InMemorySpanExporter()), new Resource({ 'service.name': 'replay' }));
  await Worker.runReplayHistory({ workflowBundle: { code }, sinks: { exporter } }, history);
});

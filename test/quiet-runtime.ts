import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers in tests log only errors, so a test's own output stays readable. The test environment
// (test/temporal-environment.ts) shuts this runtime down after the file's own teardown.
const runtime = Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { forward: {}, filter: 'ERROR' } },
});
(globalThis as { temporalRuntime?: Runtime }).temporalRuntime = runtime;

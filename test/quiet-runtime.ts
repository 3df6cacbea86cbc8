import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers in tests log only errors; a test's own output stays readable.
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { forward: {}, filter: 'ERROR' } } });

import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDb, ensureDatabase, migrateLatest } from '../db/knex';
import { loadSandboxCarrierConfig } from '../carriers/sandbox/config';
import { loadSandboxSupplierConfig } from '../suppliers/sandbox/config';
import { Config, loadConfig } from '../infra/config';
import { spawnManaged } from './children';
import { DEMO_PRODUCTS, DEMO_WAREHOUSES, seedDemoCatalog } from './demo-catalog';
import { DevApiKey, ensureDevApiKeys } from './dev-api-keys';
import { Lifecycle } from './lifecycle';
import { startEmbeddedPostgres } from './postgres';
import { DevSettings, loadDevSettings } from './settings';
import { formatSummary, maskPassword } from './summary';
import { registerSearchAttributes, startTemporalDevServer } from './temporal-server';
import { assertPortsFree, httpStatus, isPortOpen, waitFor } from './wait';

/**
 * `npm start`: the whole engine on one machine. Postgres and Temporal are the ones named by
 * DATABASE_URL / TEMPORAL_ADDRESS, or embedded ones started here with their data in DATA_DIR;
 * then the sandbox carrier, the sandbox supplier, the worker and the API run as child processes until Ctrl-C.
 */
const ROOT = path.resolve(__dirname, '..');
const READY_TIMEOUT_MS = 180_000;
const SERVICES = [
  { name: 'carrier', entry: 'carriers/sandbox/main.ts' },
  { name: 'supplier', entry: 'suppliers/sandbox/main.ts' },
  { name: 'worker', entry: 'worker/main.ts' },
  { name: 'api', entry: 'api/main.ts' },
];

async function main(lifecycle: Lifecycle): Promise<void> {
  const settings = loadDevSettings();
  const config = loadConfig();
  const sandboxCarrier = loadSandboxCarrierConfig();
  const sandboxSupplier = loadSandboxSupplierConfig();
  fs.mkdirSync(settings.dataDir, { recursive: true });
  await assertPortsFree([
    { port: config.api.port, variable: 'API_PORT', purpose: 'API' },
    { port: sandboxCarrier.port, variable: 'CARRIER_SANDBOX_PORT', purpose: 'sandbox carrier' },
    { port: sandboxSupplier.port, variable: 'SUPPLIER_SANDBOX_PORT', purpose: 'sandbox supplier' },
    ...(settings.databaseUrl ? [] : [{ port: settings.embeddedPgPort, variable: 'EMBEDDED_PG_PORT', purpose: 'embedded Postgres' }]),
    ...(settings.temporalAddress
      ? []
      : [
          { port: settings.temporalPort, variable: 'TEMPORAL_PORT', purpose: 'Temporal' },
          { port: settings.temporalUiPort, variable: 'TEMPORAL_UI_PORT', purpose: 'Temporal Web UI' },
        ]),
  ]);

  const [database, temporal] = await Promise.all([
    prepareDatabase(settings, lifecycle),
    prepareTemporal(settings, config, lifecycle),
  ]);
  lifecycle.signal.throwIfAborted();

  const apiUrl = `http://localhost:${config.api.port}`;
  const carrierUrl = `http://127.0.0.1:${sandboxCarrier.port}`;
  const supplierUrl = `http://127.0.0.1:${sandboxSupplier.port}`;
  startServices(lifecycle, {
    ...process.env,
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    API_PORT: String(config.api.port),
    CARRIER_SANDBOX_PORT: String(sandboxCarrier.port),
    CARRIER_SANDBOX_URL: carrierUrl,
    CARRIER_SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${config.api.port}/v1/webhooks/carriers/sandbox`,
    CARRIER_SANDBOX_TIMETABLE: sandboxCarrier.timetable,
    SUPPLIER_SANDBOX_PORT: String(sandboxSupplier.port),
    SUPPLIER_SANDBOX_URL: supplierUrl,
    SUPPLIER_SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${config.api.port}/v1/webhooks/dropship/sandbox`,
    SUPPLIER_SANDBOX_TIMETABLE: sandboxSupplier.timetable,
  });
  const readiness = { timeoutMs: READY_TIMEOUT_MS, signal: lifecycle.signal };
  await Promise.all([
    waitFor('The sandbox carrier', () => isPortOpen(sandboxCarrier.port), readiness),
    waitFor('The sandbox supplier', () => isPortOpen(sandboxSupplier.port), readiness),
    waitFor('The API', async () => (await httpStatus(`http://127.0.0.1:${config.api.port}/health/ready`)) === 200, readiness),
  ]);

  console.log(
    formatSummary({
      apiUrl,
      temporalAddress: temporal.address,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      temporalUiUrl: temporal.uiUrl,
      databaseUrl: database.url,
      carrierUrl,
      supplierUrl,
      dataDir: settings.dataDir,
      apiKeys: database.apiKeys,
    }),
  );
}

async function prepareDatabase(settings: DevSettings, lifecycle: Lifecycle): Promise<{ url: string; apiKeys: DevApiKey[] }> {
  let url = settings.databaseUrl;
  if (url) {
    console.log(`Postgres: using DATABASE_URL ${maskPassword(url)}`);
  } else {
    console.log(`Postgres: starting embedded Postgres on 127.0.0.1:${settings.embeddedPgPort}, data in ${path.join(settings.dataDir, 'postgres')}`);
    url = await startEmbeddedPostgres(settings.dataDir, settings.embeddedPgPort, lifecycle);
  }
  await ensureDatabase(url);
  const db = createDb(url, 2);
  try {
    await migrateLatest(db);
    const receipts = await seedDemoCatalog(db);
    console.log(
      `Demo catalog: ${DEMO_PRODUCTS.length} products in ${DEMO_WAREHOUSES.map((w) => w.id).join(' and ')}` +
        (receipts > 0 ? `, ${receipts} stock receipts written` : ', already in place'),
    );
    const apiKeys = await ensureDevApiKeys(db, path.join(settings.dataDir, 'dev-api-keys.json'));
    return { url, apiKeys };
  } finally {
    await db.destroy();
  }
}

async function prepareTemporal(
  settings: DevSettings,
  config: Config,
  lifecycle: Lifecycle,
): Promise<{ address: string; uiUrl?: string }> {
  if (settings.temporalAddress) {
    console.log(`Temporal: using TEMPORAL_ADDRESS ${settings.temporalAddress}`);
    await registerSearchAttributes(config.temporal);
    return { address: settings.temporalAddress };
  }
  console.log(
    `Temporal: starting a dev server on 127.0.0.1:${settings.temporalPort} (Web UI port ${settings.temporalUiPort}), ` +
      `state in ${path.join(settings.dataDir, 'temporal.db')}`,
  );
  const local = await startTemporalDevServer(
    { dataDir: settings.dataDir, port: settings.temporalPort, uiPort: settings.temporalUiPort, namespace: config.temporal.namespace },
    lifecycle,
  );
  console.log(`Temporal: dev server up (${local.binary})`);
  await registerSearchAttributes({ ...config.temporal, address: local.address });
  return { address: local.address, uiUrl: local.uiUrl };
}

/** Each service runs its TypeScript entry through tsx from this repository's node_modules. */
function startServices(lifecycle: Lifecycle, env: NodeJS.ProcessEnv): void {
  const entries = SERVICES.map((service) => ({ ...service, file: path.join(ROOT, service.entry) }));
  const missing = entries.filter((service) => !fs.existsSync(service.file));
  if (missing.length > 0) {
    throw new Error(`Cannot start ${missing.map((s) => `the ${s.name}: ${s.entry} does not exist`).join('; ')}`);
  }
  const tsxLoader = pathToFileURL(require.resolve('tsx')).href;
  const running = entries.map((service) =>
    spawnManaged(service.name, process.execPath, ['--import', tsxLoader, service.file], {
      cwd: ROOT,
      env,
      onUnexpectedExit: (description) => void lifecycle.shutdown(1, `${description}; stopping everything`),
    }),
  );
  lifecycle.onStop('services', 'the API, worker, sandbox carrier and sandbox supplier', async () => {
    await Promise.all(running.map((service) => service.stop()));
  });
}

const lifecycle = new Lifecycle();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void lifecycle.shutdown(0, `${signal} received, stopping…`));
}
main(lifecycle).catch((error: unknown) => {
  // An error caused by a shutdown already under way (a start-up wait aborting) is not news.
  if (!lifecycle.stopping) void lifecycle.shutdown(1, `npm start failed: ${error instanceof Error ? error.message : String(error)}`);
});

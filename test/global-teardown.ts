import fs from 'node:fs';
import { dropDatabase } from '../dev/harness/drop-database';
import { stopEmbeddedPostgres, testRun } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const run = testRun();
  await run.temporalEnv?.teardown();
  // The run's own embedded Postgres goes away whole; on a server of the developer's, drop the run's database.
  if (run.embeddedPostgres) await stopEmbeddedPostgres(run);
  else if (process.env.DATABASE_URL) await dropDatabase(process.env.DATABASE_URL);
  if (run.bundleDir) fs.rmSync(run.bundleDir, { recursive: true, force: true });
}

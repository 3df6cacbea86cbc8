import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { dropDatabase } from '../dev/harness/drop-database';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { temporalEnv?: TestWorkflowEnvironment }).temporalEnv?.teardown();
  if (process.env.DATABASE_URL) await dropDatabase(process.env.DATABASE_URL);
}

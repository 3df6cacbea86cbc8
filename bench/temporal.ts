import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { findTemporalCli, installHint } from '../infra/temporal-binaries';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../worker/create-worker';

export const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };

export interface BenchTemporal {
  address: string;
  /** What the figures were measured on: the dev server the bench started, or TEMPORAL_ADDRESS. */
  description: string;
  /** True when the bench started the server (and throws it away, running workflows and all). */
  own: boolean;
  teardown(): Promise<void>;
}

/** TEMPORAL_ADDRESS when set, else a dev server of the bench's own (in-memory), like the tests'. */
export async function startTemporal(): Promise<BenchTemporal> {
  if (process.env.TEMPORAL_ADDRESS) {
    return { address: process.env.TEMPORAL_ADDRESS, description: 'the server at TEMPORAL_ADDRESS', own: false, teardown: async () => {} };
  }
  const cli = findTemporalCli();
  if (!cli) throw new Error(`The benchmark needs a Temporal server: set TEMPORAL_ADDRESS or install the CLI. ${installHint('temporal')}`);
  let version = 'unknown version';
  try {
    version = execFileSync(cli, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    // the version is only printed
  }
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: cli }, searchAttributes: ALL_SEARCH_ATTRIBUTES, extraArgs: ['--log-level', 'error'] },
  });
  return {
    address: env.address,
    description: `dev server started by the bench, in-memory persistence (${version})`,
    own: true,
    teardown: () => env.teardown(),
  };
}

/** The engine's workflows bundled once into a file the in-process and spawned workers share. */
export async function bundleEngineWorkflows(): Promise<string> {
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: quietLogger,
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oms-bench-')), 'workflows.js');
  fs.writeFileSync(file, bundle.code);
  return file;
}

/** Events in one workflow's history. */
export async function historyEvents(temporal: Client, workflowId: string): Promise<number> {
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  return history.events?.length ?? 0;
}

/**
 * On a server the bench did not start, workflows it left running (orders waiting at a manual
 * warehouse, the floor route's workflows nobody polls) are terminated by a batch job.
 */
export async function terminateLeftovers(temporal: BenchTemporal, client: Client, taskQueues: string[]): Promise<void> {
  if (temporal.own || taskQueues.length === 0) return;
  const query = `(${taskQueues.map((queue) => `TaskQueue="${queue}"`).join(' OR ')}) AND ExecutionStatus="Running"`;
  try {
    await client.workflowService.startBatchOperation({
      namespace: client.options.namespace,
      jobId: `bench-cleanup-${randomBytes(4).toString('hex')}`,
      reason: 'benchmark finished',
      visibilityQuery: query,
      terminationOperation: {},
    });
    console.log(`Asked the server to terminate the workflows the bench left running (${query}).`);
  } catch (error) {
    console.warn(`Could not terminate the bench's leftover workflows (${query}): ${(error as Error).message}`);
  }
}

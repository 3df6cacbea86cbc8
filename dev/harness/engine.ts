import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { buildApp } from '../../api/app';
import { SandboxCarrierAdapter } from '../../carriers/sandbox-adapter';
import { buildSandboxCarrier, SandboxCarrier } from '../../carriers/sandbox/server';
import type { TimetableName } from '../../carriers/sandbox/timetable';
import { buildSandboxSupplier, type SandboxSupplier } from '../../suppliers/sandbox/server';
import type { SandboxService } from '../../infra/sandbox-service';
import { SandboxSupplierAdapter } from '../../suppliers/sandbox-adapter';
import type { Db } from '../../db/knex';
import { ALL_LOCATIONS, createApiKey, Role, ROLES } from '../../infra/api-keys';
import { Config, loadConfig } from '../../infra/config';
import { connectClient } from '../../infra/temporal';
import { SandboxPaymentGateway } from '../../payments/sandbox-gateway';
import { createWorker } from '../../worker/create-worker';
import { createFreshDatabase, FreshDatabase } from './database';

export interface EngineOptions {
  /** Names the engine's database and task queue. */
  label: string;
  databaseUrl: string;
  temporalAddress: string;
  workflowBundlePath?: string;
  timetable?: TimetableName;
  /** Delay between a parcel's tracking events (and a dropship order's steps). */
  carrierStepMs?: number;
  /** The sandbox supplier's pace: 'manual' (default) ships only when told to. */
  supplierTimetable?: TimetableName;
  /** False to run the worker elsewhere (e.g. as a process the test kills). */
  inProcessWorker?: boolean;
  deliveryDeadlineHours?: number;
}

export interface ApiAnswer {
  status: number;
  body: any; // tests and the benchmark read answers field by field
}

/**
 * The whole engine wired together for integration tests and the benchmark: its own database,
 * the real API listening on a local port (carrier webhooks need one), the sandbox carrier with a
 * fast timetable, and a worker with the real activities on a task queue of its own.
 */
export class Engine {
  readonly keys = {} as Record<Role, string>;
  private worker?: { worker: Worker; running: Promise<void>; connection: NativeConnection };

  private constructor(
    readonly options: EngineOptions,
    readonly database: FreshDatabase,
    readonly temporal: Client,
    readonly config: Config,
    readonly app: ReturnType<typeof buildApp>,
    readonly carrier: SandboxCarrier,
    readonly apiUrl: string,
    readonly carrierUrl: string,
    readonly supplier: SandboxSupplier,
    readonly supplierUrl: string,
  ) {}

  get db(): Db {
    return this.database.db;
  }

  get taskQueue(): string {
    return this.config.temporal.taskQueue;
  }

  static async start(options: EngineOptions): Promise<Engine> {
    const suffix = randomBytes(4).toString('hex');
    const database = await createFreshDatabase(options.databaseUrl, options.label);
    const config = loadConfig({
      ...process.env,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_TASK_QUEUE: `${options.label}-${suffix}`,
      CARRIER_SANDBOX_API_KEY: `carrier-key-${suffix}`,
      CARRIER_WEBHOOK_SECRET_SANDBOX: `webhook-secret-${suffix}`,
      SUPPLIER_SANDBOX_API_KEY: `supplier-key-${suffix}`,
      SUPPLIER_WEBHOOK_SECRET_SANDBOX: `supplier-webhook-secret-${suffix}`,
      DELIVERY_DEADLINE_HOURS: String(options.deliveryDeadlineHours ?? 120),
    });
    const temporal = await connectClient(config.temporal);

    const app = buildApp({ db: database.db, temporal, config, logger: { level: 'error' } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const apiUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const carrier = await buildSandboxCarrier({
      db: database.db,
      apiKey: config.carrier.sandboxApiKey,
      webhookUrl: `${apiUrl}/v1/webhooks/carriers/sandbox`,
      webhookSecret: config.carrier.webhookSecrets.sandbox,
      timetable: options.timetable ?? 'fast',
      stepMs: options.carrierStepMs ?? 50,
      dispatcher: { pollIntervalMs: 20, retryBaseMs: 100, retryMaxMs: 1_000 },
    });
    const carrierUrl = await listenLocally(carrier);
    config.carrier.sandboxUrl = carrierUrl;

    const supplier = await buildSandboxSupplier({
      db: database.db,
      apiKey: config.supplier.sandboxApiKey,
      webhookUrl: `${apiUrl}/v1/webhooks/dropship/sandbox`,
      webhookSecret: config.supplier.webhookSecrets.sandbox,
      timetable: options.supplierTimetable ?? 'manual',
      stepMs: options.carrierStepMs ?? 50,
      dispatcher: { pollIntervalMs: 20, retryBaseMs: 100, retryMaxMs: 1_000 },
    });
    const supplierUrl = await listenLocally(supplier);
    config.supplier.sandboxUrl = supplierUrl;

    const engine = new Engine(options, database, temporal, config, app, carrier, apiUrl, carrierUrl, supplier, supplierUrl);
    for (const role of ROLES) {
      const scope = { channels: ['web', 'marketplace', 'pos'], locationIds: [ALL_LOCATIONS] };
      engine.keys[role] = (await createApiKey(database.db, `${options.label} ${role}`, role, scope)).key;
    }
    if (options.inProcessWorker ?? true) await engine.startWorker();
    return engine;
  }

  async startWorker(): Promise<void> {
    const connection = await NativeConnection.connect({ address: this.config.temporal.address });
    const activities = createActivities({
      db: this.db,
      carrier: new SandboxCarrierAdapter({ baseUrl: this.carrierUrl, apiKey: this.config.carrier.sandboxApiKey }),
      gateway: new SandboxPaymentGateway(this.db),
      supplier: new SandboxSupplierAdapter({ baseUrl: this.supplierUrl, apiKey: this.config.supplier.sandboxApiKey }),
      temporal: this.temporal,
      deliveryDeadlineHours: this.config.fulfillment.deliveryDeadlineHours,
      lostAfterHours: this.config.fulfillment.lostAfterHours,
      lostResolution: this.config.fulfillment.lostResolution,
    });
    const worker = await createWorker({
      connection,
      namespace: this.config.temporal.namespace,
      taskQueue: this.taskQueue,
      activities,
      workflowBundlePath: this.options.workflowBundlePath,
    });
    this.worker = { worker, connection, running: worker.run() };
  }

  /** Environment for a worker process of this engine (`worker/main.ts`). */
  workerEnv(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      DATABASE_URL: this.database.url,
      TEMPORAL_ADDRESS: this.config.temporal.address,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      CARRIER_SANDBOX_URL: this.carrierUrl,
      CARRIER_SANDBOX_API_KEY: this.config.carrier.sandboxApiKey,
      SUPPLIER_SANDBOX_URL: this.supplierUrl,
      SUPPLIER_SANDBOX_API_KEY: this.config.supplier.sandboxApiKey,
      DELIVERY_DEADLINE_HOURS: String(this.config.fulfillment.deliveryDeadlineHours),
      ...(this.options.workflowBundlePath ? { TEMPORAL_WORKFLOW_BUNDLE: this.options.workflowBundlePath } : {}),
    };
  }

  /** Environment for an API process of this engine (`api/main.ts`) listening on the given port. */
  apiEnv(port: number): NodeJS.ProcessEnv {
    return {
      ...this.workerEnv(),
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      CARRIER_WEBHOOK_SECRET_SANDBOX: this.config.carrier.webhookSecrets.sandbox,
      SUPPLIER_WEBHOOK_SECRET_SANDBOX: this.config.supplier.webhookSecrets.sandbox,
    };
  }

  call(role: Role, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    return this.callAt(this.apiUrl, role, method, path, body, headers);
  }

  /** The same, through another API process of this engine. */
  async callAt(
    apiUrl: string,
    role: Role,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer> {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.keys[role]}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async stopWorker(): Promise<void> {
    if (!this.worker) return;
    const { worker, running, connection } = this.worker;
    this.worker = undefined;
    worker.shutdown();
    await running;
    await connection.close();
  }

  async stop(): Promise<void> {
    await this.stopWorker();
    await this.carrier.app.close();
    await this.supplier.app.close();
    await this.app.close();
    await this.temporal.connection.close();
    await this.database.drop();
  }
}

/** A sandbox service on a free local port, sending its webhooks; answers its base URL. */
async function listenLocally(service: SandboxService): Promise<string> {
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  service.startDispatcher();
  return `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;
}

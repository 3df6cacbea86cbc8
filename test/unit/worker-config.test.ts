import type { NativeConnection } from '@temporalio/worker';
import type { Knex } from 'knex';
import type { Activities } from '../../activities';
import { SandboxCarrierAdapter } from '../../carriers/sandbox-adapter';
import { loadConfig } from '../../infra/config';
import { SandboxPaymentGateway } from '../../payments/sandbox-gateway';
import {
  createCarrier,
  createGateway,
  createWorkerDb,
  WORKER_ACQUIRE_TIMEOUT_MS,
  WORKER_HOUSEKEEPING_CONNECTIONS,
} from '../../worker/collaborators';
import { DEFAULT_ACTIVITY_SLOTS, temporalWorkerOptions } from '../../worker/create-worker';

const noDb = {} as Knex;

describe('worker and pool settings', () => {
  it('defaults: sandbox carrier and gateway, 50 activity slots, an API pool of 10', () => {
    const config = loadConfig({});
    expect(config.carrier.name).toBe('sandbox');
    expect(config.payments.gateway).toBe('sandbox');
    expect(config.worker.activitySlots).toBe(50);
    expect(config.api.dbPoolSize).toBe(10);
  });

  it('reads CARRIER, PAYMENT_GATEWAY, WORKER_ACTIVITY_SLOTS and API_DB_POOL_SIZE', () => {
    const config = loadConfig({ CARRIER: 'acme', PAYMENT_GATEWAY: 'stripe', WORKER_ACTIVITY_SLOTS: '8', API_DB_POOL_SIZE: '25' });
    expect(config.carrier.name).toBe('acme');
    expect(config.payments.gateway).toBe('stripe');
    expect(config.worker.activitySlots).toBe(8);
    expect(config.api.dbPoolSize).toBe(25);
  });

  it('refuses slot and pool sizes below one', () => {
    expect(() => loadConfig({ WORKER_ACTIVITY_SLOTS: '0' })).toThrow('WORKER_ACTIVITY_SLOTS must be a positive integer, got "0"');
    expect(() => loadConfig({ API_DB_POOL_SIZE: '0' })).toThrow('API_DB_POOL_SIZE must be a positive integer, got "0"');
    expect(() => loadConfig({ WORKER_ACTIVITY_SLOTS: 'many' })).toThrow('WORKER_ACTIVITY_SLOTS must be a non-negative integer');
  });
});

describe('the worker collaborators', () => {
  it('builds the sandbox carrier and gateway by default', () => {
    const config = loadConfig({ CARRIER_SANDBOX_URL: 'http://127.0.0.1:9' });
    expect(createCarrier(config)).toBeInstanceOf(SandboxCarrierAdapter);
    expect(createCarrier(config).name).toBe('sandbox');
    expect(createGateway(config, noDb)).toBeInstanceOf(SandboxPaymentGateway);
  });

  it('refuses an unknown carrier at start-up, naming the supported ones', () => {
    expect(() => createCarrier(loadConfig({ CARRIER: 'acme' }))).toThrow('CARRIER "acme" is not supported; supported values: sandbox');
    // Names are looked up as own entries only, not as anything an object inherits.
    expect(() => createCarrier(loadConfig({ CARRIER: 'constructor' }))).toThrow('CARRIER "constructor" is not supported');
  });

  it('refuses an unknown payment gateway at start-up, naming the supported ones', () => {
    expect(() => createGateway(loadConfig({ PAYMENT_GATEWAY: 'stripe' }), noDb)).toThrow(
      'PAYMENT_GATEWAY "stripe" is not supported; supported values: sandbox',
    );
  });

  it('refuses the sandbox gateway when NODE_ENV=production, and allows it otherwise', () => {
    const prodEnv = {
      NODE_ENV: 'production',
      CARRIER_SANDBOX_API_KEY: 'k'.repeat(40),
      CARRIER_WEBHOOK_SECRET_SANDBOX: 's'.repeat(40),
      SUPPLIER_SANDBOX_API_KEY: 'K'.repeat(40),
      SUPPLIER_WEBHOOK_SECRET_SANDBOX: 'S'.repeat(40),
    };
    const config = loadConfig(prodEnv);
    expect(() => createGateway(config, noDb, prodEnv)).toThrow(/PAYMENT_GATEWAY "sandbox" .*refused when NODE_ENV=production/);
    expect(createGateway(config, noDb, { NODE_ENV: 'staging' })).toBeInstanceOf(SandboxPaymentGateway);
    expect(createGateway(config, noDb, {})).toBeInstanceOf(SandboxPaymentGateway);
    // The sandbox carrier is a real HTTP service: allowed in production once its secrets are set.
    expect(createCarrier(config)).toBeInstanceOf(SandboxCarrierAdapter);
  });

  it("sizes the worker's pool to its activity slots plus housekeeping, with a short acquire timeout", async () => {
    const db = createWorkerDb(loadConfig({ WORKER_ACTIVITY_SLOTS: '7' }));
    try {
      const knexConfig = db.client.config as Knex.Config;
      expect(knexConfig.pool).toMatchObject({ min: 0, max: 7 + WORKER_HOUSEKEEPING_CONNECTIONS });
      expect(WORKER_HOUSEKEEPING_CONNECTIONS).toBe(2);
      expect(knexConfig.acquireConnectionTimeout).toBe(WORKER_ACQUIRE_TIMEOUT_MS);
      expect(WORKER_ACQUIRE_TIMEOUT_MS).toBeLessThan(30_000); // the activities' start-to-close timeout
    } finally {
      await db.destroy();
    }
  });
});

describe('createWorker options', () => {
  const base = {
    connection: {} as NativeConnection,
    namespace: 'default',
    taskQueue: 'oms',
    activities: {} as Activities,
    workflowBundlePath: 'bundle.js',
  };

  it('runs as many activities at once as it is given slots', () => {
    expect(temporalWorkerOptions({ ...base, maxConcurrentActivityTaskExecutions: 12 }).maxConcurrentActivityTaskExecutions).toBe(12);
  });

  it('keeps the previous default for callers that do not size it', () => {
    expect(temporalWorkerOptions(base).maxConcurrentActivityTaskExecutions).toBe(DEFAULT_ACTIVITY_SLOTS);
  });
});

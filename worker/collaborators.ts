import type { CarrierAdapter } from '../carriers/adapter';
import { SandboxCarrierAdapter } from '../carriers/sandbox-adapter';
import { createDb, type Db } from '../db/knex';
import type { Config } from '../infra/config';
import type { PaymentGateway } from '../payments/gateway';
import { SandboxPaymentGateway } from '../payments/sandbox-gateway';

/**
 * The worker's outside collaborators, chosen by configuration (CARRIER, PAYMENT_GATEWAY). The
 * configuration only names them; this module, outside infra/, knows the implementations.
 * A new carrier or gateway is one more entry here.
 */

const CARRIERS: Record<string, (config: Config) => CarrierAdapter> = {
  sandbox: (config) => new SandboxCarrierAdapter({ baseUrl: config.carrier.sandboxUrl, apiKey: config.carrier.sandboxApiKey }),
};

const GATEWAYS: Record<string, (config: Config, db: Db) => PaymentGateway> = {
  sandbox: (_config, db) => new SandboxPaymentGateway(db),
};

export const SUPPORTED_CARRIERS = Object.keys(CARRIERS);
export const SUPPORTED_PAYMENT_GATEWAYS = Object.keys(GATEWAYS);

/** Connections beyond the activity slots, for the worker's own housekeeping (the sweep). */
export const WORKER_HOUSEKEEPING_CONNECTIONS = 2;
/** Well under the activities' 30 s start-to-close timeout: a starved pool fails the attempt, which retries. */
export const WORKER_ACQUIRE_TIMEOUT_MS = 10_000;

export function createCarrier(config: Config): CarrierAdapter {
  return pick(CARRIERS, 'CARRIER', config.carrier.name)(config);
}

/** Gateways that approve any well-formed token: never allowed when NODE_ENV=production. */
const TEST_ONLY_GATEWAYS = new Set(['sandbox']);

export function createGateway(config: Config, db: Db, env: NodeJS.ProcessEnv = process.env): PaymentGateway {
  if (env.NODE_ENV === 'production' && TEST_ONLY_GATEWAYS.has(config.payments.gateway)) {
    throw new Error(
      `PAYMENT_GATEWAY "${config.payments.gateway}" approves any tok_* token and is refused when NODE_ENV=production; configure a real gateway`,
    );
  }
  return pick(GATEWAYS, 'PAYMENT_GATEWAY', config.payments.gateway)(config, db);
}

/** The worker's database pool: one connection per activity slot plus a couple for housekeeping. */
export function createWorkerDb(config: Config): Db {
  return createDb(config.databaseUrl, config.worker.activitySlots + WORKER_HOUSEKEEPING_CONNECTIONS, {
    acquireTimeoutMs: WORKER_ACQUIRE_TIMEOUT_MS,
  });
}

function pick<T>(registry: Record<string, T>, variable: string, name: string): T {
  if (!Object.prototype.hasOwnProperty.call(registry, name)) {
    throw new Error(`${variable} "${name}" is not supported; supported values: ${Object.keys(registry).join(', ')}`);
  }
  return registry[name];
}


/**
 * Every setting the engine reads from the environment, in one place.
 * The README's "Environment variables" table mirrors this file.
 */
export interface Config {
  databaseUrl: string;
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    /** Temporal Cloud / mTLS: client certificate and key paths, or an API key. */
    tlsCertPath?: string;
    tlsKeyPath?: string;
    apiKey?: string;
    /** A workflow bundle built ahead (bundleWorkflowCode); without it the worker bundles at start-up. */
    workflowBundlePath?: string;
  };
  api: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    /** An Idempotency-Key is remembered this long after its first use; after that it is treated as new. */
    idempotencyRetentionHours: number;
    /** Connections in the API's database pool. */
    dbPoolSize: number;
  };
  carrier: {
    /** Which carrier the worker talks to; worker/collaborators.ts knows the supported names. */
    name: string;
    sandboxUrl: string;
    sandboxApiKey: string;
    /** Secret per carrier name for webhook signatures, from CARRIER_WEBHOOK_SECRET_<NAME>. */
    webhookSecrets: Record<string, string>;
    webhookToleranceSeconds: number;
  };
  payments: {
    /** Which payment gateway the worker uses; worker/collaborators.ts knows the supported names. */
    gateway: string;
  };
  worker: {
    /** Activities one worker runs at once; its database pool holds this many connections plus two. */
    activitySlots: number;
  };
  fulfillment: {
    /** A shipment not delivered this many hours after its label is flagged overdue. */
    deliveryDeadlineHours: number;
    /** An overdue shipment still not delivered this many hours later becomes LOST by itself. */
    lostAfterHours: number;
    /** What the order does about a parcel that became LOST by itself: refund or replace it. */
    lostResolution: 'refund' | 'replace';
    /** Backordered orders without their own deadline wait this many hours for stock. */
    backorderWaitHours: number;
  };
}

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/oms';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    temporal: {
      address: env.TEMPORAL_ADDRESS || '127.0.0.1:7233',
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      taskQueue: env.TEMPORAL_TASK_QUEUE || 'oms',
      tlsCertPath: env.TEMPORAL_TLS_CERT_PATH || undefined,
      tlsKeyPath: env.TEMPORAL_TLS_KEY_PATH || undefined,
      apiKey: env.TEMPORAL_API_KEY || undefined,
      workflowBundlePath: env.TEMPORAL_WORKFLOW_BUNDLE || undefined,
    },
    api: {
      host: env.API_HOST || '0.0.0.0',
      port: portFrom(env, 'API_PORT', 3000),
      bodyLimitBytes: intFrom(env, 'API_BODY_LIMIT_BYTES', 1024 * 1024),
      idempotencyRetentionHours: intFrom(env, 'IDEMPOTENCY_KEY_RETENTION_HOURS', 24),
      dbPoolSize: positiveIntFrom(env, 'API_DB_POOL_SIZE', 10),
    },
    carrier: {
      name: env.CARRIER?.trim() || 'sandbox',
      sandboxUrl: env.CARRIER_SANDBOX_URL || 'http://127.0.0.1:3100',
      sandboxApiKey: env.CARRIER_SANDBOX_API_KEY || 'sandbox-carrier-dev-key',
      webhookSecrets: webhookSecretsFrom(env),
      webhookToleranceSeconds: intFrom(env, 'CARRIER_WEBHOOK_TOLERANCE_SECONDS', 300),
    },
    payments: {
      gateway: env.PAYMENT_GATEWAY?.trim() || 'sandbox',
    },
    worker: {
      activitySlots: positiveIntFrom(env, 'WORKER_ACTIVITY_SLOTS', 50),
    },
    fulfillment: {
      deliveryDeadlineHours: intFrom(env, 'DELIVERY_DEADLINE_HOURS', 120),
      lostAfterHours: intFrom(env, 'LOST_AFTER_HOURS', 240),
      lostResolution: oneOf(env, 'LOST_PARCEL_RESOLUTION', ['refund', 'replace'] as const, 'refund'),
      backorderWaitHours: intFrom(env, 'BACKORDER_WAIT_HOURS', 14 * 24),
    },
  };
}

/** CARRIER_WEBHOOK_SECRET_SANDBOX=abc gives { sandbox: 'abc' }; the sandbox has a development default. */
function webhookSecretsFrom(env: NodeJS.ProcessEnv): Record<string, string> {
  const secrets: Record<string, string> = { sandbox: 'sandbox-webhook-dev-secret' };
  for (const [name, value] of Object.entries(env)) {
    const match = /^CARRIER_WEBHOOK_SECRET_([A-Z0-9_]+)$/.exec(name);
    if (match && value) secrets[match[1].toLowerCase()] = value;
  }
  return secrets;
}

export function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new Error(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

function positiveIntFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = intFrom(env, name, fallback);
  if (value < 1) throw new Error(`${name} must be a positive integer, got "${env[name]}"`);
  return value;
}

export function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const port = intFrom(env, name, fallback);
  if (port < 1 || port > 65535) throw new Error(`${name} must be a port number (1-65535), got "${env[name]}"`);
  return port;
}

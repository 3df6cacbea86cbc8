import { RETURN_REASONS, type ReturnReason } from '../domain/types';
import type { ReturnPolicy } from '../workflows/definitions';
import type { WebhookRetrySettings } from '../workflows/webhook-delivery-definitions';
import { payloadKeysFrom, type PayloadKeys } from './payload-codec';
import { assertProductionSecrets, isProduction } from './production';

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
    /** A custom CA (TEMPORAL_TLS_CA_PATH) and server name (TEMPORAL_TLS_SERVER_NAME) for TLS. */
    tlsCaPath?: string;
    tlsServerName?: string;
    apiKey?: string;
    /** A workflow bundle built ahead (bundleWorkflowCode); without it the worker bundles at start-up. */
    workflowBundlePath?: string;
    /** Payload encryption keys (TEMPORAL_PAYLOAD_KEY*); without them payloads are plaintext. */
    payloadKeys?: PayloadKeys;
  };
  api: {
    /** The Temporal Web UI the dashboard's links open (TEMPORAL_UI_URL), without a trailing slash. */
    temporalUiUrl: string;
    host: string;
    port: number;
    bodyLimitBytes: number;
    /** An Idempotency-Key is remembered this long after its first use; after that it is treated as new. */
    idempotencyRetentionHours: number;
    /** Connections in the API's database pool. */
    dbPoolSize: number;
    /** Whole-request and idle-connection timeouts of the HTTP server. */
    requestTimeoutMs: number;
    connectionTimeoutMs: number;
    /** Receipt lines above this quantity need the ops role. */
    receiptMaxLineQuantityWithoutOps: number;
    /** Requests per minute per API key (per address without one), in memory per API process. */
    rateLimitPerMinute: number;
    /** Requests per minute per source address on the carrier webhook route. */
    webhookRateLimitPerMinute: number;
    /** The carrier webhook route's own body limit. */
    webhookBodyLimitBytes: number;
    /** Serve the OpenAPI docs at /docs without a key; off, /docs is 404. */
    docsPublic: boolean;
    /** Serve Prometheus metrics at /metrics without a key (METRICS_PUBLIC); off, /metrics needs an ops key. */
    metricsPublic: boolean;
  };
  carrier: {
    /** Which carrier the worker talks to; worker/collaborators.ts knows the supported names. */
    name: string;
    sandboxUrl: string;
    sandboxApiKey: string;
    /** Secret per carrier name for webhook signatures, from CARRIER_WEBHOOK_SECRET_<NAME>. */
    webhookSecrets: Record<string, string>;
    webhookToleranceSeconds: number;
    /** Failed webhook attempts (metadata only) are deleted after this many hours. */
    webhookFailureRetentionHours: number;
    /** Verified events for a tracking number no shipment has yet are picked up by its label this long. */
    webhookUnmatchedTtlMinutes: number;
  };
  /** The dropship supplier service orders for dropshipped products go to (suppliers/index.ts knows the names). */
  supplier: {
    name: string;
    sandboxUrl: string;
    sandboxApiKey: string;
    /** Secret per supplier service name for dropship webhook signatures, from SUPPLIER_WEBHOOK_SECRET_<NAME>. */
    webhookSecrets: Record<string, string>;
    /** The same window as purchase order webhooks (SUPPLIER_WEBHOOK_TOLERANCE_SECONDS). */
    webhookToleranceSeconds: number;
  };
  supplierFeeds: {
    /** How often the Schedule polls dropship suppliers for their stock (SUPPLIER_FEED_POLL_MINUTES). */
    pollEveryMinutes: number;
  };
  payments: {
    /** Which payment gateway the worker uses; worker/collaborators.ts knows the supported names. */
    gateway: string;
  };
  worker: {
    /** Activities one worker runs at once; its database pool holds this many connections plus two. */
    activitySlots: number;
    /** Listen address of the worker's metrics endpoints (WORKER_METRICS_HOST). */
    metricsHost: string;
    /** Port of the worker's own Prometheus metrics (WORKER_METRICS_PORT); unset, not served. */
    metricsPort?: number;
    /** Port of the Temporal SDK's runtime metrics of the worker (WORKER_TEMPORAL_METRICS_PORT); unset, not served. */
    temporalMetricsPort?: number;
  };
  telemetry: {
    /**
     * Where OpenTelemetry traces are sent over OTLP/HTTP: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, or
     * OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. Unset (or OTEL_SDK_DISABLED=true), tracing is off.
     */
    otlpTracesUrl?: string;
    /** The service name on spans (OTEL_SERVICE_NAME); default oms-api or oms-worker. */
    serviceName?: string;
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
    /** A backorder deadline may lie at most this many days ahead. */
    backorderMaxDays: number;
  };
  adjustments: {
    /** An adjustment (or count correction) worth more than this, units x FIFO cost, waits for ops approval. */
    approvalThresholdCents: number;
    /** One nobody approves or rejects within this many hours expires unapplied. */
    approvalTimeoutHours: number;
  };
  transfers: {
    /** Units a transfer shipped that have not arrived this many hours later are written off (lost_in_transit). */
    deadlineHours: number;
  };
  purchasing: PurchasingSettings;
  replenishment: {
    /** How often the replenishment Schedule plans every location, e.g. 1h. */
    every: string;
    /** Average daily demand and its variability come from the units shipped over this many days. */
    demandWindowDays: number;
    /** Service level of SKUs without their own, as a fraction (REPLENISHMENT_SERVICE_LEVEL_PERCENT / 100). */
    serviceLevel: number;
    /** Days of average demand ordered beyond the reorder point, for SKUs without their own. */
    reviewDays: number;
  };
  cycleCounts: {
    /** Days between counts of a SKU per ABC class (A monthly, B quarterly, C yearly by default). */
    intervalDays: { A: number; B: number; C: number };
    /** ABC classes come from the value shipped over this many days. */
    abcWindowDays: number;
    /** How often the cycle-count Schedule plans tasks, e.g. 1h or 1d. */
    every: string;
  };
  returns: {
    /** Days after a shipment's delivery its units may be returned, unless the product sets its own. */
    windowDays: number;
    /** Fixed into each return when it is requested. */
    policy: ReturnPolicy;
  };
  reports: ReportSettings;
  outboundWebhooks: {
    /** Endpoints may be http://localhost or http://127.0.0.1 (never in production); every other one must be https. */
    allowLocalHttp: boolean;
    /** How often the dispatch Schedule turns new events into deliveries, e.g. 10s. */
    dispatchEvery: string;
    /** Fixed into each delivery when its workflow starts. */
    retry: WebhookRetrySettings;
    /** Delivered events and their attempts are deleted this many days after delivery; failed ones are kept. */
    retentionDays: number;
    /** After a secret rotation, deliveries are signed with the previous secret too for this many hours. */
    secretGraceHours: number;
  };
}

export interface ReportSettings {
  /** The longest date range a report covers, in days (REPORTS_MAX_RANGE_DAYS). */
  maxRangeDays: number;
  /** ABC shares of value shipped, in percent, A first; they add up to 100 (REPORTS_ABC_A/B/C_PERCENT). */
  abcThresholds: { a: number; b: number; c: number };
  /** Stock with no outbound movement for this many days is dead (REPORTS_DEAD_STOCK_DAYS). */
  deadStockDays: number;
  /** An order ships on time within this many hours of its creation (REPORTS_ON_TIME_SLA_HOURS). */
  onTimeSlaHours: number;
  /** Surplus is stock beyond this many days of demand (REPORTS_COVER_DAYS). */
  coverDays: number;
}

export interface PurchasingSettings {
  /** A PO line may be received up to this many percent past its ordered quantity; more is refused. */
  receiptTolerancePercent: number;
  /** A supplier webhook's timestamp may be this many seconds from now. */
  supplierWebhookToleranceSeconds: number;
}

/** Also read on their own by code that drafts POs without the whole config (replenishment's activities). */
export function purchasingSettingsFrom(env: NodeJS.ProcessEnv): PurchasingSettings {
  return {
    receiptTolerancePercent: percentFrom(env, 'PURCHASE_RECEIPT_TOLERANCE_PERCENT', 5),
    supplierWebhookToleranceSeconds: positiveIntFrom(env, 'SUPPLIER_WEBHOOK_TOLERANCE_SECONDS', 300),
  };
}

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/oms';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config = buildConfig(env);
  if (isProduction(env)) assertProductionSecrets(config, env);
  return config;
}

function buildConfig(env: NodeJS.ProcessEnv): Config {
  return {
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    temporal: {
      address: env.TEMPORAL_ADDRESS || '127.0.0.1:7233',
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      taskQueue: env.TEMPORAL_TASK_QUEUE || 'oms',
      tlsCertPath: env.TEMPORAL_TLS_CERT_PATH || undefined,
      tlsKeyPath: env.TEMPORAL_TLS_KEY_PATH || undefined,
      tlsCaPath: env.TEMPORAL_TLS_CA_PATH || undefined,
      tlsServerName: env.TEMPORAL_TLS_SERVER_NAME || undefined,
      apiKey: env.TEMPORAL_API_KEY || undefined,
      workflowBundlePath: env.TEMPORAL_WORKFLOW_BUNDLE || undefined,
      payloadKeys: payloadKeysFrom(env),
    },
    api: {
      temporalUiUrl: (env.TEMPORAL_UI_URL || 'http://localhost:8233').replace(/\/+$/, ''),
      host: env.API_HOST || '0.0.0.0',
      port: portFrom(env, 'API_PORT', 3000),
      bodyLimitBytes: intFrom(env, 'API_BODY_LIMIT_BYTES', 1024 * 1024),
      idempotencyRetentionHours: intFrom(env, 'IDEMPOTENCY_KEY_RETENTION_HOURS', 24),
      dbPoolSize: positiveIntFrom(env, 'API_DB_POOL_SIZE', 10),
      requestTimeoutMs: positiveIntFrom(env, 'API_REQUEST_TIMEOUT_MS', 30_000),
      connectionTimeoutMs: positiveIntFrom(env, 'API_CONNECTION_TIMEOUT_MS', 60_000),
      receiptMaxLineQuantityWithoutOps: positiveIntFrom(env, 'RECEIPT_MAX_LINE_QUANTITY_WITHOUT_OPS', 10_000),
      rateLimitPerMinute: positiveIntFrom(env, 'API_RATE_LIMIT_PER_MINUTE', 600),
      webhookRateLimitPerMinute: positiveIntFrom(env, 'WEBHOOK_RATE_LIMIT_PER_MINUTE', 1200),
      webhookBodyLimitBytes: positiveIntFrom(env, 'WEBHOOK_BODY_LIMIT_BYTES', 16 * 1024),
      docsPublic: booleanFrom(env, 'API_DOCS_PUBLIC', env.NODE_ENV !== 'production'),
      // Open by default only in development (NODE_ENV unset or development): staging, tests and production need ops.
      metricsPublic: booleanFrom(env, 'METRICS_PUBLIC', !env.NODE_ENV || env.NODE_ENV === 'development'),
    },
    carrier: {
      name: env.CARRIER?.trim() || 'sandbox',
      sandboxUrl: env.CARRIER_SANDBOX_URL || 'http://127.0.0.1:3100',
      sandboxApiKey: env.CARRIER_SANDBOX_API_KEY || (isProduction(env) ? '' : 'sandbox-carrier-dev-key'),
      webhookSecrets: webhookSecretsFrom(env, 'CARRIER_WEBHOOK_SECRET_', 'sandbox-webhook-dev-secret'),
      webhookToleranceSeconds: intFrom(env, 'CARRIER_WEBHOOK_TOLERANCE_SECONDS', 300),
      webhookFailureRetentionHours: intFrom(env, 'WEBHOOK_FAILURE_RETENTION_HOURS', 72),
      webhookUnmatchedTtlMinutes: positiveIntFrom(env, 'WEBHOOK_UNMATCHED_TTL_MINUTES', 60),
    },
    supplier: {
      name: env.SUPPLIER?.trim() || 'sandbox',
      sandboxUrl: env.SUPPLIER_SANDBOX_URL || 'http://127.0.0.1:3200',
      sandboxApiKey: env.SUPPLIER_SANDBOX_API_KEY || (isProduction(env) ? '' : 'sandbox-supplier-dev-key'),
      webhookSecrets: webhookSecretsFrom(env, 'SUPPLIER_WEBHOOK_SECRET_', 'sandbox-supplier-webhook-dev-secret'),
      webhookToleranceSeconds: purchasingSettingsFrom(env).supplierWebhookToleranceSeconds,
    },
    supplierFeeds: {
      pollEveryMinutes: positiveIntFrom(env, 'SUPPLIER_FEED_POLL_MINUTES', 15),
    },
    payments: {
      gateway: env.PAYMENT_GATEWAY?.trim() || 'sandbox',
    },
    worker: {
      activitySlots: positiveIntFrom(env, 'WORKER_ACTIVITY_SLOTS', 50),
      metricsHost: env.WORKER_METRICS_HOST?.trim() || '0.0.0.0',
      metricsPort: optionalPortFrom(env, 'WORKER_METRICS_PORT'),
      temporalMetricsPort: optionalPortFrom(env, 'WORKER_TEMPORAL_METRICS_PORT'),
    },
    telemetry: {
      otlpTracesUrl: booleanFrom(env, 'OTEL_SDK_DISABLED', false) ? undefined : otlpTracesUrlFrom(env),
      serviceName: env.OTEL_SERVICE_NAME?.trim() || undefined,
    },
    fulfillment: {
      deliveryDeadlineHours: intFrom(env, 'DELIVERY_DEADLINE_HOURS', 120),
      lostAfterHours: intFrom(env, 'LOST_AFTER_HOURS', 240),
      lostResolution: oneOf(env, 'LOST_PARCEL_RESOLUTION', ['refund', 'replace'] as const, 'refund'),
      backorderWaitHours: intFrom(env, 'BACKORDER_WAIT_HOURS', 14 * 24),
      backorderMaxDays: positiveIntFrom(env, 'BACKORDER_MAX_DAYS', 90),
    },
    adjustments: {
      approvalThresholdCents: intFrom(env, 'ADJUSTMENT_APPROVAL_THRESHOLD_CENTS', 50_000),
      approvalTimeoutHours: positiveIntFrom(env, 'ADJUSTMENT_APPROVAL_TIMEOUT_HOURS', 72),
    },
    transfers: {
      deadlineHours: positiveIntFrom(env, 'TRANSFER_DEADLINE_HOURS', 7 * 24),
    },
    purchasing: purchasingSettingsFrom(env),
    replenishment: {
      every: env.REPLENISHMENT_EVERY?.trim() || '1h',
      demandWindowDays: positiveIntFrom(env, 'REPLENISHMENT_DEMAND_WINDOW_DAYS', 28),
      serviceLevel: serviceLevelFrom(env, 'REPLENISHMENT_SERVICE_LEVEL_PERCENT', 95),
      reviewDays: intFrom(env, 'REPLENISHMENT_REVIEW_DAYS', 7),
    },
    cycleCounts: {
      intervalDays: {
        A: positiveIntFrom(env, 'CYCLE_COUNT_DAYS_A', 30),
        B: positiveIntFrom(env, 'CYCLE_COUNT_DAYS_B', 91),
        C: positiveIntFrom(env, 'CYCLE_COUNT_DAYS_C', 365),
      },
      abcWindowDays: positiveIntFrom(env, 'CYCLE_COUNT_ABC_WINDOW_DAYS', 90),
      every: env.CYCLE_COUNT_EVERY?.trim() || '1d',
    },
    returns: {
      windowDays: positiveIntFrom(env, 'RETURN_WINDOW_DAYS', 30),
      policy: {
        autoApproveReasons: returnReasonsFrom(env, 'RETURN_AUTO_APPROVE_REASONS', ['damaged', 'wrong_item', 'not_as_described']),
        autoApproveMaxCents: intFrom(env, 'RETURN_AUTO_APPROVE_MAX_CENTS', 20_000),
        approvalTimeoutHours: positiveIntFrom(env, 'RETURN_APPROVAL_TIMEOUT_HOURS', 72),
        parcelExpiryDays: positiveIntFrom(env, 'RETURN_PARCEL_EXPIRY_DAYS', 30),
        restockingFeePercent: percentFrom(env, 'RETURN_RESTOCKING_FEE_PERCENT', 10),
      },
    },
    reports: reportSettingsFrom(env),
    outboundWebhooks: {
      allowLocalHttp: !isProduction(env),
      dispatchEvery: env.OUTBOUND_WEBHOOK_DISPATCH_EVERY?.trim() || '10s',
      retry: {
        maxAttempts: positiveIntFrom(env, 'OUTBOUND_WEBHOOK_MAX_ATTEMPTS', 8),
        initialSeconds: positiveIntFrom(env, 'OUTBOUND_WEBHOOK_RETRY_INITIAL_SECONDS', 30),
        maxSeconds: positiveIntFrom(env, 'OUTBOUND_WEBHOOK_RETRY_MAX_SECONDS', 3600),
        timeoutMs: boundedIntFrom(env, 'OUTBOUND_WEBHOOK_TIMEOUT_MS', 10_000, 1, 60_000),
      },
      retentionDays: positiveIntFrom(env, 'OUTBOUND_WEBHOOK_RETENTION_DAYS', 30),
      secretGraceHours: intFrom(env, 'OUTBOUND_WEBHOOK_SECRET_GRACE_HOURS', 24),
    },
  };
}

function reportSettingsFrom(env: NodeJS.ProcessEnv): ReportSettings {
  const abcThresholds = {
    a: percentFrom(env, 'REPORTS_ABC_A_PERCENT', 80),
    b: percentFrom(env, 'REPORTS_ABC_B_PERCENT', 15),
    c: percentFrom(env, 'REPORTS_ABC_C_PERCENT', 5),
  };
  if (abcThresholds.a + abcThresholds.b + abcThresholds.c !== 100) {
    throw new Error(`REPORTS_ABC_A/B/C_PERCENT must add up to 100, got ${abcThresholds.a}/${abcThresholds.b}/${abcThresholds.c}`);
  }
  return {
    maxRangeDays: positiveIntFrom(env, 'REPORTS_MAX_RANGE_DAYS', 366),
    abcThresholds,
    deadStockDays: positiveIntFrom(env, 'REPORTS_DEAD_STOCK_DAYS', 90),
    onTimeSlaHours: positiveIntFrom(env, 'REPORTS_ON_TIME_SLA_HOURS', 48),
    coverDays: positiveIntFrom(env, 'REPORTS_COVER_DAYS', 30),
  };
}

/** A comma-separated list of return reasons; an empty value approves nothing by rule. */
function returnReasonsFrom(env: NodeJS.ProcessEnv, name: string, fallback: ReturnReason[]): ReturnReason[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const reasons = raw.split(',').map((reason) => reason.trim()).filter(Boolean);
  const unknown = reasons.filter((reason) => !(RETURN_REASONS as readonly string[]).includes(reason));
  if (unknown.length > 0) throw new Error(`${name} has unknown return reasons: ${unknown.join(', ')} (known: ${RETURN_REASONS.join(', ')})`);
  return reasons as ReturnReason[];
}

/** A service level in percent, strictly between 0 and 100 (97.5 allowed), as a fraction. */
function serviceLevelFrom(env: NodeJS.ProcessEnv, name: string, fallbackPercent: number): number {
  const raw = env[name]?.trim();
  const percent = raw ? Number(raw) : fallbackPercent;
  if (!(percent > 0 && percent < 100)) throw new Error(`${name} must be a percentage between 0 and 100 exclusive, got "${raw}"`);
  return percent / 100;
}

function percentFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = intFrom(env, name, fallback);
  if (value > 100) throw new Error(`${name} must be a percentage from 0 to 100, got ${value}`);
  return value;
}

/**
 * With the prefix CARRIER_WEBHOOK_SECRET_, CARRIER_WEBHOOK_SECRET_SANDBOX=abc gives { sandbox: 'abc' }:
 * a secret is registered only when configured, except that outside production the sandbox has a
 * development default.
 */
function webhookSecretsFrom(env: NodeJS.ProcessEnv, prefix: string, sandboxDevSecret: string): Record<string, string> {
  const secrets: Record<string, string> = isProduction(env) ? {} : { sandbox: sandboxDevSecret };
  for (const [name, value] of Object.entries(env)) {
    const match = /^([A-Z0-9_]+)$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '');
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

function booleanFrom(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new Error(`${name} must be true or false, got "${env[name]}"`);
}

/** An integer from min to max: the delivery activity's timeout must stay above a POST's. */
function boundedIntFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = intFrom(env, name, fallback);
  if (value < min || value > max) throw new Error(`${name} must be from ${min} to ${max}, got "${env[name]}"`);
  return value;
}

function positiveIntFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = intFrom(env, name, fallback);
  if (value < 1) throw new Error(`${name} must be a positive integer, got "${env[name]}"`);
  return value;
}

/** The OTLP/HTTP traces URL, as the OpenTelemetry exporters derive it from their standard variables. */
function otlpTracesUrlFrom(env: NodeJS.ProcessEnv): string | undefined {
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (specific) return specific;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

/** A port, or undefined when the variable is unset or empty. */
function optionalPortFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  return env[name] === undefined || env[name] === '' ? undefined : portFrom(env, name, 0);
}

export function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const port = intFrom(env, name, fallback);
  if (port < 1 || port > 65535) throw new Error(`${name} must be a port number (1-65535), got "${env[name]}"`);
  return port;
}

import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import { type ApiMetrics, apiMetrics } from '../../infra/metrics';
import { errorResponses } from '../schemas';
import { unencapsulated } from './unencapsulated';

export const METRICS_PATH = '/metrics';
const WEBHOOK_ROUTE = '/v1/webhooks/carriers/:carrier';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const WEBHOOK_RESULTS = new Set(['accepted', 'duplicate', 'unmatched', 'ignored']);

export interface MetricsOptions {
  /** METRICS_PUBLIC: serve /metrics without a key; otherwise it takes ROUTE_ACCESS's roles (ops). */
  public: boolean;
  /** Carriers with a webhook secret; requests naming any other carrier are counted as "unknown". */
  carriers: readonly string[];
  /** Default: the process's API metrics (infra/metrics.ts). */
  metrics?: ApiMetrics;
}

/**
 * Prometheus metrics of the API: every answer by method, route pattern (never the raw URL; "unmatched"
 * for unknown paths) and status; carrier webhook outcomes, read from the answer so that refusals made
 * before the handler (body limit, rate limit) count too; and GET /metrics to scrape them.
 */
export const metrics: FastifyPluginCallback<MetricsOptions> = unencapsulated((app, options, done) => {
  const measures = options.metrics ?? apiMetrics();

  app.addHook('onResponse', (request, reply, next) => {
    const labels = {
      method: METHODS.has(request.method) ? request.method : 'other',
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    };
    measures.httpRequests.inc(labels);
    measures.httpDuration.observe(labels, reply.elapsedTime / 1000);
    next();
  });

  app.addHook('onSend', (request, reply, payload, next) => {
    if (request.routeOptions.url === WEBHOOK_ROUTE) {
      measures.webhookEvents.inc(webhookOutcome(request, reply.statusCode, payload, options.carriers));
    }
    next(null, payload);
  });

  // In a context of its own, so that opening the route when configured touches no other route.
  app.register(async (scope) => {
    if (options.public) {
      // Runs after the auth plugin's onRoute hook, which set the route's access from ROUTE_ACCESS.
      scope.addHook('onRoute', (route) => {
        route.config = { ...route.config, access: 'open' };
      });
    }
    const schema = {
      tags: ['health'],
      summary: 'Prometheus metrics of this API process (text exposition format)',
      description: 'Needs an ops key unless METRICS_PUBLIC is on. Request counts and latencies by route, orders created by channel, carrier webhook outcomes.',
      ...(options.public ? { security: [] } : {}),
      response: errorResponses,
    };
    scope.get(METRICS_PATH, { schema }, async (_request, reply) =>
      reply.type(measures.registry.contentType).send(await measures.registry.metrics()),
    );
  });
  done();
});

function webhookOutcome(request: FastifyRequest, statusCode: number, payload: unknown, carriers: readonly string[]) {
  const named = (request.params as { carrier?: unknown } | undefined)?.carrier;
  const carrier = typeof named === 'string' && carriers.includes(named) ? named : 'unknown';
  const body = parsed(payload);
  const code = typeof body?.code === 'string' && /^[a-z_]{1,48}$/.test(body.code) ? body.code : undefined;
  if (statusCode >= 500) return { carrier, outcome: 'error', reason: code ?? 'internal_error' };
  if (statusCode >= 400) return { carrier, outcome: 'refused', reason: code ?? `http_${statusCode}` };
  const status = typeof body?.status === 'string' && WEBHOOK_RESULTS.has(body.status) ? body.status : 'other';
  return { carrier, outcome: status, reason: '' };
}

function parsed(payload: unknown): { code?: unknown; status?: unknown } | undefined {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as { code?: unknown; status?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

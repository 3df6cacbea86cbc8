import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { carrierLimitsFor } from '../carriers';
import { ApiError } from './api-error';
import { type ApiDeps, DEFAULT_TIMEOUTS, type RouteDeps } from './deps';
import { authentication } from './plugins/auth';
import { errorHandling } from './plugins/error-handler';
import { metrics } from './plugins/metrics';
import { tracing } from './plugins/tracing';
import { adjustmentRoutes } from './routes/adjustments';
import { analyticsRoutes } from './routes/analytics';
import { apiKeyRoutes } from './routes/api-keys';
import { consignmentRuleRoutes } from './routes/consignment-rules';
import { countRoutes } from './routes/counts';
import { dashboardRoutes } from './routes/dashboard';
import { dashboardDataRoutes } from './routes/dashboard-data';
import { healthRoutes } from './routes/health';
import { inventoryRoutes } from './routes/inventory';
import { kitRoutes } from './routes/kits';
import { locationRoutes } from './routes/locations';
import { orderRoutes } from './routes/orders';
import { productRoutes } from './routes/products';
import { purchaseOrderRoutes } from './routes/purchase-orders';
import { supplierRoutes } from './routes/suppliers';
import { dropshipRoutes } from './routes/dropship';
import { dropshipWebhookRoutes } from './routes/dropship-webhooks';
import { supplierFeedRoutes } from './routes/supplier-feeds';
import { forecastRoutes } from './routes/forecasts';
import { channelRoutes } from './routes/channels';
import { supplierWebhookRoutes } from './purchasing/supplier-webhook';
import { reportRoutes } from './routes/reports';
import { replenishmentRoutes } from './routes/replenishment';
import { returnRoutes } from './routes/returns';
import { transferRoutes } from './routes/transfers';
import { warehouseRoutes } from './routes/warehouse';
import { webhookRoutes } from './routes/webhooks';
import { webhookEndpointRoutes } from './routes/webhook-endpoints';
import { assertJsonDepth } from './json-depth';
import { validatorCompiler } from './validation';

/** The HTTP API as a Fastify instance; tests call `app.inject()`, main.ts listens. */
export function buildApp(deps: ApiDeps) {
  const app = Fastify({
    logger: deps.logger ?? true,
    bodyLimit: deps.config.api.bodyLimitBytes,
    requestTimeout: deps.config.api.requestTimeoutMs,
    connectionTimeout: deps.config.api.connectionTimeoutMs,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // JSON only: a text/plain body is refused as 415 rather than handed to a route as a string.
  app.removeContentTypeParser('text/plain');
  // Fastify's JSON parser (with its prototype-poisoning checks), after a depth check: deep nesting is a 400, not a 500.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      assertJsonDepth(body as string);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    parseJson(request, body as string, done);
  });

  app.register(errorHandling);
  app.register(tracing, { telemetry: deps.config.telemetry, temporal: deps.temporal }); // off without OTEL_EXPORTER_OTLP_ENDPOINT
  app.register(authentication, { db: deps.db, cacheMs: deps.authCacheMs, cacheMaxEntries: deps.authCacheMaxEntries });
  app.register(helmet);
  // After authentication (its onRequest hook runs first), so a request is counted against its API key.
  app.register(rateLimit, {
    max: deps.config.api.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => (request.caller ? `key:${request.caller.keyId}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new ApiError(429, 'rate_limited', `too many requests; retry after ${Math.ceil(context.ttl / 1000)} s`),
  });
  app.register(swagger, {
    openapi: {
      info: {
        title: 'Order and inventory engine',
        description: 'Orders, stock, warehouse work and carrier webhooks. Errors are `{ code, message, details?, requestId }`.',
        version: '1',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer <key>' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  // The docs are served only when configured (API_DOCS_PUBLIC); otherwise /docs is 404.
  if (deps.config.api.docsPublic) app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.register(metrics, { public: deps.config.api.metricsPublic, carriers: Object.keys(deps.config.carrier.webhookSecrets) });

  const routeDeps: RouteDeps = {
    db: deps.db,
    temporal: deps.temporal,
    config: deps.config,
    timeouts: { ...DEFAULT_TIMEOUTS, ...deps.timeouts },
    carrierLimits: deps.carrierLimits ?? carrierLimitsFor([deps.config.carrier.name]),
  };
  const routePlugins = [
    healthRoutes, orderRoutes, returnRoutes, warehouseRoutes, productRoutes, locationRoutes, inventoryRoutes, webhookRoutes, apiKeyRoutes,
    reportRoutes, consignmentRuleRoutes, adjustmentRoutes, countRoutes, kitRoutes, transferRoutes, webhookEndpointRoutes, replenishmentRoutes,
    analyticsRoutes, dashboardDataRoutes, dashboardRoutes, forecastRoutes, channelRoutes,
    supplierRoutes, purchaseOrderRoutes, supplierWebhookRoutes, dropshipRoutes, dropshipWebhookRoutes, supplierFeedRoutes,
  ];
  for (const routes of routePlugins) {
    app.register(routes, routeDeps);
  }
  return app;
}

export type App = ReturnType<typeof buildApp>;

import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { carrierLimitsFor } from '../carriers';
import { type ApiDeps, DEFAULT_TIMEOUTS, type RouteDeps } from './deps';
import { authentication } from './plugins/auth';
import { errorHandling } from './plugins/error-handler';
import { healthRoutes } from './routes/health';
import { inventoryRoutes } from './routes/inventory';
import { locationRoutes } from './routes/locations';
import { orderRoutes } from './routes/orders';
import { productRoutes } from './routes/products';
import { warehouseRoutes } from './routes/warehouse';
import { webhookRoutes } from './routes/webhooks';
import { validatorCompiler } from './validation';

/** The HTTP API as a Fastify instance; tests call `app.inject()`, main.ts listens. */
export function buildApp(deps: ApiDeps) {
  const app = Fastify({
    logger: deps.logger ?? true,
    bodyLimit: deps.config.api.bodyLimitBytes,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // JSON only: a text/plain body is refused as 415 rather than handed to a route as a string.
  app.removeContentTypeParser('text/plain');

  app.register(errorHandling);
  app.register(authentication, { db: deps.db, cacheMs: deps.authCacheMs, cacheMaxEntries: deps.authCacheMaxEntries });
  app.register(swagger, {
    openapi: {
      info: {
        title: 'Order and inventory engine',
        description: 'Orders, stock, warehouse work and carrier webhooks. Errors are `{ code, message, details? }`.',
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
  app.register(swaggerUi, { routePrefix: '/docs' });

  const routeDeps: RouteDeps = {
    db: deps.db,
    temporal: deps.temporal,
    config: deps.config,
    timeouts: { ...DEFAULT_TIMEOUTS, ...deps.timeouts },
    carrierLimits: deps.carrierLimits ?? carrierLimitsFor([deps.config.carrier.name]),
  };
  for (const routes of [healthRoutes, orderRoutes, warehouseRoutes, productRoutes, locationRoutes, inventoryRoutes, webhookRoutes]) {
    app.register(routes, routeDeps);
  }
  return app;
}

export type App = ReturnType<typeof buildApp>;

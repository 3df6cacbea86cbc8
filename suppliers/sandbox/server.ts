import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Knex } from 'knex';
import type { TimetableName } from '../../carriers/sandbox/timetable';
import { DEFAULT_DISPATCHER_SETTINGS, WebhookDispatcher, type DispatcherSettings, type WebhookQueue } from '../../carriers/sandbox/webhook-dispatcher';
import { clientIdFor } from './orders';
import { supplierRoutes } from './routes';
import { migrateSandboxSupplier, SCHEMA } from './schema';

export interface SandboxSupplierOptions {
  /** The supplier keeps its state in the `sandbox_supplier` schema of this database. */
  db: Knex;
  apiKey: string;
  /** Where dropship webhooks go: the engine's `/v1/webhooks/dropship/sandbox`. */
  webhookUrl: string;
  webhookSecret: string;
  timetable: TimetableName;
  /** Overrides the delay of every step of an order's journey (tests run faster than `fast`). */
  stepMs?: number;
  dispatcher?: Partial<DispatcherSettings>;
  /** Fastify's logger option; off unless given. */
  logger?: FastifyServerOptions['logger'];
}

export interface SandboxSupplier {
  /** The HTTP API, ready but not listening. Closing it also stops the dispatcher. */
  app: FastifyInstance;
  /** Starts sending due dropship events to the webhook URL. */
  startDispatcher(): void;
  /** Stops sending; events not yet delivered stay in Postgres for the next start. */
  stopDispatcher(): Promise<void>;
}

/** Dropship events, one order after another, signed like carrier webhooks with X-Supplier-* headers. */
const DROPSHIP_QUEUE: WebhookQueue = {
  sender: 'sandbox supplier',
  table: `${SCHEMA}.events`,
  accountColumn: 'client_id',
  groupColumn: 'order_id',
  headerPrefix: 'Supplier',
  body: (event) => ({
    id: event.id,
    type: event.type,
    supplierOrderId: event.order_id,
    reference: event.reference,
    trackingNumber: event.tracking_number,
    carrier: event.carrier,
    status: event.status,
    description: event.description,
    occurredAt: (event.occurred_at as Date).toISOString(),
  }),
};

/** A dropship supplier with a real HTTP API: it takes orders against its stock, ships them and sends signed webhooks. */
export async function buildSandboxSupplier(options: SandboxSupplierOptions): Promise<SandboxSupplier> {
  await migrateSandboxSupplier(options.db);

  const app = Fastify({ logger: options.logger ?? false }).withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler<FastifyError>((error, request, reply) => {
    if (error.validation) return reply.code(422).send({ code: 'invalid_request', message: error.message });
    if (error.statusCode && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ code: 'bad_request', message: error.message });
    }
    request.log.error({ err: error }, 'sandbox supplier request failed');
    return reply.code(500).send({ code: 'internal_error', message: 'The supplier could not handle the request' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: 'not_found', message: `No route ${request.method} ${request.url}` }),
  );

  const clientId = clientIdFor(options.apiKey);
  await app.register(supplierRoutes, {
    prefix: '/v1',
    db: options.db,
    apiKey: options.apiKey,
    clientId,
    timetable: options.timetable,
    stepMs: options.stepMs,
  });

  const fastDefaults = options.timetable === 'fast' || options.stepMs !== undefined ? { pollIntervalMs: 50 } : {};
  const dispatcher = new WebhookDispatcher({
    db: options.db,
    accountId: clientId,
    webhookUrl: options.webhookUrl,
    webhookSecret: options.webhookSecret,
    logger: app.log,
    settings: { ...DEFAULT_DISPATCHER_SETTINGS, ...fastDefaults, ...options.dispatcher },
    queue: DROPSHIP_QUEUE,
  });
  app.addHook('onClose', () => dispatcher.stop());

  return { app, startDispatcher: () => dispatcher.start(), stopDispatcher: () => dispatcher.stop() };
}

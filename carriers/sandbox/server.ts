import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Knex } from 'knex';
import { accountIdFor } from './labels';
import { carrierRoutes } from './routes';
import { migrateSandboxCarrier } from './schema';
import type { TimetableName } from './timetable';
import { DEFAULT_DISPATCHER_SETTINGS, WebhookDispatcher, type DispatcherSettings } from './webhook-dispatcher';

export interface SandboxCarrierOptions {
  /** The carrier keeps its state in the `sandbox_carrier` schema of this database. */
  db: Knex;
  apiKey: string;
  /** Where tracking webhooks go: the engine's `/v1/webhooks/carriers/sandbox`. */
  webhookUrl: string;
  webhookSecret: string;
  timetable: TimetableName;
  /** Overrides the delay between a parcel's movements (tests run faster than `fast`). */
  stepMs?: number;
  /** Base URL of label documents when the carrier sits behind a proxy. */
  publicUrl?: string;
  dispatcher?: Partial<DispatcherSettings>;
  /** Fastify's logger option; off unless given. */
  logger?: FastifyServerOptions['logger'];
}

export interface SandboxCarrier {
  /** The HTTP API, ready but not listening. Closing it also stops the dispatcher. */
  app: FastifyInstance;
  /** Starts sending due tracking events to the webhook URL. */
  startDispatcher(): void;
  /** Stops sending; events not yet delivered stay in Postgres for the next start. */
  stopDispatcher(): Promise<void>;
}

/** A parcel carrier with a real HTTP API that sends signed tracking webhooks as its parcels move. */
export async function buildSandboxCarrier(options: SandboxCarrierOptions): Promise<SandboxCarrier> {
  await migrateSandboxCarrier(options.db);

  const app = Fastify({ logger: options.logger ?? false }).withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler<FastifyError>((error, request, reply) => {
    if (error.validation) return reply.code(422).send({ code: 'invalid_request', message: error.message });
    if (error.statusCode && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ code: 'bad_request', message: error.message });
    }
    request.log.error({ err: error }, 'sandbox carrier request failed');
    return reply.code(500).send({ code: 'internal_error', message: 'The carrier could not handle the request' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: 'not_found', message: `No route ${request.method} ${request.url}` }),
  );

  const accountId = accountIdFor(options.apiKey);
  await app.register(carrierRoutes, {
    prefix: '/v1',
    db: options.db,
    apiKey: options.apiKey,
    accountId,
    timetable: options.timetable,
    stepMs: options.stepMs,
    publicUrl: options.publicUrl,
  });

  const fastDefaults = options.timetable === 'fast' || options.stepMs !== undefined ? { pollIntervalMs: 50 } : {};
  const dispatcher = new WebhookDispatcher({
    db: options.db,
    accountId,
    webhookUrl: options.webhookUrl,
    webhookSecret: options.webhookSecret,
    logger: app.log,
    settings: { ...DEFAULT_DISPATCHER_SETTINGS, ...fastDefaults, ...options.dispatcher },
  });
  app.addHook('onClose', () => dispatcher.stop());

  return { app, startDispatcher: () => dispatcher.start(), stopDispatcher: () => dispatcher.stop() };
}

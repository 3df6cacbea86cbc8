import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Knex } from 'knex';
import type { TimetableName } from '../carriers/sandbox/timetable';
import { DEFAULT_DISPATCHER_SETTINGS, WebhookDispatcher, type DispatcherSettings, type WebhookQueue } from '../carriers/sandbox/webhook-dispatcher';
import { createDb, ensureDatabase } from '../db/knex';

/** What a sandbox service (the carrier, the supplier) is built with. */
export interface SandboxServiceOptions {
  /** The service keeps its state in a schema of its own in this database. */
  db: Knex;
  apiKey: string;
  /** Where its webhooks go: one of the engine's `/v1/webhooks/...` endpoints. */
  webhookUrl: string;
  webhookSecret: string;
  timetable: TimetableName;
  /** Overrides the delay of every step of the timetable (tests run faster than `fast`). */
  stepMs?: number;
  dispatcher?: Partial<DispatcherSettings>;
  /** Fastify's logger option; off unless given. */
  logger?: FastifyServerOptions['logger'];
}

/** A sandbox service: an HTTP API plus a dispatcher of signed webhooks. */
export interface SandboxService {
  /** The HTTP API, ready but not listening. Closing it also stops the dispatcher. */
  app: FastifyInstance;
  /** Starts sending due events to the webhook URL. */
  startDispatcher(): void;
  /** Stops sending; events not yet delivered stay in Postgres for the next start. */
  stopDispatcher(): Promise<void>;
}

/** The app of the sandbox `noun` ('carrier', 'supplier'): errors and unknown routes answer `{ code, message }`. */
export function createSandboxApp(noun: string, logger: FastifyServerOptions['logger'] = false) {
  const app = Fastify({ logger }).withTypeProvider<TypeBoxTypeProvider>();
  app.setErrorHandler<FastifyError>((error, request, reply) => {
    if (error.validation) return reply.code(422).send({ code: 'invalid_request', message: error.message });
    if (error.statusCode && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ code: 'bad_request', message: error.message });
    }
    request.log.error({ err: error }, `sandbox ${noun} request failed`);
    return reply.code(500).send({ code: 'internal_error', message: `The ${noun} could not handle the request` });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: 'not_found', message: `No route ${request.method} ${request.url}` }),
  );
  return app;
}

/**
 * The service around its app: a dispatcher of the queue's events for the account, polling more often
 * on quick timetables. Closing the app stops it.
 */
export function withWebhookDispatcher(app: FastifyInstance, options: SandboxServiceOptions, accountId: string, queue: WebhookQueue): SandboxService {
  const fastDefaults = options.timetable === 'fast' || options.stepMs !== undefined ? { pollIntervalMs: 50 } : {};
  const dispatcher = new WebhookDispatcher({
    db: options.db,
    accountId,
    webhookUrl: options.webhookUrl,
    webhookSecret: options.webhookSecret,
    logger: app.log,
    settings: { ...DEFAULT_DISPATCHER_SETTINGS, ...fastDefaults, ...options.dispatcher },
    queue,
  });
  app.addHook('onClose', () => dispatcher.stop());
  return { app, startDispatcher: () => dispatcher.start(), stopDispatcher: () => dispatcher.stop() };
}

/** An onRequest hook that refuses, with 401, a request without `Authorization: Bearer <apiKey>`. */
export function requireBearerKey(apiKey: string) {
  const expected = Buffer.from(`Bearer ${apiKey}`);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return undefined;
    return problem(reply, 401, 'unauthorized', 'Send the API key as "Authorization: Bearer <key>"');
  };
}

/** The body every sandbox refusal has: a machine-readable code and a message. */
export function problem(reply: FastifyReply, statusCode: number, code: string, message: string): FastifyReply {
  return reply.code(statusCode).send({ code, message });
}

export interface SandboxServiceSettings {
  /** 'carrier' or 'supplier', for the log. */
  noun: string;
  databaseUrl: string;
  host: string;
  port: number;
  timetable: string;
  webhookUrl: string;
}

/**
 * Runs a sandbox service as its own process. On SIGINT or SIGTERM it closes the app, which lets the
 * webhooks in flight finish (undelivered events wait in Postgres for the next start), then the database.
 */
export async function serveSandboxService(settings: SandboxServiceSettings, build: (db: Knex) => Promise<SandboxService>): Promise<void> {
  const { noun, databaseUrl, host, port, timetable, webhookUrl } = settings;
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl);
  const service = await build(db);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    service.app.log.info(`${signal}: finishing webhooks in flight`);
    service.app
      .close()
      .then(() => db.destroy())
      .then(
        () => process.exit(0),
        (error) => {
          console.error(error);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  await service.app.listen({
    port,
    host,
    listenTextResolver: (address) => `sandbox ${noun} listening at ${address} (timetable ${timetable}, webhooks to ${webhookUrl})`,
  });
  service.startDispatcher();
}

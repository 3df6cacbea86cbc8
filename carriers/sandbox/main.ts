import { createDb, ensureDatabase } from '../../db/knex';
import { loadConfig } from '../../infra/config';
import { buildSandboxCarrier } from './server';
import { TIMETABLES, type TimetableName } from './timetable';

/** `npm run carrier`: the sandbox carrier as its own service. */
async function main(): Promise<void> {
  const config = loadConfig();
  const env = process.env;
  const port = portFrom(env.CARRIER_SANDBOX_PORT, 3100);
  const host = env.CARRIER_SANDBOX_HOST || '0.0.0.0';
  const webhookUrl = env.CARRIER_SANDBOX_WEBHOOK_URL || 'http://127.0.0.1:3000/v1/webhooks/carriers/sandbox';
  const timetable = timetableFrom(env.CARRIER_SANDBOX_TIMETABLE);

  await ensureDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl);
  const carrier = await buildSandboxCarrier({
    db,
    apiKey: config.carrier.sandboxApiKey,
    webhookUrl,
    webhookSecret: config.carrier.webhookSecrets.sandbox,
    timetable,
    publicUrl: env.CARRIER_SANDBOX_PUBLIC_URL || undefined,
    logger: { level: 'info' },
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    carrier.app.log.info(`${signal}: finishing webhooks in flight`);
    // Closing the app also stops the dispatcher; undelivered events wait in Postgres for the next start.
    carrier.app
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

  await carrier.app.listen({
    port,
    host,
    listenTextResolver: (address) => `sandbox carrier listening at ${address} (timetable ${timetable}, webhooks to ${webhookUrl})`,
  });
  carrier.startDispatcher();
}

function portFrom(raw: string | undefined, fallback: number): number {
  if (!raw) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`CARRIER_SANDBOX_PORT must be a port number, got "${raw}"`);
  return port;
}

function timetableFrom(raw: string | undefined): TimetableName {
  if (!raw) return 'realistic';
  if (!(TIMETABLES as readonly string[]).includes(raw)) {
    throw new Error(`CARRIER_SANDBOX_TIMETABLE must be one of ${TIMETABLES.join(', ')}, got "${raw}"`);
  }
  return raw as TimetableName;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

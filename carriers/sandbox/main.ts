import { createDb, ensureDatabase } from '../../db/knex';
import { loadConfig } from '../../infra/config';
import { loadSandboxCarrierConfig } from './config';
import { buildSandboxCarrier } from './server';

/** `npm run carrier`: the sandbox carrier as its own service. */
async function main(): Promise<void> {
  const config = loadConfig();
  const { host, port, webhookUrl, timetable, publicUrl } = loadSandboxCarrierConfig();

  await ensureDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl);
  const carrier = await buildSandboxCarrier({
    db,
    apiKey: config.carrier.sandboxApiKey,
    webhookUrl,
    webhookSecret: config.carrier.webhookSecrets.sandbox,
    timetable,
    publicUrl,
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

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import { createDb, ensureDatabase } from '../../db/knex';
import { loadConfig } from '../../infra/config';
import { loadSandboxSupplierConfig } from './config';
import { buildSandboxSupplier } from './server';

/** `npm run supplier`: the sandbox dropship supplier as its own service. */
async function main(): Promise<void> {
  const config = loadConfig();
  const { host, port, webhookUrl, timetable } = loadSandboxSupplierConfig();

  await ensureDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl);
  const supplier = await buildSandboxSupplier({
    db,
    apiKey: config.supplier.sandboxApiKey,
    webhookUrl,
    webhookSecret: config.supplier.webhookSecrets.sandbox,
    timetable,
    logger: { level: 'info' },
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    supplier.app.log.info(`${signal}: finishing webhooks in flight`);
    // Closing the app also stops the dispatcher; undelivered events wait in Postgres for the next start.
    supplier.app
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

  await supplier.app.listen({
    port,
    host,
    listenTextResolver: (address) => `sandbox supplier listening at ${address} (timetable ${timetable}, webhooks to ${webhookUrl})`,
  });
  supplier.startDispatcher();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

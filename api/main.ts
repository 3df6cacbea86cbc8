import { carrierLimitsFor } from '../carriers';
import { createDb } from '../db/knex';
import { loadConfig } from '../infra/config';
import { connectClient } from '../infra/temporal';
import { buildApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  const db = createDb(config.databaseUrl, config.api.dbPoolSize);
  const temporal = await connectClient(config.temporal);
  const app = buildApp({ db, temporal, config, carrierLimits: carrierLimitsFor([config.carrier.name]) });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await Promise.allSettled([db.destroy(), temporal.connection.close()]);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  const address = await app.listen({ host: config.api.host, port: config.api.port });
  app.log.info(`API listening on ${address} (docs at ${address}/docs)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

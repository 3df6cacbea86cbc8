import { loadConfig } from '../../infra/config';
import { serveSandboxService } from '../../infra/sandbox-service';
import { loadSandboxCarrierConfig } from './config';
import { buildSandboxCarrier } from './server';

/** `npm run carrier`: the sandbox carrier as its own service. */
async function main(): Promise<void> {
  const config = loadConfig();
  const { host, port, webhookUrl, timetable, publicUrl } = loadSandboxCarrierConfig();

  await serveSandboxService({ noun: 'carrier', databaseUrl: config.databaseUrl, host, port, timetable, webhookUrl }, (db) =>
    buildSandboxCarrier({
      db,
      apiKey: config.carrier.sandboxApiKey,
      webhookUrl,
      webhookSecret: config.carrier.webhookSecrets.sandbox,
      timetable,
      publicUrl,
      logger: { level: 'info' },
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

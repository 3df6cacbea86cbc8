import { loadConfig } from '../../infra/config';
import { serveSandboxService } from '../../infra/sandbox-service';
import { loadSandboxSupplierConfig } from './config';
import { buildSandboxSupplier } from './server';

/** `npm run supplier`: the sandbox dropship supplier as its own service. */
async function main(): Promise<void> {
  const config = loadConfig();
  const { host, port, webhookUrl, timetable } = loadSandboxSupplierConfig();

  await serveSandboxService({ noun: 'supplier', databaseUrl: config.databaseUrl, host, port, timetable, webhookUrl }, (db) =>
    buildSandboxSupplier({
      db,
      apiKey: config.supplier.sandboxApiKey,
      webhookUrl,
      webhookSecret: config.supplier.webhookSecrets.sandbox,
      timetable,
      logger: { level: 'info' },
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

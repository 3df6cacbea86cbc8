import { loadConfig } from '../infra/config';
import { createDb, ensureDatabase, migrateLatest } from './knex';

/** `npm run migrate`: brings DATABASE_URL's schema up to date. */
async function main(): Promise<void> {
  const { databaseUrl } = loadConfig();
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl, 1);
  try {
    await migrateLatest(db);
    console.log('migrations applied');
  } finally {
    await db.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

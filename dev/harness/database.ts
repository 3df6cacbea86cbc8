import { randomBytes } from 'node:crypto';
import { createDb, Db, ensureDatabase, migrateLatest } from '../../db/knex';
import { dropDatabase } from './drop-database';

export interface FreshDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/**
 * A migrated database of its own, on the server of `baseUrl`, so a test file's invariant checks
 * see only its own orders and stock.
 */
export async function createFreshDatabase(baseUrl: string, label: string, poolMax = 20): Promise<FreshDatabase> {
  const url = new URL(baseUrl);
  const base = url.pathname.slice(1) || 'oms';
  url.pathname = `/${base}_${label}_${randomBytes(3).toString('hex')}`.slice(0, 63);
  const databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl, poolMax);
  await migrateLatest(db);
  return {
    url: databaseUrl,
    db,
    drop: async () => {
      await db.destroy();
      await dropDatabase(databaseUrl);
    },
  };
}

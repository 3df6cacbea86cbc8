import knex, { Knex } from 'knex';
import pg from 'pg';
import { migrationSource } from './migrations';

// COUNT and SUM come back as int8/numeric strings; every quantity here fits a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export type Db = Knex;

export interface DbOptions {
  /**
   * How long a query waits for a free pool connection before it fails with a KnexTimeoutError;
   * default 10 s. Keep it well under the activities' start-to-close timeout, so a starved pool
   * shows up as a retryable activity error rather than as a timed-out attempt.
   */
  acquireTimeoutMs?: number;
}

export const DEFAULT_ACQUIRE_TIMEOUT_MS = 10_000;

export function createDb(databaseUrl: string, poolMax = 10, options: DbOptions = {}): Db {
  return knex({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
  });
}

export async function migrateLatest(db: Db): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

/** Creates the database named in the URL when the server does not have it yet. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL must name a database');
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

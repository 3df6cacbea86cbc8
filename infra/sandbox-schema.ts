import type { Knex } from 'knex';

/** One step of a sandbox service's schema; each service keeps its tables in a schema of its own. */
export interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/** Imported, not globbed from disk, so they run the same under tsx, jest and compiled JS. */
export function migrationSourceOf(migrations: Record<string, Migration>): Knex.MigrationSource<string> {
  return {
    getMigrations: async () => Object.keys(migrations).sort(),
    getMigrationName: (name) => name,
    getMigration: async (name) => migrations[name],
  };
}

/**
 * Creates or upgrades the schema. Several processes (or test files) may start at once against one
 * database: an advisory lock lets one migrate while the others wait and find it done.
 */
export async function migrateSchema(db: Knex, schema: string, migrationSource: Knex.MigrationSource<string>): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [schema]);
    await trx.raw('CREATE SCHEMA IF NOT EXISTS ??', [schema]);
    await trx.migrate.latest({ migrationSource, schemaName: schema, tableName: 'knex_migrations' });
  });
}

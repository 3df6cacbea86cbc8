import type { Knex } from 'knex';
import * as initial from './001_initial';

interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/** Migrations are imported, not globbed from disk, so they run the same under tsx, jest and compiled JS. */
const MIGRATIONS: Record<string, Migration> = {
  '001_initial': initial,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name],
};

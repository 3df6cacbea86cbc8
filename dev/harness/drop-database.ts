import { createDb } from '../../db/knex';

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = createDb(url.toString(), 1);
  try {
    await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [name]);
  } finally {
    await admin.destroy();
  }
}

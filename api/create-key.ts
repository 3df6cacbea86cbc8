import { createDb } from '../db/knex';
import { createApiKey, Role, ROLES } from '../infra/api-keys';
import { loadConfig } from '../infra/config';

/**
 * `npm run api-key -- <role> "<name>"` (or `node dist/api/create-key.js <role> "<name>"` in the
 * image): creates an API key and prints it once; only its hash is stored.
 */
async function main(): Promise<void> {
  const [role, ...nameParts] = process.argv.slice(2);
  const name = nameParts.join(' ').trim();
  if (!ROLES.includes(role as Role) || !name) {
    console.error(`usage: create-key <${ROLES.join('|')}> <name>`);
    process.exit(2);
  }
  const db = createDb(loadConfig().databaseUrl, 1);
  try {
    const { id, key } = await createApiKey(db, name, role as Role);
    console.log(`created ${role} key ${id} for "${name}":\n${key}`);
  } finally {
    await db.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import { createDb } from '../db/knex';
import { type ApiKeyScope, createApiKey, type Role, ROLES } from '../infra/api-keys';
import { loadConfig } from '../infra/config';

const USAGE = [
  `usage: api-key create <${ROLES.join('|')}> <name> [--channels a,b] [--locations X,Y] [--customer id] [--expires-in-days N]`,
  '       api-key list',
  '       api-key revoke <id>',
].join('\n');

export type KeyCommand =
  | { command: 'create'; role: Role; name: string; scope: ApiKeyScope }
  | { command: 'list' }
  | { command: 'revoke'; id: string };

/**
 * Parses `npm run api-key -- …` arguments. `<role> <name>` without `create` is still accepted (the
 * original form). Throws with the usage text on anything else.
 */
export function parseKeyCommand(argv: readonly string[], now = new Date()): KeyCommand {
  const [first, ...rest] = argv;
  if (first === 'list' && rest.length === 0) return { command: 'list' };
  if (first === 'revoke' && rest.length === 1) return { command: 'revoke', id: rest[0] };
  const args = first === 'create' ? rest : argv;
  const positional: string[] = [];
  const scope: { channels?: string[]; locationIds?: string[]; customerId?: string; expiresAt?: Date } = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const value = args[++i];
    if (value === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
    const list = () => value.split(',').map((s) => s.trim()).filter(Boolean);
    if (arg === '--channels') scope.channels = list();
    else if (arg === '--locations') scope.locationIds = list();
    else if (arg === '--customer') scope.customerId = value;
    else if (arg === '--expires-in-days') {
      const days = Number(value);
      if (!Number.isFinite(days) || days <= 0) throw new Error(`--expires-in-days must be a positive number\n${USAGE}`);
      scope.expiresAt = new Date(now.getTime() + days * 86_400_000);
    } else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  const [role, ...nameParts] = positional;
  const name = nameParts.join(' ').trim();
  if (!ROLES.includes(role as Role) || !name) throw new Error(USAGE);
  return { command: 'create', role: role as Role, name, scope };
}

/**
 * `npm run api-key -- create <role> "<name>" [scope options]` (or `node dist/api/create-key.js …` in
 * the image): creates an API key and prints it once; only its hash is stored. `list` shows every key
 * (never its secret); `revoke <id>` revokes one.
 */
async function main(): Promise<void> {
  let command: KeyCommand;
  try {
    command = parseKeyCommand(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const db = createDb(loadConfig().databaseUrl, 1);
  try {
    if (command.command === 'create') {
      const { id, key } = await createApiKey(db, command.name, command.role, command.scope);
      console.log(`created ${command.role} key ${id} for "${command.name}":\n${key}`);
    } else if (command.command === 'list') {
      const rows = await db('api_keys')
        .orderBy('created_at')
        .select('id', 'name', 'role', 'channels', 'location_ids', 'customer_id', 'created_at', 'last_used_at', 'expires_at', 'revoked_at');
      console.table(
        rows.map((row) => ({
          id: row.id,
          name: row.name,
          role: row.role,
          channels: row.channels?.join(',') ?? '',
          locations: row.location_ids?.join(',') ?? '',
          customer: row.customer_id ?? '',
          created: row.created_at?.toISOString() ?? '',
          lastUsed: row.last_used_at?.toISOString() ?? '',
          expires: row.expires_at?.toISOString() ?? '',
          revoked: row.revoked_at?.toISOString() ?? '',
        })),
      );
    } else {
      const count = await db('api_keys').where({ id: command.id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
      if (count === 0) {
        console.error(`no active key ${command.id}`);
        process.exitCode = 1;
      } else console.log(`revoked ${command.id}`);
    }
  } finally {
    await db.destroy();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

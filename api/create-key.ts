import { createDb } from '../db/knex';
import {
  ALL_LOCATIONS,
  type ApiKeyScope,
  ApiKeyScopeError,
  createApiKey,
  listApiKeys,
  rescopeApiKey,
  revokeApiKey,
  type Role,
  ROLES,
} from '../infra/api-keys';
import { loadConfig } from '../infra/config';

const SCOPE_OPTIONS = `[--channels a,b] [--locations X,Y|'${ALL_LOCATIONS}'] [--customer id] [--expires-in-days N]`;
const USAGE = [
  `usage: api-key create <${ROLES.join('|')}> <name> ${SCOPE_OPTIONS}`,
  '       api-key list',
  '       api-key revoke <id>',
  `       api-key scope <id> ${SCOPE_OPTIONS}`,
].join('\n');

export type KeyCommand =
  | { command: 'create'; role: Role; name: string; scope: ApiKeyScope }
  | { command: 'list' }
  | { command: 'revoke'; id: string }
  | { command: 'scope'; id: string; scope: ApiKeyScope };

/**
 * Parses `npm run api-key -- …` arguments. `<role> <name>` without `create` is still accepted (the
 * original form). Throws with the usage text on anything else.
 */
export function parseKeyCommand(argv: readonly string[], now = new Date()): KeyCommand {
  const [first, ...rest] = argv;
  if (first === 'list' && rest.length === 0) return { command: 'list' };
  if (first === 'revoke' && rest.length === 1) return { command: 'revoke', id: rest[0] };
  if (first === 'scope') {
    const { positional, scope } = parseScope(rest, now);
    if (positional.length !== 1 || Object.keys(scope).length === 0) throw new Error(USAGE);
    return { command: 'scope', id: positional[0], scope };
  }
  const { positional, scope } = parseScope(first === 'create' ? rest : argv, now);
  const [role, ...nameParts] = positional;
  const name = nameParts.join(' ').trim();
  if (!ROLES.includes(role as Role) || !name) throw new Error(USAGE);
  return { command: 'create', role: role as Role, name, scope };
}

function parseScope(args: readonly string[], now: Date): { positional: string[]; scope: ApiKeyScope } {
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
  return { positional, scope };
}

/**
 * `npm run api-key -- create <role> "<name>" [scope options]` (or `node dist/api/create-key.js …` in
 * the image): creates an API key and prints it once; only its hash is stored. `list` shows every key
 * (never its secret); `revoke <id>` revokes one; `scope <id> …` rebinds one (e.g. a key made before
 * scopes existed, which the API refuses until it is bound).
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
      const keys = await listApiKeys(db, { limit: 100_000 });
      console.table(
        keys.map((key) => ({
          id: key.id,
          name: key.name,
          role: key.role,
          channels: key.channels?.join(',') ?? '',
          locations: key.locationIds?.join(',') ?? '',
          customer: key.customerId ?? '',
          created: key.createdAt.toISOString(),
          lastUsed: key.lastUsedAt?.toISOString() ?? '',
          expires: key.expiresAt?.toISOString() ?? '',
          revoked: key.revokedAt?.toISOString() ?? '',
        })),
      );
    } else if (command.command === 'revoke') {
      if (await revokeApiKey(db, command.id)) console.log(`revoked ${command.id}`);
      else failWith(`no active key ${command.id}`);
    } else if (await rescopeApiKey(db, command.id, command.scope)) {
      console.log(`rescoped ${command.id}`);
    } else failWith(`no active key ${command.id}`);
  } catch (error) {
    if (!(error instanceof ApiKeyScopeError)) throw error;
    failWith(error.message);
  } finally {
    await db.destroy();
  }
}

function failWith(message: string): void {
  console.error(message);
  process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

import fs from 'node:fs';
import type { Knex } from 'knex';
import { ALL_LOCATIONS, createApiKey, hashApiKey, Role, ROLES } from '../infra/api-keys';

export interface DevApiKey {
  role: Role;
  id: string;
  key: string;
}

/**
 * One development key per role. The database keeps only hashes, so the plaintext lives in `file`
 * (mode 0600) for every start to print. A saved key the database does not know (another database,
 * revoked, file missing) is replaced by a fresh one.
 */
export async function ensureDevApiKeys(db: Knex, file: string): Promise<DevApiKey[]> {
  const saved = readSavedKeys(file);
  const keys: DevApiKey[] = [];
  for (const role of ROLES) {
    const candidate = saved.find((k) => k.role === role);
    if (candidate && (await isActive(db, candidate))) {
      keys.push(candidate);
    } else {
      const { id, key } = await createApiKey(db, `development ${role} key (npm start)`, role, {
        channels: ['web', 'marketplace'],
        locationIds: [ALL_LOCATIONS],
      });
      keys.push({ role, id, key });
    }
  }
  if (JSON.stringify(keys) !== JSON.stringify(saved)) {
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(temporary, file);
  }
  return keys;
}

function readSavedKeys(file: string): DevApiKey[] {
  if (!fs.existsSync(file)) return [];
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Array.isArray(parsed) ? parsed.filter(isDevApiKey) : [];
  } catch {
    return [];
  }
}

function isDevApiKey(value: unknown): value is DevApiKey {
  const key = value as Partial<DevApiKey> | null;
  return typeof key?.key === 'string' && typeof key.id === 'string' && ROLES.includes(key.role as Role);
}

async function isActive(db: Knex, saved: DevApiKey): Promise<boolean> {
  const row = await db('api_keys').where({ key_hash: hashApiKey(saved.key), role: saved.role }).whereNull('revoked_at').first('id');
  return row !== undefined;
}

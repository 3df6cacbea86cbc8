import path from 'node:path';

/**
 * What `npm start` reads from the environment on top of infra/config.ts (which the API, worker and
 * carrier read themselves). An unset DATABASE_URL or TEMPORAL_ADDRESS means "start one here".
 */
export interface DevSettings {
  dataDir: string;
  databaseUrl?: string;
  embeddedPgPort: number;
  temporalAddress?: string;
  temporalPort: number;
  temporalUiPort: number;
  apiPort: number;
  carrierPort: number;
  carrierTimetable: string;
}

export function loadDevSettings(env: NodeJS.ProcessEnv = process.env): DevSettings {
  return {
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedPgPort: portFrom(env, 'EMBEDDED_PG_PORT', 5433),
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalPort: portFrom(env, 'TEMPORAL_PORT', 7233),
    temporalUiPort: portFrom(env, 'TEMPORAL_UI_PORT', 8233),
    apiPort: portFrom(env, 'API_PORT', 3000),
    carrierPort: portFrom(env, 'CARRIER_SANDBOX_PORT', 3100),
    carrierTimetable: env.CARRIER_SANDBOX_TIMETABLE || 'realistic',
  };
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  }
  return port;
}

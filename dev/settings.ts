import path from 'node:path';
import { portFrom } from '../infra/config';

/**
 * What `npm start` reads from the environment on top of infra/config.ts (which the API, worker,
 * carrier and supplier read themselves). An unset DATABASE_URL or TEMPORAL_ADDRESS means "start one here".
 */
export interface DevSettings {
  dataDir: string;
  databaseUrl?: string;
  embeddedPgPort: number;
  temporalAddress?: string;
  temporalPort: number;
  temporalUiPort: number;
}

export function loadDevSettings(env: NodeJS.ProcessEnv = process.env): DevSettings {
  return {
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    databaseUrl: env.DATABASE_URL || undefined,
    embeddedPgPort: portFrom(env, 'EMBEDDED_PG_PORT', 5433),
    temporalAddress: env.TEMPORAL_ADDRESS || undefined,
    temporalPort: portFrom(env, 'TEMPORAL_PORT', 7233),
    temporalUiPort: portFrom(env, 'TEMPORAL_UI_PORT', 8233),
  };
}

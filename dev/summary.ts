import type { DevApiKey } from './dev-api-keys';

export interface RunningStack {
  apiUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  /** Only known when the Temporal server was started here. */
  temporalUiUrl?: string;
  databaseUrl: string;
  carrierUrl: string;
  supplierUrl: string;
  dataDir: string;
  apiKeys: DevApiKey[];
}

/** The line tools and tests wait for: everything above it is up. */
export const READY_LINE = 'Press Ctrl-C to stop.';

export function formatSummary(stack: RunningStack): string {
  const clientKey = stack.apiKeys.find((k) => k.role === 'client')?.key ?? '<client key>';
  const rows: [string, string][] = [
    ['API', `${stack.apiUrl}   (OpenAPI docs: ${stack.apiUrl}/docs)`],
    ['Dashboard', `${stack.apiUrl}/dashboard   (sign in with the ops key)`],
    ['Temporal', `${stack.temporalAddress}   (namespace ${stack.namespace}, task queue ${stack.taskQueue})`],
    ['Temporal Web UI', stack.temporalUiUrl ?? 'the UI of your TEMPORAL_ADDRESS server (not started here)'],
    ['Postgres', maskPassword(stack.databaseUrl)],
    ['Sandbox carrier', stack.carrierUrl],
    ['Sandbox supplier', stack.supplierUrl],
    ['Data', stack.dataDir],
  ];
  return [
    '',
    'The OMS engine is running.',
    '',
    ...rows.map(([label, value]) => `  ${label.padEnd(17)}${value}`),
    '',
    'Development API keys (saved in dev-api-keys.json in the data directory):',
    ...stack.apiKeys.map((k) => `  ${k.role.padEnd(11)}${k.key}`),
    '',
    'Try it:',
    `  curl -H "Authorization: Bearer ${clientKey}" ${stack.apiUrl}/v1/products`,
    '',
    READY_LINE,
    '',
  ].join('\n');
}

export function maskPassword(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '*****';
    return url.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

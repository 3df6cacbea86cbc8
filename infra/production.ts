import type { Config } from './config';

/** Development values written in the source; a production process never accepts them. */
export const DEVELOPMENT_SECRETS: readonly string[] = [
  'sandbox-webhook-dev-secret',
  'sandbox-carrier-dev-key',
  'sandbox-supplier-webhook-dev-secret',
  'sandbox-supplier-dev-key',
];
export const MIN_SECRET_BYTES = 32;

export function isProduction(env: NodeJS.ProcessEnv): boolean {
  return env.NODE_ENV === 'production';
}

/** Why a secret is unacceptable in production, or undefined when it is fine. */
function secretProblem(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return 'is not set';
  if (DEVELOPMENT_SECRETS.includes(value) || value.toLowerCase().startsWith('change-me')) return 'is a known development value';
  if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES) return `is shorter than ${MIN_SECRET_BYTES} bytes`;
  return undefined;
}

/**
 * Refuses to start in production (NODE_ENV=production) when a required secret is missing, a
 * development value, or shorter than 32 bytes: the configured carrier's and dropship supplier's
 * webhook secrets, the sandbox carrier's and sandbox supplier's API keys, and the payment gateway's
 * credentials (the sandbox has none).
 */
export function assertProductionSecrets(config: Config, env: NodeJS.ProcessEnv): void {
  const carrier = config.carrier.name;
  const required: Array<[string, string | undefined]> = [
    [`CARRIER_WEBHOOK_SECRET_${carrier.toUpperCase()}`, env[`CARRIER_WEBHOOK_SECRET_${carrier.toUpperCase()}`]],
  ];
  if (carrier === 'sandbox') required.push(['CARRIER_SANDBOX_API_KEY', env.CARRIER_SANDBOX_API_KEY]);
  const supplier = config.supplier.name;
  required.push([`SUPPLIER_WEBHOOK_SECRET_${supplier.toUpperCase()}`, env[`SUPPLIER_WEBHOOK_SECRET_${supplier.toUpperCase()}`]]);
  if (supplier === 'sandbox') required.push(['SUPPLIER_SANDBOX_API_KEY', env.SUPPLIER_SANDBOX_API_KEY]);
  // Payment gateway credentials: the sandbox gateway has none (and worker/collaborators.ts refuses it in production).
  const problems = required
    .map(([name, value]) => [name, secretProblem(value)] as const)
    .filter(([, problem]) => problem !== undefined)
    .map(([name, problem]) => `${name} ${problem}`);
  if (problems.length > 0) {
    throw new Error(`NODE_ENV=production refuses to start: ${problems.join('; ')}`);
  }
}

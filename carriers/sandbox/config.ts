import { oneOf, portFrom } from '../../infra/config';
import { TIMETABLES, type TimetableName } from './timetable';

/** The sandbox carrier service's own settings (the engine reaches it through Config.carrier). */
export interface SandboxCarrierConfig {
  host: string;
  port: number;
  /** Where its tracking webhooks go: the engine's /v1/webhooks/carriers/sandbox. */
  webhookUrl: string;
  timetable: TimetableName;
  /** Base of label document links when the carrier sits behind a proxy. */
  publicUrl?: string;
}

export function loadSandboxCarrierConfig(env: NodeJS.ProcessEnv = process.env): SandboxCarrierConfig {
  return {
    host: env.CARRIER_SANDBOX_HOST || '0.0.0.0',
    port: portFrom(env, 'CARRIER_SANDBOX_PORT', 3100),
    webhookUrl: env.CARRIER_SANDBOX_WEBHOOK_URL || 'http://127.0.0.1:3000/v1/webhooks/carriers/sandbox',
    timetable: oneOf(env, 'CARRIER_SANDBOX_TIMETABLE', TIMETABLES, 'realistic'),
    publicUrl: env.CARRIER_SANDBOX_PUBLIC_URL || undefined,
  };
}

import { TIMETABLES, type TimetableName } from '../../carriers/sandbox/timetable';
import { oneOf, portFrom } from '../../infra/config';

/** The sandbox supplier service's own settings (the engine reaches it through Config.supplier). */
export interface SandboxSupplierConfig {
  host: string;
  port: number;
  /** Where its dropship webhooks go: the engine's /v1/webhooks/dropship/sandbox. */
  webhookUrl: string;
  timetable: TimetableName;
}

export function loadSandboxSupplierConfig(env: NodeJS.ProcessEnv = process.env): SandboxSupplierConfig {
  return {
    host: env.SUPPLIER_SANDBOX_HOST || '0.0.0.0',
    port: portFrom(env, 'SUPPLIER_SANDBOX_PORT', 3200),
    webhookUrl: env.SUPPLIER_SANDBOX_WEBHOOK_URL || 'http://127.0.0.1:3000/v1/webhooks/dropship/sandbox',
    timetable: oneOf(env, 'SUPPLIER_SANDBOX_TIMETABLE', TIMETABLES, 'realistic'),
  };
}

import { createSandboxApp, withWebhookDispatcher, type SandboxService, type SandboxServiceOptions } from '../../infra/sandbox-service';
import { accountIdFor } from './labels';
import { carrierRoutes } from './routes';
import { migrateSandboxCarrier } from './schema';
import { CARRIER_TRACKING_QUEUE } from './webhook-dispatcher';

/** The carrier keeps its state in the `sandbox_carrier` schema; its webhooks go to the engine's `/v1/webhooks/carriers/sandbox`. */
export interface SandboxCarrierOptions extends SandboxServiceOptions {
  /** Base URL of label documents when the carrier sits behind a proxy. */
  publicUrl?: string;
}

/** Its dispatcher sends tracking events. */
export type SandboxCarrier = SandboxService;

/** A parcel carrier with a real HTTP API that sends signed tracking webhooks as its parcels move. */
export async function buildSandboxCarrier(options: SandboxCarrierOptions): Promise<SandboxCarrier> {
  await migrateSandboxCarrier(options.db);

  const app = createSandboxApp('carrier', options.logger);
  const accountId = accountIdFor(options.apiKey);
  await app.register(carrierRoutes, {
    prefix: '/v1',
    db: options.db,
    apiKey: options.apiKey,
    accountId,
    timetable: options.timetable,
    stepMs: options.stepMs,
    publicUrl: options.publicUrl,
  });

  return withWebhookDispatcher(app, options, accountId, CARRIER_TRACKING_QUEUE);
}

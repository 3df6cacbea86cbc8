import type { WebhookQueue } from '../../carriers/sandbox/webhook-dispatcher';
import { createSandboxApp, withWebhookDispatcher, type SandboxService, type SandboxServiceOptions } from '../../infra/sandbox-service';
import { clientIdFor } from './orders';
import { supplierRoutes } from './routes';
import { migrateSandboxSupplier, SCHEMA } from './schema';

/** The supplier keeps its state in the `sandbox_supplier` schema; its webhooks go to the engine's `/v1/webhooks/dropship/sandbox`. */
export type SandboxSupplierOptions = SandboxServiceOptions;

/** Its dispatcher sends dropship events. */
export type SandboxSupplier = SandboxService;

/** Dropship events, one order after another, signed like carrier webhooks with X-Supplier-* headers. */
const DROPSHIP_QUEUE: WebhookQueue = {
  sender: 'sandbox supplier',
  table: `${SCHEMA}.events`,
  accountColumn: 'client_id',
  groupColumn: 'order_id',
  headerPrefix: 'Supplier',
  body: (event) => ({
    id: event.id,
    type: event.type,
    supplierOrderId: event.order_id,
    reference: event.reference,
    trackingNumber: event.tracking_number,
    carrier: event.carrier,
    status: event.status,
    description: event.description,
    occurredAt: (event.occurred_at as Date).toISOString(),
  }),
};

/** A dropship supplier with a real HTTP API: it takes orders against its stock, ships them and sends signed webhooks. */
export async function buildSandboxSupplier(options: SandboxSupplierOptions): Promise<SandboxSupplier> {
  await migrateSandboxSupplier(options.db);

  const app = createSandboxApp('supplier', options.logger);
  const clientId = clientIdFor(options.apiKey);
  await app.register(supplierRoutes, {
    prefix: '/v1',
    db: options.db,
    apiKey: options.apiKey,
    clientId,
    timetable: options.timetable,
    stepMs: options.stepMs,
  });

  return withWebhookDispatcher(app, options, clientId, DROPSHIP_QUEUE);
}

import type { Knex } from 'knex';
import * as initial from './001_initial';
import * as orderCore from './002_order_core';
import * as idempotencyKeys from './003_idempotency_keys';
import * as shipmentParcels from './004_shipment_parcels';
import * as apiKeyScopes from './006_api_key_scopes';
import * as webhookHardening from './007_webhook_hardening';
import * as returns from './008_returns';
import * as reserveStockFunction from './009_reserve_stock_function';
import * as locationsBins from './010_locations_bins';
import * as kits from './011_kits';
import * as adjustmentsCounts from './013_adjustments_counts';
import * as costLayers from './012_cost_layers';
import * as transfers from './014_transfers';
import * as purchasing from './015_purchasing';
import * as replenishment from './016_replenishment';
import * as dropship from './017_dropship';
import * as transferCancel from './019_transfer_cancel';
import * as outboundWebhooks from './018_outbound_webhooks';
import * as supplierWebhookEvents from './020_supplier_webhook_events';
import * as outboundWebhookRotation from './021_outbound_webhook_rotation';
import * as forecasts from './022_forecasts';
import * as channelAvailability from './024_channel_availability';
import * as eoq from './023_eoq';
import * as supplierStockFeeds from './025_supplier_stock_feeds';
import * as reportIndexes from './026_report_indexes';

interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

/** Migrations are imported, not globbed from disk, so they run the same under tsx, jest and compiled JS. */
const MIGRATIONS: Record<string, Migration> = {
  '001_initial': initial,
  '002_order_core': orderCore,
  '003_idempotency_keys': idempotencyKeys,
  '004_shipment_parcels': shipmentParcels,
  '006_api_key_scopes': apiKeyScopes,
  '007_webhook_hardening': webhookHardening,
  '008_returns': returns,
  '009_reserve_stock_function': reserveStockFunction,
  '010_locations_bins': locationsBins,
  '011_kits': kits,
  '013_adjustments_counts': adjustmentsCounts,
  '012_cost_layers': costLayers,
  '014_transfers': transfers,
  '015_purchasing': purchasing,
  '016_replenishment': replenishment,
  '017_dropship': dropship,
  '019_transfer_cancel': transferCancel,
  '018_outbound_webhooks': outboundWebhooks,
  '020_supplier_webhook_events': supplierWebhookEvents,
  '021_outbound_webhook_rotation': outboundWebhookRotation,
  '022_forecasts': forecasts,
  '024_channel_availability': channelAvailability,
  '023_eoq': eoq,
  '025_supplier_stock_feeds': supplierStockFeeds,
  '026_report_indexes': reportIndexes,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name],
};

import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { CarrierAdapter } from '../carriers/adapter';
import type { PaymentGateway } from '../payments/gateway';
import type { SupplierAdapter } from '../suppliers/adapter';
import { adjustmentActivities } from './adjustments';
import { availabilityActivities } from './availability';
import { backorderActivities, stockWaker } from './backorders';
import { countActivities } from './counts';
import { dropshipActivities } from './dropship';
import { forecastActivities } from './forecasts';
import { inventoryActivities } from './inventory';
import { orderActivities } from './orders';
import { outboundWebhookActivities } from './outbound-webhooks';
import { paymentActivities } from './payments';
import { purchaseOrderActivities } from './purchase-orders';
import { replenishmentActivities, withReplenishmentTriggers } from './replenishment';
import { returnActivities } from './returns';
import { shipmentEndingActivities } from './shipment-endings';
import { supplierFeedActivities } from './supplier-feeds';
import { sweepActivities } from './sweep';
import { type ShipmentSettings, shipmentActivities } from './shipments';
import { transferActivities } from './transfers';

export interface ActivityDeps extends ShipmentSettings {
  db: Knex;
  carrier: CarrierAdapter;
  gateway: PaymentGateway;
  /** Where dropship orders go. */
  supplier: SupplierAdapter;
  /** Used to wake backordered orders. */
  temporal: Client;
}

/** Activities are built from their collaborators, so tests can pass real or in-memory ones. */
export function createActivities(deps: ActivityDeps) {
  const wake = stockWaker(deps.temporal);
  // A shipment or a just-in-time backorder may start a replenishment run.
  return withReplenishmentTriggers({
    ...inventoryActivities(deps.db, wake),
    ...orderActivities(deps.db),
    ...paymentActivities(deps.db, deps.gateway),
    ...shipmentActivities(deps.db, deps.carrier, deps),
    ...dropshipActivities(deps.db, deps.supplier, deps),
    ...supplierFeedActivities(deps.db, deps.supplier),
    ...shipmentEndingActivities(deps.db, wake),
    ...returnActivities(deps.db, deps.carrier, deps.gateway, wake),
    ...backorderActivities(deps.db, deps.temporal),
    ...sweepActivities(deps.db, deps.temporal),
    ...adjustmentActivities(deps.db, wake),
    ...countActivities(deps.db),
    ...transferActivities(deps.db, wake),
    ...purchaseOrderActivities(deps.db, wake),
    ...outboundWebhookActivities(deps.db, deps.temporal),
    ...availabilityActivities(deps.db),
    ...replenishmentActivities(deps.db, deps.temporal),
    ...forecastActivities(deps.db),
  }, deps.db, deps.temporal);
}

export type Activities = ReturnType<typeof createActivities>;

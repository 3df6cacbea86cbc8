import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { CarrierAdapter } from '../carriers/adapter';
import type { PaymentGateway } from '../payments/gateway';
import { backorderActivities } from './backorders';
import { inventoryActivities } from './inventory';
import { orderActivities } from './orders';
import { paymentActivities } from './payments';
import { shipmentActivities } from './shipments';

export interface ActivityDeps {
  db: Knex;
  carrier: CarrierAdapter;
  gateway: PaymentGateway;
  /** Used to wake backordered orders. */
  temporal: Client;
  deliveryDeadlineHours: number;
}

/** Activities are built from their collaborators, so tests can pass real or in-memory ones. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...inventoryActivities(deps.db),
    ...orderActivities(deps.db),
    ...paymentActivities(deps.db, deps.gateway),
    ...shipmentActivities(deps.db, deps.carrier, deps.deliveryDeadlineHours),
    ...backorderActivities(deps.db, deps.temporal),
  };
}

export type Activities = ReturnType<typeof createActivities>;

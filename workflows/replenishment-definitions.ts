/**
 * The contract of the replenishment workflow between its starters (the Schedule, the shipment and
 * backorder triggers) and the workflow. Workflow-safe (no I/O), so both sides import it.
 */

/** One run per cause: `replenishment:schedule:<taskQueue>`, `replenishment:shipment:<id>:<location>`, `replenishment:backorder:<order>:<event>`. */
export const replenishmentWorkflowId = (cause: string): string => `replenishment:${cause}`;

export interface ReplenishmentInput {
  /** Only this location; every active location when absent. */
  locationId?: string;
  /** Only these SKUs; every replenished SKU when absent. */
  skus?: string[];
  /** What started the run: schedule, shipment:<id>, backorder:<orderId>. */
  cause: string;
}

export interface ReplenishmentResult {
  /** Drafts written by this run, per location. */
  purchaseOrderIds: string[];
}

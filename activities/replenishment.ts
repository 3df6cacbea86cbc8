import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { Knex } from 'knex';
import { planReplenishment, type ReplenishmentDefaults } from '../db/replenishment';
import type { DraftPlan } from '../domain/replenishment';
import { loadConfig } from '../infra/config';
import { startPurchaseOrderWorkflow } from '../infra/workflow-starters';
import { type ReplenishmentInput, replenishmentWorkflowId } from '../workflows/replenishment-definitions';
import type { OrderStatusChange } from './orders';
import { emitEvent } from './outbound-events';
import { createDraftPurchaseOrder } from './purchase-orders';

export interface RaiseDraftsInput {
  locationId: string;
  /** Only these SKUs (a shipment's, a backorder's); all of the location's when absent. */
  skus?: string[];
  /** The workflow run's id: its drafts' idempotency keys start with it. */
  runKey: string;
}

export function replenishmentActivities(db: Knex, temporal: Client, defaults: ReplenishmentDefaults = loadConfig().replenishment) {
  return {
    /** Where replenishment runs: every active location that is not quarantine. */
    async listReplenishmentLocations(): Promise<string[]> {
      return db('locations').where({ active: true }).whereNot('kind', 'quarantine').orderBy('id').pluck('id');
    },

    /**
     * Plans one location and writes its drafts (one per supplier), each submitted by itself or
     * waiting for approval as the location's policy says. Runs under the location's advisory lock,
     * so concurrent runs see each other's drafts and never order twice. Answers with every PO this
     * workflow run drafted there, including those of an earlier attempt of this activity.
     */
    async raiseReplenishmentDrafts(input: RaiseDraftsInput): Promise<{ purchaseOrderIds: string[] }> {
      const prefix = `replenishment:${createHash('sha256').update(`${input.runKey}:${input.locationId}`).digest('hex').slice(0, 32)}:`;
      return db.transaction(async (trx) => {
        await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`replenishment:${input.locationId}`]);
        const { drafts } = await planReplenishment(trx, defaults, { locationId: input.locationId, skus: input.skus });
        for (const draft of drafts) await raiseDraft(trx, draft, `${prefix}${draft.supplierId}`);
        const ids: string[] = await trx('purchase_orders').whereRaw('left(idempotency_key, ?) = ?', [prefix.length, prefix]).orderBy('id').pluck('id');
        return { purchaseOrderIds: ids };
      });
    },

    /** Starts the PO workflows of drafts just written (starting twice is harmless). */
    async startReplenishmentPurchaseOrders(input: { purchaseOrderIds: string[] }): Promise<void> {
      for (const id of input.purchaseOrderIds) await startPurchaseOrderWorkflow(temporal, Context.current().info.taskQueue, db, id);
    },
  };
}

async function raiseDraft(trx: Knex.Transaction, draft: DraftPlan, idempotencyKey: string): Promise<void> {
  const { purchaseOrderId } = await createDraftPurchaseOrder(trx, {
    supplierId: draft.supplierId,
    locationId: draft.locationId,
    lines: draft.lines.map((line) => ({ sku: line.sku, quantity: line.quantity, unitCostCents: line.unitCostCents })),
    source: draft.lines.every((line) => line.why.jit) ? 'jit' : 'replenishment',
    reason: draftReason(draft),
    submit: draft.submit,
    idempotencyKey,
  });
  for (const line of draft.lines) {
    await emitEvent(trx, {
      type: 'inventory.low_stock',
      key: `low_stock:${purchaseOrderId}:${line.sku}`,
      data: { sku: line.sku, locationId: line.locationId, purchaseOrderId, quantity: line.quantity, why: line.why },
    });
  }
}

/** Why each line is ordered, led by why an auto-submittable draft waits (first, so the 500-character cut never drops it). */
function draftReason(draft: DraftPlan): string {
  const held =
    draft.why.held === 'below_minimum_order_value'
      ? `held for approval (below_minimum_order_value): total ${draft.totalCents} cents is below the supplier's minimum order of ${draft.why.minimumOrderCents} cents; `
      : '';
  const lines = draft.lines
    .map((line) => {
      const economic = line.why.eoq ? ` at ${line.unitCostCents} cents, the least annual cost (${line.why.eoq.totalCents} cents) across price breaks` : '';
      return `${line.sku}: position ${line.why.position} (${line.why.trigger}), order ${line.quantity}${economic}`;
    })
    .join('; ');
  return `${held}${lines}`.slice(0, 500);
}

/**
 * Starts a replenishment run for some SKUs of one location, once per cause: the workflow id is the
 * cause's, so a retried trigger finds the first run and starts nothing.
 */
async function startReplenishment(temporal: Client, cause: string, input: ReplenishmentInput): Promise<void> {
  try {
    await temporal.workflow.start('replenishmentWorkflow', {
      taskQueue: Context.current().info.taskQueue,
      workflowId: replenishmentWorkflowId(cause),
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/**
 * After a shipment left: its SKUs whose position fell to their reorder point get a replenishment
 * run at once instead of at the next Schedule. Reads what the shipment consumed, so a retry after a
 * crash (when nothing is left to ship) still triggers.
 */
export async function replenishAfterShipment(db: Knex, temporal: Client, defaults: ReplenishmentDefaults, shipmentId: string): Promise<void> {
  // Only what can be bought (a preferred supplier) can be drafted: the plan is skipped for the rest.
  const consumed: { sku: string; location_id: string }[] = await db('reservations as r')
    .where({ 'r.shipment_id': shipmentId, 'r.status': 'consumed' })
    .whereExists(db('supplier_products as sp').whereRaw('sp.sku = r.sku').andWhere('sp.preferred', true))
    .distinct('r.sku', 'r.location_id');
  for (const locationId of [...new Set(consumed.map((row) => row.location_id))]) {
    const skus = consumed.filter((row) => row.location_id === locationId).map((row) => row.sku);
    const { drafts } = await planReplenishment(db, defaults, { locationId, skus });
    if (drafts.length > 0) await startReplenishment(temporal, `shipment:${shipmentId}:${locationId}`, { locationId, skus, cause: `shipment:${shipmentId}` });
  }
}

/** An order just backordered: its just-in-time SKUs (a kit's components too) are bought at once. */
export async function replenishAfterBackorder(db: Knex, temporal: Client, orderId: string, eventKey: string): Promise<void> {
  const lineSkus: string[] = await db('order_lines').where({ order_id: orderId }).pluck('sku');
  const components: string[] = await db('kit_components').whereIn('kit_sku', lineSkus).pluck('component_sku');
  const jit: string[] = await db('products').whereIn('sku', [...lineSkus, ...components]).andWhere({ jit: true }).orderBy('sku').pluck('sku');
  if (jit.length > 0) await startReplenishment(temporal, `backorder:${orderId}:${eventKey}`, { skus: jit, cause: `backorder:${orderId}` });
}

interface TriggeringActivities {
  shipShipment(input: { shipmentId: string; orderId: string }): Promise<void>;
  recordOrderStatus(change: OrderStatusChange): Promise<void>;
}

/**
 * The shipment and backorder triggers, around the activities that write those facts. A trigger that
 * fails is logged, not retried: the shipment stays shipped and the next scheduled run plans the SKUs.
 */
export function withReplenishmentTriggers<T extends TriggeringActivities>(
  activities: T,
  db: Knex,
  temporal: Client,
  defaults: ReplenishmentDefaults = loadConfig().replenishment,
): T {
  const quietly = async (what: string, trigger: () => Promise<void>) => {
    try {
      await trigger();
    } catch (error) {
      Context.current().log.warn(`replenishment trigger after ${what} failed; the Schedule will plan it`, { error: String(error) });
    }
  };
  return {
    ...activities,
    async shipShipment(input) {
      await activities.shipShipment(input);
      await quietly(`shipment ${input.shipmentId}`, () => replenishAfterShipment(db, temporal, defaults, input.shipmentId));
    },
    async recordOrderStatus(change) {
      await activities.recordOrderStatus(change);
      if (change.status === 'BACKORDERED') await quietly(`backorder of ${change.orderId}`, () => replenishAfterBackorder(db, temporal, change.orderId, change.eventKey));
    },
  };
}

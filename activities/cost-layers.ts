import type { Knex } from 'knex';
import { type ConsignmentRule, type OpenLayer, planConsumption } from '../domain/fifo';

/**
 * FIFO cost layers, written inside the caller's ledger transaction: insert the movement, change the
 * level, then call these with the movement's id. Each is idempotent by that movement (unique keys),
 * so a retried transaction never adds or takes units twice.
 */

/** A layer taken by a stock-out movement: how many of its units, at what cost, and whose they were. */
export interface ConsumedLayer {
  layerId: number;
  quantity: number;
  unitCostCents: number;
  /** null for our own stock, else the consignment owner the units belong to. */
  ownerId: string | null;
}

export interface AddLayerInput {
  movementId: number;
  sku: string;
  locationId: string;
  quantity: number;
  unitCostCents: number;
  /** The owner of consigned units; null or absent for our own stock. */
  ownerId?: string | null;
}

export interface ConsumeLayersInput {
  movementId: number;
  sku: string;
  locationId: string;
  quantity: number;
}

/**
 * Stock in: one layer of `quantity` units at `unitCostCents`. One layer per movement, owner and cost
 * (a transfer arriving with units of several costs adds one per cost); the same call again is a no-op.
 */
export async function addLayer(trx: Knex, input: AddLayerInput): Promise<void> {
  if (!Number.isInteger(input.quantity) || input.quantity <= 0) throw new RangeError(`a layer needs units, got ${input.quantity}`);
  const ownerId = input.ownerId ?? null;
  const inserted = await trx.raw(
    `INSERT INTO cost_layers (sku, location_id, movement_id, quantity, remaining, unit_cost_cents, owner_id)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (movement_id, (coalesce(owner_id, '')), unit_cost_cents) DO NOTHING
     RETURNING id`,
    [input.sku, input.locationId, input.movementId, input.quantity, input.quantity, input.unitCostCents, ownerId],
  );
  if (inserted.rows.length > 0) return;
  const existing = await trx('cost_layers')
    .where({ movement_id: input.movementId, unit_cost_cents: input.unitCostCents })
    .whereRaw("coalesce(owner_id, '') = ?", [ownerId ?? ''])
    .first('sku', 'location_id', 'quantity');
  if (existing.sku !== input.sku || existing.location_id !== input.locationId || existing.quantity !== input.quantity) {
    throw new Error(
      `movement ${input.movementId} already has a layer at ${input.unitCostCents} cents for owner ${ownerId ?? '(own stock)'} ` +
        `of ${existing.quantity} ${existing.sku} at ${existing.location_id}; sum the units of one cost into one layer`,
    );
  }
}

/**
 * Stock out: takes `quantity` units from the open layers of (sku, location), oldest first, consigned
 * units first or last by the location's rule; one consumption row per layer taken. Called again for
 * the same movement, it answers with what that movement took and takes nothing. Fewer units in the
 * layers than asked means the layers and on_hand disagree: that is an error, never a guess.
 */
export async function consumeLayers(
  trx: Knex,
  input: ConsumeLayersInput,
): Promise<{ costCents: number; consumed: ConsumedLayer[] }> {
  const earlier = await consumedBy(trx, input.movementId);
  if (earlier.length > 0) return { costCents: costOf(earlier), consumed: earlier };

  const open = await openLayers(trx, input.sku, input.locationId, true);
  const plan = planConsumption(open, input.quantity, await ruleAt(trx, input.locationId));
  if (plan.shortfall > 0) {
    throw new Error(
      `cost layers of ${input.sku} at ${input.locationId} hold ${input.quantity - plan.shortfall} units, ` +
        `movement ${input.movementId} takes ${input.quantity}`,
    );
  }
  for (const take of plan.takes) {
    await trx('cost_layers').where({ id: take.layerId }).decrement('remaining', take.quantity);
  }
  if (plan.takes.length > 0) {
    await trx('cost_consumptions').insert(
      plan.takes.map((take) => ({
        movement_id: input.movementId,
        layer_id: take.layerId,
        quantity: take.quantity,
        unit_cost_cents: take.unitCostCents,
        owner_id: take.ownerId,
      })),
    );
  }
  return { costCents: plan.costCents, consumed: plan.takes };
}

/**
 * What taking `quantity` units out of (sku, location) now would cost, by the same rule as
 * consumeLayers (consigned units at what would be owed for them); units beyond the layers at the
 * product's cost. Reads only.
 */
export async function fifoValue(db: Knex, input: { sku: string; locationId: string; quantity: number }): Promise<number> {
  const open = await openLayers(db, input.sku, input.locationId, false);
  const plan = planConsumption(open, input.quantity, await ruleAt(db, input.locationId));
  if (plan.shortfall === 0) return plan.costCents;
  const product = await db('products').where({ sku: input.sku }).first('unit_cost_cents');
  return plan.costCents + plan.shortfall * (product?.unit_cost_cents ?? 0);
}

/** The product's current cost: the layer cost of units that come in without one of their own. */
export async function productCost(trx: Knex, sku: string): Promise<number> {
  const product = await trx('products').where({ sku }).first('unit_cost_cents');
  if (!product) throw new Error(`unknown sku ${sku}`);
  return product.unit_cost_cents;
}

async function openLayers(db: Knex, sku: string, locationId: string, lock: boolean): Promise<OpenLayer[]> {
  const query = db('cost_layers')
    .where({ sku, location_id: locationId })
    .andWhere('remaining', '>', 0)
    .orderBy(['received_at', 'id'])
    .select('id', 'remaining', 'unit_cost_cents', 'owner_id', 'received_at');
  // The caller holds the level row; locking the layers too keeps a concurrent reader of them honest.
  if (lock) query.forUpdate();
  const rows = await query;
  return rows.map((row) => ({
    id: Number(row.id),
    remaining: row.remaining,
    unitCostCents: row.unit_cost_cents,
    ownerId: row.owner_id,
    receivedAt: row.received_at,
  }));
}

async function ruleAt(db: Knex, locationId: string): Promise<ConsignmentRule> {
  const location = await db('locations').where({ id: locationId }).first('consignment_rule');
  return location?.consignment_rule ?? 'last';
}

async function consumedBy(trx: Knex, movementId: number): Promise<ConsumedLayer[]> {
  const rows = await trx('cost_consumptions').where({ movement_id: movementId }).orderBy('id');
  return rows.map((row) => ({ layerId: Number(row.layer_id), quantity: row.quantity, unitCostCents: row.unit_cost_cents, ownerId: row.owner_id }));
}

const costOf = (consumed: readonly ConsumedLayer[]) => consumed.reduce((sum, c) => sum + c.quantity * c.unitCostCents, 0);

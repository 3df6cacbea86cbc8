import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { ApiError } from '../api-error';
import { iso } from '../iso-date-time';
import type { Location } from '../schemas';

interface BinRow {
  location_id: string;
  code: string;
  sequence: number;
}

/** The bins of these locations in the order a picker walks them: by sequence, then code. */
export async function binsInWalkingOrder(db: Knex, locationIds: string[]): Promise<BinRow[]> {
  return db('bins').whereIn('location_id', locationIds).orderBy(['location_id', 'sequence', 'code']).select('location_id', 'code', 'sequence');
}

// knex rows are untyped; this is where a location takes the API's shape.
export function locationFromRow(row: any, bins: BinRow[]): Location {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    parentLocationId: row.parent_location_id ?? null,
    fulfillmentMode: row.fulfillment_mode,
    priority: row.priority,
    address: row.address,
    active: row.active,
    bins: bins.filter((bin) => bin.location_id === row.id).map((bin) => bin.code),
  };
}

/**
 * Moves all of a SKU's units at a location to another bin, and its pick bin with them (a SKU has one
 * bin per location). on_hand does not change, so this writes no inventory_movements row: the move is
 * one bin_movements row, and on_hand stays the sum of the stock ledger.
 */
export async function moveBin(
  trx: Knex.Transaction,
  move: { sku: string; locationId: string; toBin: string },
): Promise<{ id: number; sku: string; locationId: string; fromBin: string | null; toBin: string; quantity: number; createdAt: string }> {
  const { sku, locationId, toBin } = move;
  // The level row's lock keeps receipts and shipments of this SKU here from interleaving with the move.
  const level = await trx('inventory_levels').where({ sku, location_id: locationId }).forUpdate().first('on_hand');
  if (!level || level.on_hand === 0) {
    throw new ApiError(422, 'no_stock_to_move', `no units of ${sku} at ${locationId}; set its bin with PUT …/bin-assignments/${sku}`);
  }
  const assigned = await trx('bin_assignments').where({ sku, location_id: locationId }).first('bin_code');
  const fromBin: string | null = assigned?.bin_code ?? null;
  if (fromBin === toBin) throw new ApiError(422, 'same_bin', `${sku} is already in bin ${toBin}`);
  const [row] = await trx('bin_movements')
    .insert({
      sku,
      location_id: locationId,
      from_bin_code: fromBin,
      to_bin_code: toBin,
      quantity: level.on_hand,
      // Retries are answered by the request's Idempotency-Key; each move here is a row of its own.
      idempotency_key: `bin-move:${randomUUID()}`,
    })
    .returning(['id', 'created_at']);
  await trx('bin_assignments')
    .insert({ sku, location_id: locationId, bin_code: toBin })
    .onConflict(['sku', 'location_id'])
    .merge(['bin_code']);
  return { id: Number(row.id), sku, locationId, fromBin, toBin, quantity: level.on_hand, createdAt: iso(row.created_at) };
}

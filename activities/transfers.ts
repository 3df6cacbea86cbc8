import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { kitSkusAmong } from '../db/kits';
import {
  type TransferLineState,
  type TransferProgress,
  type TransferStatus,
  TRANSFER_WRITE_OFF_REASON,
  TransferRefusal,
} from '../workflows/transfer-definitions';
import type { StockWaker } from './backorders';
import { addLayer, consumeLayers } from './cost-layers';
import { RequestRefused } from './refused';


export interface TransferRequest {
  fromLocationId: string;
  toLocationId: string;
  lines: { sku: string; quantity: number }[];
}

/** Units that left the source at one FIFO cost and owner; a line's lots, oldest first, arrive in that order. */
export interface TransferLot {
  quantity: number;
  unitCostCents: number;
  ownerId: string | null;
}

/** Locations, SKUs and lines: the checks that need no lock. */
export async function checkTransferRequest(db: Knex, request: TransferRequest): Promise<void> {
  if (request.fromLocationId === request.toLocationId) {
    throw new RequestRefused('same_location', `a transfer needs two locations; both are ${request.fromLocationId}`);
  }
  const ids = [request.fromLocationId, request.toLocationId];
  const locations: { id: string; kind: string; active: boolean }[] = await db('locations').whereIn('id', ids).select('id', 'kind', 'active');
  const missing = ids.filter((id) => !locations.some((location) => location.id === id));
  if (missing.length > 0) throw new RequestRefused('location_not_found', `location ${missing.join(', ')} not found`, 404, { locationIds: missing });
  const inactive = locations.filter((location) => !location.active).map((location) => location.id);
  if (inactive.length > 0) throw new RequestRefused('location_inactive', `location ${inactive.join(', ')} is deactivated`, 422, { locationIds: inactive });
  // Quarantine stock is never allocated, so nothing may be held there for a transfer either.
  if (locations.find((location) => location.id === request.fromLocationId)!.kind === 'quarantine') {
    throw new RequestRefused('quarantine_source', `${request.fromLocationId} is a quarantine location; its stock cannot be transferred`);
  }
  const skus = request.lines.map((line) => line.sku);
  const duplicate = skus.find((sku, index) => skus.indexOf(sku) !== index);
  if (duplicate) throw new RequestRefused('duplicate_line', `${duplicate} appears on more than one line`, 422, { sku: duplicate });
  const known = new Set((await db('products').whereIn('sku', skus).pluck('sku')) as string[]);
  const unknown = skus.filter((sku) => !known.has(sku));
  if (unknown.length > 0) throw new RequestRefused('unknown_sku', `unknown sku: ${unknown.join(', ')}`, 422, { skus: unknown });
  const kits = await kitSkusAmong(db, skus);
  if (kits.length > 0) {
    throw new RequestRefused('kit_not_transferable', `${kits.join(', ')} ${kits.length > 1 ? 'are kits' : 'is a kit'}: transfer the components`, 422, { skus: kits });
  }
}

/**
 * Records a transfer and holds its units at the source, in the caller's transaction: the source's
 * level rows are locked in sku order (the order reservations lock them), and a line asking for more
 * than is available there refuses the whole transfer. Returns the new id.
 */
export async function createTransfer(
  trx: Knex.Transaction,
  request: TransferRequest & { receiveWithinSeconds: number; requestedBy?: string | null; idempotencyKey?: string | null; requestHash?: string | null },
): Promise<string> {
  const lines = [...request.lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  for (const line of lines) {
    const level = await trx('inventory_levels').where({ sku: line.sku, location_id: request.fromLocationId }).forUpdate().first('on_hand', 'reserved');
    const available = level ? level.on_hand - level.reserved : 0;
    if (line.quantity > available) {
      throw new RequestRefused('exceeds_available', `${line.sku} at ${request.fromLocationId}: ${line.quantity} asked, ${available} available`, 422, {
        sku: line.sku,
        locationId: request.fromLocationId,
        quantity: line.quantity,
        available,
      });
    }
  }
  const id = `trf_${randomBytes(12).toString('hex')}`;
  await trx('transfers').insert({
    id,
    from_location_id: request.fromLocationId,
    to_location_id: request.toLocationId,
    status: 'RESERVED',
    receive_within_seconds: request.receiveWithinSeconds,
    requested_by: request.requestedBy ?? null,
    idempotency_key: request.idempotencyKey ?? null,
    request_hash: request.requestHash ?? null,
  });
  await trx('transfer_lines').insert(request.lines.map((line, index) => ({ transfer_id: id, line_no: index + 1, sku: line.sku, quantity: line.quantity })));
  for (const line of lines) {
    await trx('inventory_levels')
      .where({ sku: line.sku, location_id: request.fromLocationId })
      .update({ reserved: trx.raw('reserved + ?', [line.quantity]), updated_at: trx.fn.now() });
  }
  return id;
}

interface TransferRow {
  id: string;
  from_location_id: string;
  to_location_id: string;
  status: TransferStatus;
  deadline: Date | null;
}

interface LineRow {
  line_no: number;
  sku: string;
  quantity: number;
  shipped: number;
  received: number;
  written_off: number;
  shipped_lots: TransferLot[] | null;
}

const bySku = <T extends { sku: string }>(rows: T[]): T[] => [...rows].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));

/** Lines as the workflow and the API show them. */
export function lineStates(lines: LineRow[]): TransferLineState[] {
  return [...lines]
    .sort((a, b) => a.line_no - b.line_no)
    .map((line) => ({ lineNo: line.line_no, sku: line.sku, quantity: line.quantity, shipped: line.shipped, received: line.received, writtenOff: line.written_off }));
}

/**
 * The lots of `count` units starting `offset` units into a line's shipped lots, one per (owner, cost):
 * units arrive (or are written off) in the order they left, so each receipt takes the next ones.
 */
export function lotsBetween(lots: readonly TransferLot[], offset: number, count: number): TransferLot[] {
  const taken: TransferLot[] = [];
  let skip = offset;
  let left = count;
  for (const lot of lots) {
    if (left === 0) break;
    const fromLot = Math.min(Math.max(lot.quantity - skip, 0), left);
    skip = Math.max(skip - lot.quantity, 0);
    if (fromLot === 0) continue;
    left -= fromLot;
    const same = taken.find((t) => t.unitCostCents === lot.unitCostCents && t.ownerId === lot.ownerId);
    if (same) same.quantity += fromLot;
    else taken.push({ quantity: fromLot, unitCostCents: lot.unitCostCents, ownerId: lot.ownerId });
  }
  if (left > 0) throw new Error(`the shipped lots hold ${count - left} of the ${count} units asked after ${offset}`);
  return taken;
}

async function lockTransfer(trx: Knex.Transaction, transferId: string): Promise<{ transfer: TransferRow; lines: LineRow[] }> {
  const transfer: TransferRow | undefined = await trx('transfers').where({ id: transferId }).forUpdate().first();
  if (!transfer) throw new Error(`transfer ${transferId} not found`);
  const lines: LineRow[] = await trx('transfer_lines').where({ transfer_id: transferId }).orderBy('line_no');
  return { transfer, lines };
}

const progressOf = (transfer: TransferRow, lines: LineRow[]): TransferProgress => ({
  status: transfer.status,
  lines: lineStates(lines),
  ...(transfer.deadline ? { deadline: new Date(transfer.deadline).toISOString() } : {}),
});

/** The destination's level row, made at 0 if the SKU was never stocked there, and locked. */
async function lockDestinationLevel(trx: Knex.Transaction, sku: string, locationId: string): Promise<void> {
  await trx('inventory_levels').insert({ sku, location_id: locationId }).onConflict(['sku', 'location_id']).ignore();
  await trx('inventory_levels').where({ sku, location_id: locationId }).forUpdate().first('sku');
}

export function transferActivities(db: Knex, wake: StockWaker) {
  return {
    /**
     * Ships a RESERVED transfer, once (guarded by its status on the locked row): per line the hold
     * and the units leave the source (ledger transfer_out, FIFO layers consumed, their lots kept on
     * the line) and count as in transit at the destination; the deadline starts now.
     */
    async shipTransfer(input: { transferId: string; by?: string }): Promise<TransferProgress> {
      return db.transaction(async (trx) => {
        const { transfer, lines } = await lockTransfer(trx, input.transferId);
        if (transfer.status !== 'RESERVED') return progressOf(transfer, lines);
        // Level rows in (sku, location) order, as every writer locks them.
        const levels = bySku(lines).flatMap((line) =>
          [transfer.from_location_id, transfer.to_location_id].sort().map((locationId) => ({ sku: line.sku, locationId })),
        );
        for (const level of levels) {
          if (level.locationId === transfer.to_location_id) await lockDestinationLevel(trx, level.sku, level.locationId);
          else await trx('inventory_levels').where({ sku: level.sku, location_id: level.locationId }).forUpdate().first('sku');
        }
        for (const line of bySku(lines)) {
          await trx('inventory_levels')
            .where({ sku: line.sku, location_id: transfer.from_location_id })
            .update({ on_hand: trx.raw('on_hand - ?', [line.quantity]), reserved: trx.raw('reserved - ?', [line.quantity]), updated_at: trx.fn.now() });
          const [movement] = await trx('inventory_movements')
            .insert({
              sku: line.sku,
              location_id: transfer.from_location_id,
              quantity: -line.quantity,
              kind: 'transfer_out',
              reference_type: 'transfer',
              reference_id: transfer.id,
              idempotency_key: `transfer:${transfer.id}:${line.line_no}:out`,
            })
            .returning('id');
          const movementId = Number(movement.id);
          const { consumed } = await consumeLayers(trx, { movementId, sku: line.sku, locationId: transfer.from_location_id, quantity: line.quantity });
          const lots: TransferLot[] = consumed.map((c) => ({ quantity: c.quantity, unitCostCents: c.unitCostCents, ownerId: c.ownerId }));
          await trx('transfer_lines')
            .where({ transfer_id: transfer.id, line_no: line.line_no })
            .update({ shipped: line.quantity, shipped_lots: JSON.stringify(lots), out_movement_id: movementId });
          await trx('inventory_levels')
            .where({ sku: line.sku, location_id: transfer.to_location_id })
            .update({ in_transit: trx.raw('in_transit + ?', [line.quantity]), updated_at: trx.fn.now() });
        }
        const [shipped] = await trx('transfers')
          .where({ id: transfer.id })
          .update({
            status: 'IN_TRANSIT',
            shipped_at: trx.fn.now(),
            deadline: trx.raw('now() + make_interval(secs => receive_within_seconds)'),
            updated_at: trx.fn.now(),
          })
          .returning('*');
        return progressOf(shipped, await trx('transfer_lines').where({ transfer_id: transfer.id }));
      });
    },

    /**
     * Cancels a RESERVED transfer, once (guarded by its status on the locked row): its hold leaves
     * the source's reserved, in sku order as every writer locks levels; nothing moved, so no ledger row.
     */
    async cancelTransfer(input: { transferId: string; by?: string; reason?: string }): Promise<TransferProgress> {
      return db.transaction(async (trx) => {
        const { transfer, lines } = await lockTransfer(trx, input.transferId);
        if (transfer.status !== 'RESERVED') return progressOf(transfer, lines);
        for (const line of bySku(lines)) {
          await trx('inventory_levels')
            .where({ sku: line.sku, location_id: transfer.from_location_id })
            .update({ reserved: trx.raw('reserved - ?', [line.quantity]), updated_at: trx.fn.now() });
        }
        const [cancelled] = await trx('transfers')
          .where({ id: transfer.id })
          .update({
            status: 'CANCELLED',
            cancelled_by: input.by ?? null,
            cancel_reason: input.reason ?? null,
            closed_at: trx.fn.now(),
            updated_at: trx.fn.now(),
          })
          .returning('*');
        return progressOf(cancelled, lines);
      });
    },

    /** Units a cancelled transfer released at the source are offered to the orders waiting for them. */
    async wakeForTransferRelease(input: { transferId: string; skus: string[] }): Promise<void> {
      await wake(`transfer:${input.transferId}:cancelled`, input.skus);
    },

    /**
     * Puts receipt `receiptNo` of an IN_TRANSIT transfer into the destination's stock, once (its ledger
     * rows' keys say whether it was): per line a transfer_in row and the FIFO layers the units left
     * with. Receiving everything shipped closes the transfer RECEIVED.
     */
    async receiveTransfer(input: { transferId: string; receiptNo: number; lines: { sku: string; quantity: number }[] }): Promise<TransferProgress> {
      return db.transaction(async (trx) => {
        const { transfer, lines } = await lockTransfer(trx, input.transferId);
        const keyOf = (lineNo: number) => `transfer:${transfer.id}:${lineNo}:in:${input.receiptNo}`;
        const byLine = new Map(lines.map((line) => [line.sku, line]));
        const received = input.lines.filter((line) => line.quantity > 0).map((line) => ({ ...line, row: byLine.get(line.sku)! }));
        const done = await trx('inventory_movements').whereIn('idempotency_key', received.map((line) => keyOf(line.row.line_no))).first('id');
        if (done || transfer.status !== 'IN_TRANSIT') return progressOf(transfer, lines);
        for (const line of bySku(received)) {
          const { row } = line;
          if (row.received + row.written_off + line.quantity > row.shipped) {
            throw ApplicationFailure.nonRetryable(
              `transfer ${transfer.id} ${row.sku}: receiving ${line.quantity} exceeds the ${row.shipped - row.received - row.written_off} in transit`,
              TransferRefusal.exceedsShipped,
            );
          }
          await lockDestinationLevel(trx, row.sku, transfer.to_location_id);
          await trx('inventory_levels')
            .where({ sku: row.sku, location_id: transfer.to_location_id })
            .update({ on_hand: trx.raw('on_hand + ?', [line.quantity]), in_transit: trx.raw('in_transit - ?', [line.quantity]), updated_at: trx.fn.now() });
          const [movement] = await trx('inventory_movements')
            .insert({
              sku: row.sku,
              location_id: transfer.to_location_id,
              quantity: line.quantity,
              kind: 'transfer_in',
              reference_type: 'transfer',
              reference_id: transfer.id,
              idempotency_key: keyOf(row.line_no),
            })
            .returning('id');
          for (const lot of lotsBetween(row.shipped_lots ?? [], row.received, line.quantity)) {
            await addLayer(trx, { movementId: Number(movement.id), sku: row.sku, locationId: transfer.to_location_id, ...lot });
          }
          await trx('transfer_lines').where({ transfer_id: transfer.id, line_no: row.line_no }).increment('received', line.quantity);
        }
        const after: LineRow[] = await trx('transfer_lines').where({ transfer_id: transfer.id });
        const complete = after.every((line) => line.received === line.shipped);
        const [updated] = await trx('transfers')
          .where({ id: transfer.id })
          .update({ status: complete ? 'RECEIVED' : 'IN_TRANSIT', updated_at: trx.fn.now(), ...(complete ? { closed_at: trx.fn.now() } : {}) })
          .returning('*');
        return progressOf(updated, after);
      });
    },

    /**
     * The deadline passed: what has not arrived is written off as lost_in_transit (it left the
     * source's on_hand and its layers when shipped, so no ledger row moves; its cost is recorded on
     * the line) and the transfer closes CLOSED_SHORT. A no-op once it is closed.
     */
    async writeOffTransferShortfall(input: { transferId: string }): Promise<TransferProgress> {
      return db.transaction(async (trx) => {
        const { transfer, lines } = await lockTransfer(trx, input.transferId);
        if (transfer.status !== 'IN_TRANSIT') return progressOf(transfer, lines);
        for (const line of bySku(lines)) {
          const shortfall = line.shipped - line.received - line.written_off;
          if (shortfall === 0) continue;
          const lots = lotsBetween(line.shipped_lots ?? [], line.received + line.written_off, shortfall);
          const cost = lots.reduce((sum, lot) => sum + (lot.ownerId === null ? lot.quantity * lot.unitCostCents : 0), 0);
          await lockDestinationLevel(trx, line.sku, transfer.to_location_id);
          await trx('inventory_levels')
            .where({ sku: line.sku, location_id: transfer.to_location_id })
            .update({ in_transit: trx.raw('in_transit - ?', [shortfall]), updated_at: trx.fn.now() });
          await trx('transfer_lines')
            .where({ transfer_id: transfer.id, line_no: line.line_no })
            .update({ written_off: line.written_off + shortfall, written_off_cost_cents: cost });
        }
        const [closed] = await trx('transfers')
          .where({ id: transfer.id })
          .update({ status: 'CLOSED_SHORT', write_off_reason: TRANSFER_WRITE_OFF_REASON, closed_at: trx.fn.now(), updated_at: trx.fn.now() })
          .returning('*');
        return progressOf(closed, await trx('transfer_lines').where({ transfer_id: transfer.id }));
      });
    },

    /** Units a receipt brought into sellable stock are offered to the orders waiting for them, oldest first. */
    async wakeForTransferReceipt(input: { transferId: string; receiptNo: number; skus: string[] }): Promise<void> {
      const destination = await db('transfers as t').join('locations as loc', 'loc.id', 't.to_location_id').where('t.id', input.transferId).first('loc.kind');
      if (destination?.kind === 'quarantine') return;
      await wake(`transfer:${input.transferId}:${input.receiptNo}`, input.skus);
    },
  };
}

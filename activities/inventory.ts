import type { Knex } from 'knex';
import { allocate, StockAtLocation } from '../domain/allocation';
import type { FulfillmentMode, LineQuantity } from '../domain/types';
import type { PickLine } from '../workflows/definitions';
import type { StockWaker } from './backorders';

export interface ReserveStockInput {
  orderId: string;
  /** 1 for the order's first attempt, then one more per backorder wake-up. */
  allocationNo: number;
  lines: LineQuantity[];
  allowPartial: boolean;
}

export interface AllocatedShipment {
  locationId: string;
  fulfillmentMode: FulfillmentMode;
  lines: PickLine[];
}

export interface ReservationResult {
  allocations: AllocatedShipment[];
  shortfall: LineQuantity[];
}

export function inventoryActivities(db: Knex, wake: StockWaker) {
  return {
    /**
     * Allocates and reserves in one transaction: all lines or, with allowPartial, what is there.
     * The order's row is locked first, so a timed-out attempt still running and its retry queue up
     * and the second finds the first's reservations. Stock is read without locks and taken with one
     * conditional UPDATE per (sku, location), in that order: a hot SKU's row is held only from its
     * UPDATE to the commit, and the CHECK on inventory_levels makes overselling impossible anyway.
     */
    async reserveStock(input: ReserveStockInput): Promise<ReservationResult> {
      return db.transaction(async (trx) => {
        await trx('orders').where({ id: input.orderId }).forUpdate().first('id');
        const existing = await trx('reservations').where({ order_id: input.orderId, allocation_no: input.allocationNo }).first('id');
        if (!existing) await reserveAvailable(trx, input);
        return reservationResult(trx, input);
      });
    },

    /** Gives back what an order still holds, and wakes the orders waiting for those SKUs. */
    async releaseReservations(input: { orderId: string }): Promise<number> {
      const units = await db.transaction((trx) => releaseActive(trx, input.orderId));
      await wake(`release:${input.orderId}`, await reservedSkus(db, { order_id: input.orderId }));
      return units;
    },
  };
}

/**
 * The SKUs an order (or one shipment) ever reserved. Wakes are keyed by what was released, not by
 * what this attempt released: a retry after a crash between the release and the wake still wakes.
 */
export async function reservedSkus(db: Knex, where: { order_id: string } | { shipment_id: string }): Promise<string[]> {
  return db('reservations').where(where).distinct().pluck('sku');
}

/** Tries the plan again when another order took the stock between the read and the UPDATE. */
const RESERVE_ATTEMPTS = 20;

class StockMoved extends Error {}

async function reserveAvailable(trx: Knex.Transaction, input: ReserveStockInput): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const plan = allocate(input.lines, await readStock(trx, input.lines.map((line) => line.sku)), input.allowPartial);
    const takes = plan.allocations
      .flatMap((allocation) => allocation.lines.map((line) => ({ ...line, locationId: allocation.locationId })))
      .sort((a, b) => (a.sku === b.sku ? a.locationId.localeCompare(b.locationId) : a.sku < b.sku ? -1 : 1));
    try {
      // A savepoint: a plan that loses a race undoes its earlier takes and is planned again.
      await trx.transaction(async (savepoint) => {
        for (const take of takes) {
          const taken = await savepoint('inventory_levels')
            .where({ sku: take.sku, location_id: take.locationId })
            .andWhereRaw('on_hand - reserved >= ?', [take.quantity])
            .update({ reserved: savepoint.raw('reserved + ?', [take.quantity]), updated_at: savepoint.fn.now() })
            .returning('sku');
          if (taken.length === 0) throw new StockMoved();
        }
        if (takes.length > 0) {
          await savepoint('reservations').insert(
            takes.map((take) => ({
              order_id: input.orderId,
              allocation_no: input.allocationNo,
              line_no: take.lineNo,
              sku: take.sku,
              location_id: take.locationId,
              quantity: take.quantity,
            })),
          );
        }
      });
      return;
    } catch (error) {
      if (!(error instanceof StockMoved) || attempt >= RESERVE_ATTEMPTS) throw error;
    }
  }
}

export async function releaseActive(trx: Knex.Transaction, orderId: string, shipmentId?: string): Promise<number> {
  const query = trx('reservations').where({ order_id: orderId, status: 'active' });
  if (shipmentId) query.andWhere({ shipment_id: shipmentId });
  const active = await query.orderBy(['sku', 'location_id']).forUpdate();
  for (const reservation of active) {
    await trx('inventory_levels')
      .where({ sku: reservation.sku, location_id: reservation.location_id })
      .decrement('reserved', reservation.quantity);
    await trx('reservations').where({ id: reservation.id }).update({ status: 'released', updated_at: trx.fn.now() });
  }
  return active.reduce((units, reservation) => units + reservation.quantity, 0);
}

/** Available stock per active location, read without locks: the conditional UPDATE decides. */
async function readStock(trx: Knex.Transaction, skus: string[]): Promise<StockAtLocation[]> {
  const rows = await trx('inventory_levels as l')
    .join('locations as loc', 'loc.id', 'l.location_id')
    .whereIn('l.sku', skus)
    .andWhere('loc.active', true)
    .select('l.sku', 'l.location_id', 'l.on_hand', 'l.reserved', 'loc.priority');
  const byLocation = new Map<string, StockAtLocation>();
  for (const row of rows) {
    const location: StockAtLocation = byLocation.get(row.location_id) ?? {
      locationId: row.location_id,
      priority: row.priority,
      available: {},
    };
    location.available[row.sku] = row.on_hand - row.reserved;
    byLocation.set(row.location_id, location);
  }
  return [...byLocation.values()];
}

/** Builds the answer from what is stored, so the first run and a retry answer alike. */
async function reservationResult(trx: Knex.Transaction, input: ReserveStockInput): Promise<ReservationResult> {
  const rows = await trx('reservations as r')
    .join('locations as loc', 'loc.id', 'r.location_id')
    .join('products as p', 'p.sku', 'r.sku')
    .leftJoin('bin_assignments as b', function joinBin() {
      this.on('b.sku', 'r.sku').andOn('b.location_id', 'r.location_id');
    })
    .where({ 'r.order_id': input.orderId, 'r.allocation_no': input.allocationNo })
    .orderBy([{ column: 'loc.priority' }, { column: 'r.location_id' }])
    .select('r.line_no', 'r.sku', 'r.quantity', 'r.location_id', 'loc.fulfillment_mode', 'p.upc', 'p.name', 'b.bin_code');

  const allocations = new Map<string, AllocatedShipment>();
  const reservedByLine = new Map<number, number>();
  for (const row of rows) {
    const allocation: AllocatedShipment = allocations.get(row.location_id) ?? {
      locationId: row.location_id,
      fulfillmentMode: row.fulfillment_mode,
      lines: [],
    };
    allocation.lines.push({
      lineNo: row.line_no,
      sku: row.sku,
      upc: row.upc,
      name: row.name,
      bin: row.bin_code ?? null,
      quantity: row.quantity,
    });
    allocations.set(row.location_id, allocation);
    reservedByLine.set(row.line_no, (reservedByLine.get(row.line_no) ?? 0) + row.quantity);
  }
  for (const allocation of allocations.values()) allocation.lines.sort(byBinThenLine);

  const shortfall = input.lines
    .map((line) => ({ ...line, quantity: line.quantity - (reservedByLine.get(line.lineNo) ?? 0) }))
    .filter((line) => line.quantity > 0);
  return { allocations: [...allocations.values()], shortfall };
}

/** Pick order: by bin code, so the picker walks the aisles once; lines without a bin come last. */
function byBinThenLine(a: PickLine, b: PickLine): number {
  if (a.bin !== b.bin) {
    if (a.bin === null) return 1;
    if (b.bin === null) return -1;
    return a.bin.localeCompare(b.bin);
  }
  return a.lineNo - b.lineNo;
}

import type { Knex } from 'knex';
import { allocate, StockAtLocation } from '../domain/allocation';
import type { FulfillmentMode, LineQuantity } from '../domain/types';
import type { PickLine } from '../workflows/definitions';

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

export function inventoryActivities(db: Knex) {
  return {
    /**
     * Allocates and reserves in one transaction: all lines or, with allowPartial, what is there.
     * Level rows are locked in (sku, location) order so concurrent orders queue instead of
     * deadlocking, and the CHECK on inventory_levels makes overselling impossible even if a bug
     * slipped through. A retry finds the reservations of its allocationNo and returns them.
     */
    async reserveStock(input: ReserveStockInput): Promise<ReservationResult> {
      return db.transaction(async (trx) => {
        const existing = await trx('reservations').where({ order_id: input.orderId, allocation_no: input.allocationNo });
        if (existing.length === 0) {
          const stock = await lockStock(trx, input.lines.map((line) => line.sku));
          const plan = allocate(input.lines, stock, input.allowPartial);
          for (const allocation of plan.allocations) {
            for (const line of allocation.lines) {
              await trx('inventory_levels')
                .where({ sku: line.sku, location_id: allocation.locationId })
                .increment('reserved', line.quantity);
              await trx('reservations').insert({
                order_id: input.orderId,
                allocation_no: input.allocationNo,
                line_no: line.lineNo,
                sku: line.sku,
                location_id: allocation.locationId,
                quantity: line.quantity,
              });
            }
          }
        }
        return reservationResult(trx, input);
      });
    },

    /** Gives back what an order (or one of its shipments) still holds. Only active rows move. */
    async releaseReservations(input: { orderId: string; shipmentId?: string }): Promise<number> {
      return db.transaction((trx) => releaseActive(trx, input.orderId, input.shipmentId));
    },
  };
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

async function lockStock(trx: Knex.Transaction, skus: string[]): Promise<StockAtLocation[]> {
  const rows = await trx('inventory_levels as l')
    .join('locations as loc', 'loc.id', 'l.location_id')
    .whereIn('l.sku', skus)
    .andWhere('loc.active', true)
    .orderBy([{ column: 'l.sku' }, { column: 'l.location_id' }])
    .forUpdate('l')
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

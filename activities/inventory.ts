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
     * Allocates and reserves all lines or, with allowPartial, what is there. Stock is read without
     * locks, planned here (domain/allocation.ts), and taken by reserve_stock in one statement
     * (migration 009): all or nothing, idempotent per (order, allocationNo), and a hot SKU's row is
     * locked only inside the server. The CHECK on inventory_levels makes overselling impossible anyway.
     * The answer is built from the reservations reserve_stock answers with: what is stored.
     */
    async reserveStock(input: ReserveStockInput): Promise<ReservationResult> {
      return reservationResult(input, await reserveAvailable(db, input));
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
/** reserve_stock's SQLSTATE for a plan whose stock another order took meanwhile. */
const STOCK_MOVED = 'OM001';

/** A stored reservation of the allocation, with what its pick list needs (reserve_stock's rows). */
interface ReservedRow {
  line_no: number;
  sku: string;
  quantity: number;
  location_id: string;
  fulfillment_mode: FulfillmentMode;
  upc: string;
  name: string;
  bin_code: string | null;
}

async function reserveAvailable(db: Knex, input: ReserveStockInput): Promise<ReservedRow[]> {
  for (let attempt = 1; ; attempt++) {
    const plan = allocate(input.lines, await readStock(db, input.lines.map((line) => line.sku)), input.allowPartial);
    const takes = plan.allocations.flatMap((allocation) =>
      allocation.lines.map((line) => ({ line_no: line.lineNo, sku: line.sku, location_id: allocation.locationId, quantity: line.quantity })),
    );
    // No takes (no stock, or a retry whose first attempt took it) still answers with what is stored.
    try {
      const reserved = await db.raw('SELECT * FROM reserve_stock(?, ?, ?::jsonb)', [input.orderId, input.allocationNo, JSON.stringify(takes)]);
      return reserved.rows;
    } catch (error) {
      if ((error as { code?: string }).code !== STOCK_MOVED || attempt >= RESERVE_ATTEMPTS) throw error;
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

/** Available stock per active location (quarantine is never allocated), read without locks: the conditional UPDATE decides. */
async function readStock(db: Knex, skus: string[]): Promise<StockAtLocation[]> {
  const rows = await db('inventory_levels as l')
    .join('locations as loc', 'loc.id', 'l.location_id')
    .whereIn('l.sku', skus)
    .andWhere('loc.active', true)
    .andWhereNot('loc.kind', 'quarantine')
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

/** Shipments by location (in allocation priority order) and what is still short per line. */
function reservationResult(input: ReserveStockInput, rows: ReservedRow[]): ReservationResult {
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

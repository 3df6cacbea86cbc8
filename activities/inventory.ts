import type { Knex } from 'knex';
import { loadKitRecipes } from '../db/kits';
import { allocate, StockAtLocation } from '../domain/allocation';
import { type KitRecipes, stockDemand, stockedComponents } from '../domain/kits';
import type { FulfillmentMode, LineQuantity } from '../domain/types';
import type { PickLine } from '../workflows/definitions';
import { anyAvailable, type StockWaker } from './backorders';

export interface ReserveStockInput {
  orderId: string;
  /** 1 for the order's first attempt, then one more per backorder wake-up. */
  allocationNo: number;
  lines: LineQuantity[];
  allowPartial: boolean;
  /**
   * The re-check right after an order records BACKORDERED: when an older order waits for these
   * SKUs, take nothing and start a wake-up instead, which offers the stock oldest first (this
   * order included, as it is BACKORDERED by now).
   */
  yieldToOlderWaiters?: boolean;
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
     * A kit line reserves its stocked components (one row each under the kit's line), in whole kits.
     */
    async reserveStock(input: ReserveStockInput): Promise<ReservationResult> {
      const kits = await loadKitRecipes(db, input.lines.map((line) => line.sku));
      if (input.yieldToOlderWaiters && (await olderOrderWaits(db, input))) {
        // Nothing to take means nothing to offer: the next receipt or release wakes them all anyway.
        const stocked = Object.keys(stockDemand(input.lines, kits));
        if (await anyAvailable(db, stocked)) await wake(`recheck:${input.orderId}:${input.allocationNo}`, stocked);
        return { allocations: [], shortfall: input.lines };
      }
      const rows = await reserveAvailable(db, input, kits);
      return reservationResult(input, rows, await kitProducts(db, Object.keys(kits)), binWalk(rows));
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

/**
 * Whether an order placed before this one is BACKORDERED for any of its SKUs, and this allocation
 * has reserved nothing yet (a retry of an attempt that did reserve answers with what it took).
 */
async function olderOrderWaits(db: Knex, input: ReserveStockInput): Promise<boolean> {
  const skus = input.lines.map((line) => line.sku);
  const row = await db('orders as o')
    .join('orders as me', 'me.id', db.raw('?', [input.orderId]))
    .where('o.status', 'BACKORDERED')
    .whereRaw('(o.created_at, o.id) < (me.created_at, me.id)')
    .whereExists(db('order_lines as ol').whereRaw('ol.order_id = o.id').whereIn('ol.sku', skus))
    .whereNotExists(db('reservations').where({ order_id: input.orderId, allocation_no: input.allocationNo }))
    .first('o.id');
  return Boolean(row);
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
  /** The bin's place in the location's walking order. */
  bin_sequence: number | null;
  /** A kit line's component: its units in one kit. */
  units_per_kit: number | null;
}

/** One row reserve_stock takes: units of a stocked sku for an order line at a location. */
interface Take {
  line_no: number;
  sku: string;
  location_id: string;
  quantity: number;
  units_per_kit: number | null;
}

async function reserveAvailable(db: Knex, input: ReserveStockInput, kits: KitRecipes): Promise<ReservedRow[]> {
  const stocked = Object.keys(stockDemand(input.lines, kits));
  for (let attempt = 1; ; attempt++) {
    const plan = allocate(input.lines, await readStock(db, stocked), input.allowPartial, kits);
    const takes = plan.allocations.flatMap((allocation) =>
      allocation.lines.flatMap((line): Take[] => {
        const location_id = allocation.locationId;
        if (!kits[line.sku]) return [{ line_no: line.lineNo, sku: line.sku, location_id, quantity: line.quantity, units_per_kit: null }];
        return stockedComponents(line.sku, kits).map((component) => ({
          line_no: line.lineNo,
          sku: component.sku,
          location_id,
          quantity: line.quantity * component.quantity,
          units_per_kit: component.quantity,
        }));
      }),
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

interface KitProduct {
  sku: string;
  upc: string;
  name: string;
}

async function kitProducts(db: Knex, skus: string[]): Promise<Map<string, KitProduct>> {
  const rows: KitProduct[] = skus.length === 0 ? [] : await db('products').whereIn('sku', skus).select('sku', 'upc', 'name');
  return new Map(rows.map((row) => [row.sku, row]));
}

/**
 * Shipments by location (in allocation priority order) and what is still short per line. A kit
 * line's component rows become one pick line of the kit, in kits, with its components under it.
 */
function reservationResult(
  input: ReserveStockInput,
  rows: ReservedRow[],
  kits: Map<string, KitProduct>,
  walk: BinWalk,
): ReservationResult {
  const allocations = new Map<string, AllocatedShipment>();
  const reservedByLine = new Map<number, number>();
  const skuOfLine = new Map(input.lines.map((line) => [line.lineNo, line.sku]));
  for (const row of rows) {
    const allocation: AllocatedShipment = allocations.get(row.location_id) ?? {
      locationId: row.location_id,
      fulfillmentMode: row.fulfillment_mode,
      lines: [],
    };
    allocations.set(row.location_id, allocation);
    const bin = row.bin_code ?? null;
    if (row.units_per_kit === null) {
      allocation.lines.push({ lineNo: row.line_no, sku: row.sku, upc: row.upc, name: row.name, bin, quantity: row.quantity });
      reservedByLine.set(row.line_no, (reservedByLine.get(row.line_no) ?? 0) + row.quantity);
      continue;
    }
    const component = { sku: row.sku, upc: row.upc, name: row.name, bin, quantity: row.quantity, unitsPerKit: row.units_per_kit };
    const kitsOfRow = row.quantity / row.units_per_kit;
    const existing = allocation.lines.find((line) => line.lineNo === row.line_no);
    if (existing) {
      existing.components!.push(component);
      continue;
    }
    const kit = kits.get(skuOfLine.get(row.line_no)!)!;
    allocation.lines.push({ lineNo: row.line_no, sku: kit.sku, upc: kit.upc, name: kit.name, bin: null, quantity: kitsOfRow, components: [component] });
    reservedByLine.set(row.line_no, (reservedByLine.get(row.line_no) ?? 0) + kitsOfRow);
  }
  for (const allocation of allocations.values()) {
    const rank = walkRank(walk, allocation.locationId);
    allocation.lines.sort((a, b) => byBinThenLine(a, b, rank));
    for (const line of allocation.lines) line.components?.sort((a, b) => byBinThenSku(a, b, rank));
  }

  const shortfall = input.lines
    .map((line) => ({ ...line, quantity: line.quantity - (reservedByLine.get(line.lineNo) ?? 0) }))
    .filter((line) => line.quantity > 0);
  return { allocations: [...allocations.values()], shortfall };
}

/** Each reserved bin's place in its location's walking order (bins.sequence, then code), keyed by location and code. */
type BinWalk = Map<string, number>;
const walkKey = (locationId: string, bin: string) => `${locationId}\u0000${bin}`;

/** Each bin's place in the walk at its location: its sequence, then its code. */
function binWalk(rows: ReservedRow[]): BinWalk {
  const binned = rows
    .filter((row) => row.bin_code !== null)
    .sort((a, b) => (a.bin_sequence ?? 0) - (b.bin_sequence ?? 0) || a.bin_code!.localeCompare(b.bin_code!));
  return new Map(binned.map((row, place) => [walkKey(row.location_id, row.bin_code!), place]));
}

/** A bin's place in the walk at this location; lines without a bin come last. */
function walkRank(walk: BinWalk, locationId: string): (bin: string | null) => number {
  return (bin) => (bin === null ? Number.MAX_SAFE_INTEGER : (walk.get(walkKey(locationId, bin)) ?? Number.MAX_SAFE_INTEGER));
}

/** Pick order: the bins' walking order, so the picker walks the aisles once; lines without a bin come last. */
function byBinThenLine(a: PickLine, b: PickLine, rank: (bin: string | null) => number): number {
  return rank(a.bin) - rank(b.bin) || a.lineNo - b.lineNo;
}

function byBinThenSku(
  a: { bin: string | null; sku: string },
  b: { bin: string | null; sku: string },
  rank: (bin: string | null) => number,
): number {
  return rank(a.bin) - rank(b.bin) || a.sku.localeCompare(b.sku);
}

import type { Knex } from 'knex';
import { addLayer, consumeLayers, productCost } from './cost-layers';
import type { ReturnDisposition } from '../domain/types';
import type { ReceivedLine } from '../workflows/definitions';
import type { StockWaker } from './backorders';

export interface ReceiveReturnInput {
  returnId: string;
  orderId: string;
  /** The warehouse that received the parcel: restocked units go back on its shelves. */
  locationId: string;
  /** Lines left out arrived with no units. */
  lines: ReceivedLine[];
}

export function returnReceiptActivities(db: Knex, wake: StockWaker) {
  return {
    /**
     * Receipt and inspection in one transaction, once per return (guarded by received_at on the
     * locked row; each ledger row has its own key too): restocked units back to sellable stock,
     * damaged ones into the warehouse's quarantine, scrapped ones through quarantine and written
     * off; the return and order lines count them. Then the orders waiting for restocked SKUs are woken.
     */
    async receiveReturn(input: ReceiveReturnInput): Promise<void> {
      const restockedSkus = await db.transaction(async (trx) => {
        const row = await trx('returns').where({ id: input.returnId }).forUpdate().first('received_at');
        if (!row.received_at) await putAway(trx, input);
        // The stocked skus put back (a kit's components, not the kit).
        return trx('inventory_movements')
          .where({ reference_type: 'return', reference_id: input.returnId, kind: 'return', reason_code: 'restock' })
          .distinct()
          .pluck('sku') as Promise<string[]>;
      });
      await wake(`return:${input.returnId}`, restockedSkus);
    },
  };
}

async function putAway(trx: Knex.Transaction, input: ReceiveReturnInput): Promise<void> {
  const returned: { line_no: number; sku: string }[] = await trx('return_lines').where({ return_id: input.returnId }).select('line_no', 'sku');
  const lines: (StockedPart & { line_no: number; restock: number; damaged: number; scrap: number })[] = [];
  for (const line of returned) {
    const { restock, damaged, scrap } = input.lines.find((received) => received.lineNo === line.line_no) ?? { restock: 0, damaged: 0, scrap: 0 };
    const received = restock + damaged + scrap;
    await trx('return_lines')
      .where({ return_id: input.returnId, line_no: line.line_no })
      .update({ qty_received: received, qty_restocked: restock, qty_damaged: damaged, qty_scrapped: scrap });
    if (received === 0) continue;
    await trx('order_lines').where({ order_id: input.orderId, line_no: line.line_no }).increment('qty_returned', received);
    for (const part of await stockedParts(trx, input.orderId, line.line_no, line.sku)) {
      lines.push({ ...part, line_no: line.line_no, restock: restock * part.perUnit, damaged: damaged * part.perUnit, scrap: scrap * part.perUnit });
    }
  }
  // Sku order: level rows are locked in the order reservations and receipts lock them, so they never deadlock.
  lines.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  let quarantine: string | undefined;
  for (const line of lines) {
    const { restock, damaged, scrap } = line;
    const unitCostCents = line.kitSku ? await productCost(trx, line.sku) : await costLeftWith(trx, input.orderId, line.line_no, line.sku);
    // A kit line's components each have their own keys.
    const keyOf = (disposition: string) => `return:${input.returnId}:${line.line_no}:${line.kitSku ? `${line.sku}:` : ''}${disposition}`;
    const move = (locationId: string, disposition: ReturnDisposition, quantity: number) =>
      moveStock(trx, {
        sku: line.sku,
        locationId,
        quantity,
        kind: 'return',
        reasonCode: disposition,
        returnId: input.returnId,
        key: keyOf(disposition),
        unitCostCents,
      });
    if (restock > 0) await move(input.locationId, 'restock', restock);
    if (damaged + scrap === 0) continue;
    quarantine ??= await quarantineOf(trx, input.locationId);
    if (damaged > 0) await move(quarantine, 'damaged', damaged);
    if (scrap > 0) {
      await move(quarantine, 'scrap', scrap);
      await moveStock(trx, {
        sku: line.sku,
        locationId: quarantine,
        quantity: -scrap,
        kind: 'adjustment',
        reasonCode: 'scrap',
        returnId: input.returnId,
        key: keyOf('scrap:write-off'),
        unitCostCents,
      });
    }
  }
  await trx('returns').where({ id: input.returnId }).update({ received_at: trx.fn.now(), updated_at: trx.fn.now() });
}

/** A stocked sku an order line's returned units are put back as, and its units per returned unit. */
interface StockedPart {
  sku: string;
  perUnit: number;
  /** Set when the line is a kit: the stock comes back as its components. */
  kitSku?: string;
}

/**
 * A kit line comes back as the components it shipped as, by the recipe its reservations recorded
 * (the kit may have changed since); any other line as its own sku.
 */
async function stockedParts(trx: Knex.Transaction, orderId: string, lineNo: number, sku: string): Promise<StockedPart[]> {
  const components: { sku: string; units_per_kit: number }[] = await trx('reservations')
    .where({ order_id: orderId, line_no: lineNo, status: 'consumed' })
    .whereNotNull('units_per_kit')
    .groupBy('sku')
    .orderBy('sku')
    .select('sku', trx.raw('max(units_per_kit)::integer AS units_per_kit'));
  if (components.length === 0) return [{ sku, perUnit: 1 }];
  return components.map((component) => ({ sku: component.sku, perUnit: component.units_per_kit, kitSku: sku }));
}

/**
 * What one unit of the order line cost when it left: its shipments' COGS per unit (whole cents), or
 * the product's cost when none was recorded. Returned units come back as our own stock at that cost.
 */
async function costLeftWith(trx: Knex.Transaction, orderId: string, lineNo: number, sku: string): Promise<number> {
  const shipped = await trx('shipment_lines as sl')
    .join('shipments as s', 's.id', 'sl.shipment_id')
    .where({ 's.order_id': orderId, 'sl.line_no': lineNo })
    .whereNotNull('sl.cogs_cents')
    .first(trx.raw('sum(sl.cogs_cents) as cogs'), trx.raw('sum(sl.quantity) as units'));
  if (shipped?.units > 0) return Math.round(shipped.cogs / shipped.units);
  return productCost(trx, sku);
}

/**
 * One ledger row, the on_hand it changes (units coming in create the level row on first use) and
 * its FIFO layers: units in get a layer at `unitCostCents`, units out consume the oldest layers.
 */
async function moveStock(
  trx: Knex.Transaction,
  move: {
    sku: string;
    locationId: string;
    quantity: number;
    kind: 'return' | 'adjustment';
    reasonCode: string;
    returnId: string;
    key: string;
    unitCostCents: number;
  },
): Promise<void> {
  const level = { sku: move.sku, location_id: move.locationId };
  if (move.quantity < 0) {
    await trx('inventory_levels').where(level).update({ on_hand: trx.raw('on_hand + ?', [move.quantity]), updated_at: trx.fn.now() });
  } else {
    await trx('inventory_levels')
      .insert({ ...level, on_hand: move.quantity })
      .onConflict(['sku', 'location_id'])
      .merge({ on_hand: trx.raw('inventory_levels.on_hand + excluded.on_hand'), updated_at: trx.fn.now() });
  }
  const [movement] = await trx('inventory_movements')
    .insert({
      sku: move.sku,
      location_id: move.locationId,
      quantity: move.quantity,
      kind: move.kind,
      reason_code: move.reasonCode,
      reference_type: 'return',
      reference_id: move.returnId,
      idempotency_key: move.key,
    })
    .returning('id');
  const layer = { movementId: movement.id, sku: move.sku, locationId: move.locationId };
  if (move.quantity > 0) await addLayer(trx, { ...layer, quantity: move.quantity, unitCostCents: move.unitCostCents });
  else await consumeLayers(trx, { ...layer, quantity: -move.quantity });
}

/** The warehouse's quarantine location, created on first use: damaged stock lives there, never allocated. */
async function quarantineOf(trx: Knex.Transaction, warehouseId: string): Promise<string> {
  const existing = await trx('locations').where({ parent_location_id: warehouseId, kind: 'quarantine' }).first('id');
  if (existing) return existing.id;
  const warehouse = await trx('locations').where({ id: warehouseId }).first();
  await trx('locations')
    .insert({
      id: `${warehouseId.slice(0, 30)}-Q`,
      name: `${warehouse.name} quarantine`.slice(0, 200),
      kind: 'quarantine',
      fulfillment_mode: warehouse.fulfillment_mode,
      priority: warehouse.priority,
      address: JSON.stringify(warehouse.address),
      parent_location_id: warehouseId,
    })
    .onConflict()
    .ignore();
  const created = await trx('locations').where({ parent_location_id: warehouseId, kind: 'quarantine' }).first('id');
  return created.id;
}

import type { Knex } from 'knex';
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
        return trx('return_lines').where({ return_id: input.returnId }).andWhere('qty_restocked', '>', 0).pluck('sku') as Promise<string[]>;
      });
      await wake(`return:${input.returnId}`, restockedSkus);
    },
  };
}

async function putAway(trx: Knex.Transaction, input: ReceiveReturnInput): Promise<void> {
  const lines: { line_no: number; sku: string }[] = await trx('return_lines').where({ return_id: input.returnId }).select('line_no', 'sku');
  // Sku order: level rows are locked in the order reservations and receipts lock them, so they never deadlock.
  lines.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  let quarantine: string | undefined;
  for (const line of lines) {
    const { restock, damaged, scrap } = input.lines.find((received) => received.lineNo === line.line_no) ?? { restock: 0, damaged: 0, scrap: 0 };
    const received = restock + damaged + scrap;
    await trx('return_lines')
      .where({ return_id: input.returnId, line_no: line.line_no })
      .update({ qty_received: received, qty_restocked: restock, qty_damaged: damaged, qty_scrapped: scrap });
    if (received === 0) continue;
    await trx('order_lines').where({ order_id: input.orderId, line_no: line.line_no }).increment('qty_returned', received);
    const move = (locationId: string, disposition: ReturnDisposition, quantity: number) =>
      moveStock(trx, { sku: line.sku, locationId, quantity, kind: 'return', reasonCode: disposition, returnId: input.returnId, key: `return:${input.returnId}:${line.line_no}:${disposition}` });
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
        key: `return:${input.returnId}:${line.line_no}:scrap:write-off`,
      });
    }
  }
  await trx('returns').where({ id: input.returnId }).update({ received_at: trx.fn.now(), updated_at: trx.fn.now() });
}

/** One ledger row and the on_hand it changes (units coming in create the level row on first use). */
async function moveStock(
  trx: Knex.Transaction,
  move: { sku: string; locationId: string; quantity: number; kind: 'return' | 'adjustment'; reasonCode: string; returnId: string; key: string },
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
  await trx('inventory_movements').insert({
    sku: move.sku,
    location_id: move.locationId,
    quantity: move.quantity,
    kind: move.kind,
    reason_code: move.reasonCode,
    reference_type: 'return',
    reference_id: move.returnId,
    idempotency_key: move.key,
  });
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

import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Address } from '../../domain/types';
import type { DropshipOrderLine } from '../adapter';
import { SCHEMA } from './schema';
import { describeEvent, type DropshipEventStatus, type PlannedEvent } from './timetable';

/** The carrier the sandbox supplier hands its parcels to. */
export const SANDBOX_SUPPLIER_CARRIER = 'sandbox';

export interface StoredOrder {
  supplierOrderId: string;
  reference: string;
  account: string;
  shipTo: Address;
  lines: StoredLine[];
  trackingNumber: string;
  carrier: string;
  createdAt: Date;
  /** When it ships or shipped; null while a `manual` order waits to be shipped. */
  shipsAt: Date | null;
  cancelledAt: Date | null;
}

/** `taken`: the units this line took from a limited stock, given back if the order is cancelled. */
export interface StoredLine extends DropshipOrderLine {
  taken: number;
}

export interface OrderEvent {
  id: string;
  type: 'dropship.shipped' | 'dropship.tracking';
  status: DropshipEventStatus;
  description: string;
  occurredAt: Date;
}

export interface Shortage {
  supplierSku: string;
  requested: number;
  available: number;
}

export type OrderStatus = 'accepted' | 'shipped' | 'cancelled';

/** Orders and stock belong to the client of the API key that wrote them; only a digest of the key is stored. */
export function clientIdFor(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 32);
}

export function statusAt(order: StoredOrder, now: Date): OrderStatus {
  if (order.cancelledAt) return 'cancelled';
  return order.shipsAt && order.shipsAt <= now ? 'shipped' : 'accepted';
}

const orders = (db: Knex) => db.withSchema(SCHEMA).table('orders');
const stock = (db: Knex) => db.withSchema(SCHEMA).table('stock');
const events = (db: Knex) => db.withSchema(SCHEMA).table('events');

const newEventId = (): string => `evt_${randomBytes(12).toString('hex')}`;

export type PlaceOutcome = { outcome: 'placed' | 'existing'; order: StoredOrder } | { outcome: 'out_of_stock'; shortages: Shortage[] };

/**
 * Accepts an order once per idempotency key, taking its units from the stock set for its account
 * (a SKU without stock set is unlimited); a repeated key returns the first order and takes nothing.
 * When any SKU is short the order is refused whole and nothing is taken.
 */
export async function placeOrder(
  db: Knex,
  input: {
    clientId: string;
    idempotencyKey: string;
    reference: string;
    account: string;
    shipTo: Address;
    lines: DropshipOrderLine[];
    now: Date;
    plan: (acceptedAt: Date) => PlannedEvent[];
  },
): Promise<PlaceOutcome> {
  const { clientId, account } = input;
  const wanted = new Map<string, number>();
  for (const line of input.lines) wanted.set(line.supplierSku, (wanted.get(line.supplierSku) ?? 0) + line.quantity);

  return db.transaction(async (trx) => {
    // In a fixed order, so concurrent orders for the same SKUs queue instead of deadlocking.
    const limited: { supplier_sku: string; quantity: number }[] = await stock(trx)
      .where({ client_id: clientId, account })
      .whereIn('supplier_sku', [...wanted.keys()])
      .orderBy('supplier_sku')
      .forUpdate()
      .select('supplier_sku', 'quantity');
    const existing = await orders(trx).where({ client_id: clientId, idempotency_key: input.idempotencyKey }).first();
    if (existing) return { outcome: 'existing', order: toOrder(existing) };

    const available = new Map(limited.map((row) => [row.supplier_sku, row.quantity]));
    const shortages = [...wanted]
      .filter(([sku, requested]) => available.has(sku) && available.get(sku)! < requested)
      .map(([supplierSku, requested]) => ({ supplierSku, requested, available: available.get(supplierSku)! }));
    if (shortages.length > 0) return { outcome: 'out_of_stock', shortages };

    // Each limited SKU's units are taken once, by its first line.
    const takenFor = new Map([...wanted].filter(([sku]) => available.has(sku)));
    const lines: StoredLine[] = input.lines.map((line) => {
      const taken = takenFor.get(line.supplierSku) ?? 0;
      takenFor.delete(line.supplierSku);
      return { ...line, taken };
    });
    const { rows } = await trx.raw<{ rows: { number: string }[] }>(`SELECT nextval('${SCHEMA}.tracking_number_seq')::text AS number`);
    const planned = input.plan(input.now);
    const shipped = planned.find((event) => event.status === 'shipped');
    // A concurrent order with the same key waits here and then inserts nothing.
    const inserted = await orders(trx)
      .insert({
        id: `dso_${randomBytes(12).toString('hex')}`,
        client_id: clientId,
        idempotency_key: input.idempotencyKey,
        reference: input.reference,
        account,
        ship_to: JSON.stringify(input.shipTo),
        lines: JSON.stringify(lines),
        tracking_number: `SUP${rows[0].number.padStart(12, '0')}`,
        carrier: SANDBOX_SUPPLIER_CARRIER,
        created_at: input.now,
        ships_at: shipped?.occurredAt ?? null,
      })
      .onConflict(['client_id', 'idempotency_key'])
      .ignore()
      .returning('*');
    if (inserted.length === 0) {
      return { outcome: 'existing', order: toOrder(await orders(trx).where({ client_id: clientId, idempotency_key: input.idempotencyKey }).first()) };
    }

    for (const line of lines.filter((l) => l.taken > 0)) {
      await stock(trx).where({ client_id: clientId, account, supplier_sku: line.supplierSku }).decrement('quantity', line.taken);
    }
    const order = toOrder(inserted[0]);
    await insertEvents(trx, clientId, order, planned);
    return { outcome: 'placed', order };
  });
}

export async function findOrder(db: Knex, clientId: string, supplierOrderId: string): Promise<StoredOrder | undefined> {
  const row = await orders(db).where({ client_id: clientId, id: supplierOrderId }).first();
  return row && toOrder(row);
}

/** The order's events that have happened by now, oldest first. */
export async function orderHistory(db: Knex, supplierOrderId: string, now: Date): Promise<OrderEvent[]> {
  const rows = await events(db)
    .where({ order_id: supplierOrderId })
    .where('occurred_at', '<=', now)
    .whereNull('cancelled_at')
    .orderBy([{ column: 'occurred_at' }, { column: 'seq' }])
    .select('id', 'type', 'status', 'description', 'occurred_at');
  return rows.map((row) => ({ id: row.id, type: row.type, status: row.status, description: row.description, occurredAt: row.occurred_at }));
}

export type CancelOutcome = 'cancelled' | 'not_found' | 'already_shipped';

/** Cancels an order that has not shipped: its planned events are dropped and its stock given back. */
export async function cancelOrder(db: Knex, clientId: string, supplierOrderId: string, now: Date): Promise<CancelOutcome> {
  return db.transaction(async (trx) => {
    const row = await orders(trx).where({ client_id: clientId, id: supplierOrderId }).forUpdate().first();
    if (!row) return 'not_found';
    const order = toOrder(row);
    const status = statusAt(order, now);
    if (status === 'cancelled') return 'cancelled';
    if (status === 'shipped') return 'already_shipped';

    await orders(trx).where({ id: order.supplierOrderId }).update({ cancelled_at: now });
    await cancelPlannedEvents(trx, order.supplierOrderId, now);
    const giveBack = order.lines.filter((line) => line.taken > 0).sort((a, b) => a.supplierSku.localeCompare(b.supplierSku));
    for (const line of giveBack) {
      // A SKU made unlimited since has no count to give back to.
      await stock(trx).where({ client_id: clientId, account: order.account, supplier_sku: line.supplierSku }).increment('quantity', line.taken);
    }
    return 'cancelled';
  });
}

export type ShipOutcome = { outcome: 'shipped'; order: StoredOrder } | { outcome: 'not_found' } | { outcome: 'cancelled' };

/** Ships an accepted order now (the sandbox control): its journey is planned again from now. Shipping twice changes nothing. */
export async function shipOrder(
  db: Knex,
  input: { clientId: string; supplierOrderId: string; now: Date; plan: (shipTo: Address, shippedAt: Date) => PlannedEvent[] },
): Promise<ShipOutcome> {
  return db.transaction(async (trx) => {
    const row = await orders(trx).where({ client_id: input.clientId, id: input.supplierOrderId }).forUpdate().first();
    if (!row) return { outcome: 'not_found' };
    const order = toOrder(row);
    const status = statusAt(order, input.now);
    if (status === 'cancelled') return { outcome: 'cancelled' };
    if (status === 'shipped') return { outcome: 'shipped', order };

    await cancelPlannedEvents(trx, order.supplierOrderId, input.now);
    await orders(trx).where({ id: order.supplierOrderId }).update({ ships_at: input.now });
    const shipped = { ...order, shipsAt: input.now };
    await insertEvents(trx, input.clientId, shipped, input.plan(order.shipTo, input.now));
    return { outcome: 'shipped', order: shipped };
  });
}

export type AddEventOutcome =
  | { outcome: 'added'; event: OrderEvent }
  | { outcome: 'not_found' }
  | { outcome: 'cancelled' }
  | { outcome: 'not_shipped' };

/** A tracking event that happens now (the sandbox hook), for an order that has shipped. */
export async function addOrderEvent(
  db: Knex,
  input: { clientId: string; supplierOrderId: string; status: DropshipEventStatus; description?: string; now: Date },
): Promise<AddEventOutcome> {
  return db.transaction(async (trx) => {
    const row = await orders(trx).where({ client_id: input.clientId, id: input.supplierOrderId }).forUpdate().first();
    if (!row) return { outcome: 'not_found' };
    const order = toOrder(row);
    const status = statusAt(order, input.now);
    if (status !== 'shipped') return { outcome: status === 'cancelled' ? 'cancelled' : 'not_shipped' };
    const [event] = await insertEvents(trx, input.clientId, order, [
      { status: input.status, description: input.description ?? describeEvent(input.status, order.shipTo), occurredAt: input.now },
    ]);
    return { outcome: 'added', event };
  });
}

/** The stock set for (account, supplier SKU): null is unlimited. */
export async function getStock(db: Knex, clientId: string, account: string, supplierSku: string): Promise<number | null> {
  const row = await stock(db).where({ client_id: clientId, account, supplier_sku: supplierSku }).first('quantity');
  return row ? row.quantity : null;
}

export async function setStock(db: Knex, clientId: string, account: string, supplierSku: string, quantity: number | null): Promise<void> {
  const key = { client_id: clientId, account, supplier_sku: supplierSku };
  if (quantity === null) {
    await stock(db).where(key).delete();
    return;
  }
  await stock(db).insert({ ...key, quantity }).onConflict(['client_id', 'account', 'supplier_sku']).merge(['quantity']);
}

/** Events still to happen are dropped; those that happened are still delivered. */
async function cancelPlannedEvents(trx: Knex, supplierOrderId: string, now: Date): Promise<void> {
  await events(trx)
    .where({ order_id: supplierOrderId })
    .where('occurred_at', '>', now)
    .whereNotNull('next_attempt_at')
    .update({ cancelled_at: now, next_attempt_at: null });
}

async function insertEvents(trx: Knex, clientId: string, order: StoredOrder, planned: PlannedEvent[]): Promise<OrderEvent[]> {
  const written: OrderEvent[] = planned.map((event) => ({
    id: newEventId(),
    type: event.status === 'shipped' ? 'dropship.shipped' : 'dropship.tracking',
    status: event.status,
    description: event.description,
    occurredAt: event.occurredAt,
  }));
  if (written.length === 0) return written;
  await events(trx).insert(
    written.map((event) => ({
      id: event.id,
      order_id: order.supplierOrderId,
      client_id: clientId,
      type: event.type,
      status: event.status,
      description: event.description,
      reference: order.reference,
      tracking_number: order.trackingNumber,
      carrier: order.carrier,
      occurred_at: event.occurredAt,
      next_attempt_at: event.occurredAt,
    })),
  );
  return written;
}

interface OrderRow {
  id: string;
  reference: string;
  account: string;
  ship_to: Address;
  lines: StoredLine[];
  tracking_number: string;
  carrier: string;
  created_at: Date;
  ships_at: Date | null;
  cancelled_at: Date | null;
}

function toOrder(row: OrderRow): StoredOrder {
  return {
    supplierOrderId: row.id,
    reference: row.reference,
    account: row.account,
    shipTo: row.ship_to,
    lines: row.lines,
    trackingNumber: row.tracking_number,
    carrier: row.carrier,
    createdAt: row.created_at,
    shipsAt: row.ships_at,
    cancelledAt: row.cancelled_at,
  };
}

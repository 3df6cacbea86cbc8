import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from '../../infra/config';
import { ApiError } from '../api-error';
import { type IdempotencyScope, requestHash, storedAnswer, storeAnswer } from '../idempotency';
import { type CreateOrderBody, MAX_INT } from '../schemas';
import { dropshipSuppliers } from './dropship-routing';

export interface WrittenOrder {
  orderId: string;
  /** True when the Idempotency-Key matched an earlier request: nothing new was written. */
  replayed: boolean;
}

/**
 * Validates and prices an order against the catalog and commits it, its lines, its first timeline
 * event and its Idempotency-Key in one transaction. Starting its workflow is the caller's next
 * step, kept apart so that a crash in between is repaired by retrying with the same key.
 */
export async function writeOrder(
  db: Knex,
  config: Config,
  body: CreateOrderBody,
  idempotency?: IdempotencyScope,
): Promise<WrittenOrder> {
  if (idempotency) {
    const earlier = await orderForKey(db, idempotency);
    if (earlier) return { orderId: earlier, replayed: true };
  }
  const priced = await priceOrder(db, config, body);
  const written = await db.transaction(async (trx) => {
    // The key first: a concurrent request with it waits here for this transaction, then finds it taken.
    if (idempotency && !(await storeAnswer(trx, idempotency, { statusCode: 201, body: null, resourceId: priced.order.id }))) {
      return false;
    }
    await trx('orders').insert({ ...priced.order, idempotency_key: idempotency?.key ?? null, request_hash: requestHash(body) });
    await trx('order_lines').insert(priced.lines);
    await trx('order_events').insert({ order_id: priced.order.id, event_key: 'accepted', type: 'accepted' });
    return true;
  });
  if (!written && idempotency) {
    // A concurrent request with the same key won the race; answer with its order.
    const earlier = await orderForKey(db, idempotency);
    if (earlier) return { orderId: earlier, replayed: true };
    throw new Error(`Idempotency-Key "${idempotency.key}" was taken, but its order could not be found`);
  }
  return { orderId: priced.order.id, replayed: false };
}

async function orderForKey(db: Knex, idempotency: IdempotencyScope): Promise<string | undefined> {
  const stored = await storedAnswer(db, idempotency);
  if (!stored) return undefined;
  if (!stored.resourceId) throw new Error(`Idempotency-Key "${idempotency.key}" names no order`);
  return stored.resourceId;
}

async function priceOrder(db: Knex, config: Config, body: CreateOrderBody) {
  const skus = body.lines.map((line) => line.sku);
  const repeated = skus.find((sku, index) => skus.indexOf(sku) !== index);
  if (repeated) throw new ApiError(422, 'duplicate_sku', `sku ${repeated} appears on more than one line`, { sku: repeated });

  const products: { sku: string; unit_price_cents: number }[] = await db('products')
    .whereIn('sku', skus)
    .where({ active: true })
    .select('sku', 'unit_price_cents');
  const prices = new Map(products.map((product) => [product.sku, product.unit_price_cents]));
  const unknown = skus.filter((sku) => !prices.has(sku));
  if (unknown.length > 0) {
    throw new ApiError(422, 'unknown_sku', `unknown or inactive sku: ${unknown.join(', ')}`, { skus: unknown });
  }

  const dropship = await dropshipSuppliers(db, body.lines, body.channel);

  const now = Date.now();
  const requestedDeadline = body.backorder?.deadline;
  if (requestedDeadline && Date.parse(requestedDeadline) <= now) {
    throw new ApiError(422, 'invalid_deadline', `backorder deadline ${requestedDeadline} is in the past`);
  }
  const maxDays = config.fulfillment.backorderMaxDays;
  if (requestedDeadline && Date.parse(requestedDeadline) > now + maxDays * 86_400_000) {
    throw new ApiError(422, 'invalid_deadline', `backorder deadline ${requestedDeadline} is more than ${maxDays} days ahead`, {
      maxDays,
    });
  }
  const deadline = requestedDeadline
    ? new Date(requestedDeadline)
    : new Date(now + config.fulfillment.backorderWaitHours * 3_600_000);

  const id = `ord_${randomBytes(12).toString('hex')}`;
  const lines = body.lines.map((line, index) => ({
    order_id: id,
    line_no: index + 1,
    sku: line.sku,
    quantity: line.quantity,
    unit_price_cents: prices.get(line.sku) as number,
    dropship_supplier_id: dropship.get(line.sku) ?? null,
  }));
  const itemsCents = lines.reduce((sum, line) => sum + line.quantity * line.unit_price_cents, 0);
  const shippingCents = body.shippingCents ?? 0;
  if (itemsCents + shippingCents > MAX_INT) {
    throw new ApiError(422, 'amount_too_large', `order total ${itemsCents + shippingCents} cents exceeds ${MAX_INT}`);
  }
  const { shippingAddress } = body;
  return {
    order: {
      id,
      customer_id: body.customerId,
      channel: body.channel,
      external_ref: body.externalRef ?? null,
      status: 'ACCEPTED',
      backorder_policy: body.backorder?.policy ?? 'wait',
      backorder_deadline: deadline,
      currency: (body.currency ?? 'USD').toUpperCase(),
      items_cents: itemsCents,
      shipping_cents: shippingCents,
      total_cents: itemsCents + shippingCents,
      payment_token: body.payment.token,
      capture_mode: body.payment.captureMode ?? 'on_shipment',
      shipping_address: { ...shippingAddress, country: shippingAddress.country.toUpperCase() },
    },
    lines,
  };
}

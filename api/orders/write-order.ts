import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from '../../infra/config';
import { ApiError } from '../api-error';
import { isUniqueViolation } from '../../db/errors';
import { assertSameRequest, requestHash } from '../idempotency';
import { type CreateOrderBody, MAX_INT } from '../schemas';

export interface WrittenOrder {
  orderId: string;
  /** True when the Idempotency-Key matched an earlier request: nothing new was written. */
  replayed: boolean;
}

/**
 * Validates and prices an order against the catalog and commits it, its lines and its first
 * timeline event in one transaction. Starting its workflow is the caller's next step, kept apart
 * so that a crash in between is repaired by retrying with the same Idempotency-Key.
 */
export async function writeOrder(
  db: Knex,
  config: Config,
  body: CreateOrderBody,
  idempotencyKey?: string,
): Promise<WrittenOrder> {
  const hash = requestHash(body);
  if (idempotencyKey) {
    const earlier = await orderForKey(db, idempotencyKey, hash);
    if (earlier) return { orderId: earlier, replayed: true };
  }
  const priced = await priceOrder(db, config, body);
  try {
    await db.transaction(async (trx) => {
      await trx('orders').insert({ ...priced.order, idempotency_key: idempotencyKey ?? null, request_hash: hash });
      await trx('order_lines').insert(priced.lines);
      await trx('order_events').insert({ order_id: priced.order.id, event_key: 'accepted', type: 'accepted' });
    });
  } catch (error) {
    // A concurrent request with the same key won the race; answer with its order.
    if (idempotencyKey && isUniqueViolation(error, 'orders_idempotency_key_unique')) {
      const earlier = await orderForKey(db, idempotencyKey, hash);
      if (earlier) return { orderId: earlier, replayed: true };
    }
    throw error;
  }
  return { orderId: priced.order.id, replayed: false };
}

async function orderForKey(db: Knex, idempotencyKey: string, hash: string): Promise<string | undefined> {
  const row = await db('orders').where({ idempotency_key: idempotencyKey }).first('id', 'request_hash');
  if (!row) return undefined;
  assertSameRequest(row.request_hash, hash, idempotencyKey);
  return row.id;
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

  const now = Date.now();
  const requestedDeadline = body.backorder?.deadline;
  if (requestedDeadline && Date.parse(requestedDeadline) <= now) {
    throw new ApiError(422, 'invalid_deadline', `backorder deadline ${requestedDeadline} is in the past`);
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

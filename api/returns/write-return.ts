import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from '../../infra/config';
import { ApiError } from '../api-error';
import { type IdempotencyScope, requestHash, storedAnswer, storeAnswer } from '../idempotency';
import type { CreateReturnBody } from './schemas';
import { checkReturnRequest } from './validation';

export interface WrittenReturn {
  returnId: string;
  /** True when the Idempotency-Key matched an earlier request: nothing new was written. */
  replayed: boolean;
}

export interface ReturnRequest {
  orderId: string;
  body: CreateReturnBody;
  /** Whether the caller may see the order; an order it may not see does not exist for it. */
  canSeeOrder: (order: { channel: string; customerId: string }) => boolean;
}

/**
 * Checks a return request and commits the return, its lines, the order's timeline event and the
 * Idempotency-Key in one transaction that holds the order's row lock, so two returns racing for
 * the same units queue up and the second sees the first. Starting the workflow is the caller's
 * next step, kept apart so that a crash in between is repaired by a retry or the sweep.
 */
export async function writeReturn(
  db: Knex,
  config: Config,
  request: ReturnRequest,
  idempotency?: IdempotencyScope,
): Promise<WrittenReturn> {
  if (idempotency) {
    const earlier = await returnForKey(db, idempotency);
    if (earlier) return { returnId: earlier, replayed: true };
  }
  const returnId = `ret_${randomBytes(12).toString('hex')}`;
  const written = await db.transaction(async (trx) => {
    // The key first: a concurrent request with it waits here for this transaction, then finds it taken.
    if (idempotency && !(await storeAnswer(trx, idempotency, { statusCode: 201, body: null, resourceId: returnId }))) {
      return false;
    }
    const order = await trx('orders')
      .where({ id: request.orderId })
      .forUpdate()
      .first('id', 'customer_id', 'channel', 'currency');
    if (!order || !request.canSeeOrder({ channel: order.channel, customerId: order.customer_id })) {
      throw new ApiError(404, 'order_not_found', `order ${request.orderId} not found`);
    }
    const checked = await checkReturnRequest(trx, config, order.id, request.body, new Date());
    await trx('returns').insert({
      id: returnId,
      order_id: order.id,
      customer_id: order.customer_id,
      channel: order.channel,
      location_id: checked.locationId,
      status: checked.status,
      currency: order.currency,
      requested_cents: checked.requestedCents,
      advance_exchange: request.body.advanceExchange ?? false,
      policy: JSON.stringify(config.returns.policy),
      idempotency_key: idempotency?.key ?? null,
      request_hash: requestHash(request.body),
    });
    await trx('return_lines').insert(
      checked.lines.map((line) => ({
        return_id: returnId,
        line_no: line.lineNo,
        order_id: order.id,
        sku: line.sku,
        quantity: line.quantity,
        reason: line.reason,
        note: line.note ?? null,
        unit_price_cents: line.unitPriceCents,
        exchange_sku: line.exchangeSku ?? null,
      })),
    );
    await trx('order_events').insert({
      order_id: order.id,
      event_key: `return:${returnId}:requested`,
      type: 'return_requested',
      detail: JSON.stringify({ returnId, status: checked.status, lines: checked.lines.map(({ lineNo, quantity, reason }) => ({ lineNo, quantity, reason })) }),
    });
    return true;
  });
  if (!written && idempotency) {
    // A concurrent request with the same key won the race; answer with its return.
    const earlier = await returnForKey(db, idempotency);
    if (earlier) return { returnId: earlier, replayed: true };
    throw new Error(`Idempotency-Key "${idempotency.key}" was taken, but its return could not be found`);
  }
  return { returnId, replayed: false };
}

async function returnForKey(db: Knex, idempotency: IdempotencyScope): Promise<string | undefined> {
  const stored = await storedAnswer(db, idempotency);
  if (!stored) return undefined;
  if (!stored.resourceId) throw new Error(`Idempotency-Key "${idempotency.key}" names no return`);
  return stored.resourceId;
}

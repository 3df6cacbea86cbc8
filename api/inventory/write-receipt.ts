import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { ApiError } from '../api-error';
import { isUniqueViolation } from '../../db/errors';
import { assertSameRequest, requestHash } from '../idempotency';
import type { ReceiptBody } from '../schemas';

export interface WrittenReceipt {
  receiptId: string;
  replayed: boolean;
}

/**
 * Puts received goods into stock: the receipt, on_hand, one ledger row per line and the bins, all
 * in one transaction. Waking the orders waiting for these SKUs is the caller's next step.
 */
export async function writeReceipt(db: Knex, body: ReceiptBody, idempotencyKey?: string): Promise<WrittenReceipt> {
  const hash = requestHash(body);
  if (idempotencyKey) {
    const earlier = await receiptForKey(db, idempotencyKey, hash);
    if (earlier) return { receiptId: earlier, replayed: true };
  }
  await validateReceipt(db, body);
  const id = `rcv_${randomBytes(12).toString('hex')}`;
  try {
    await db.transaction(async (trx) => {
      await trx('receipts').insert({
        id,
        location_id: body.locationId,
        reference: body.reference ?? null,
        lines: JSON.stringify(body.lines),
        idempotency_key: idempotencyKey ?? null,
        request_hash: hash,
      });
      // Sku order: level rows are locked in the same order reservations lock them, so the two never deadlock.
      const lines = [...body.lines].sort((a, b) => (a.sku < b.sku ? -1 : 1));
      for (const line of lines) {
        await trx('inventory_levels')
          .insert({ sku: line.sku, location_id: body.locationId, on_hand: line.quantity })
          .onConflict(['sku', 'location_id'])
          .merge({ on_hand: trx.raw('inventory_levels.on_hand + excluded.on_hand'), updated_at: trx.fn.now() });
        await trx('inventory_movements').insert({
          sku: line.sku,
          location_id: body.locationId,
          quantity: line.quantity,
          kind: 'receipt',
          reference_type: 'receipt',
          reference_id: id,
          idempotency_key: `receipt:${id}:${line.sku}`,
        });
        if (line.bin) {
          await trx('bin_assignments')
            .insert({ sku: line.sku, location_id: body.locationId, bin_code: line.bin })
            .onConflict(['sku', 'location_id'])
            .merge(['bin_code']);
        }
      }
    });
  } catch (error) {
    if (idempotencyKey && isUniqueViolation(error, 'receipts_idempotency_key_unique')) {
      const earlier = await receiptForKey(db, idempotencyKey, hash);
      if (earlier) return { receiptId: earlier, replayed: true };
    }
    throw error;
  }
  return { receiptId: id, replayed: false };
}

async function receiptForKey(db: Knex, idempotencyKey: string, hash: string): Promise<string | undefined> {
  const row = await db('receipts').where({ idempotency_key: idempotencyKey }).first('id', 'request_hash');
  if (!row) return undefined;
  assertSameRequest(row.request_hash, hash, idempotencyKey);
  return row.id;
}

async function validateReceipt(db: Knex, body: ReceiptBody): Promise<void> {
  const location = await db('locations').where({ id: body.locationId }).first('id');
  if (!location) throw new ApiError(422, 'unknown_location', `unknown location ${body.locationId}`);

  const skus = body.lines.map((line) => line.sku);
  const repeated = skus.find((sku, index) => skus.indexOf(sku) !== index);
  if (repeated) throw new ApiError(422, 'duplicate_sku', `sku ${repeated} appears on more than one line`, { sku: repeated });

  const known = new Set((await db('products').whereIn('sku', skus).pluck('sku')) as string[]);
  const unknown = skus.filter((sku) => !known.has(sku));
  if (unknown.length > 0) throw new ApiError(422, 'unknown_sku', `unknown sku: ${unknown.join(', ')}`, { skus: unknown });

  const wanted = [...new Set(body.lines.flatMap((line) => (line.bin ? [line.bin] : [])))];
  const bins = new Set(
    (await db('bins').where({ location_id: body.locationId }).whereIn('code', wanted).pluck('code')) as string[],
  );
  const missing = wanted.filter((bin) => !bins.has(bin));
  if (missing.length > 0) {
    throw new ApiError(422, 'unknown_bin', `no bin ${missing.join(', ')} at location ${body.locationId}`, { bins: missing });
  }
}

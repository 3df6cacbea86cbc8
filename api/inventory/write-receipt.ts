import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { addLayer } from '../../activities/cost-layers';
import { kitSkusAmong } from '../../db/kits';
import { ApiError } from '../api-error';
import { type IdempotencyScope, requestHash, storedAnswer, storeAnswer } from '../idempotency';
import type { ReceiptBody } from '../schemas';

/** The largest value of a Postgres integer column such as inventory_levels.on_hand. */
const INT4_MAX = 2_147_483_647;

export interface WrittenReceipt {
  receiptId: string;
  replayed: boolean;
}

/**
 * Puts received goods into stock: the receipt, on_hand, one ledger row and one FIFO cost layer per
 * line (the owner's, for consigned units), the bins and the Idempotency-Key, all in one transaction.
 * Waking the orders waiting for these SKUs is the caller's next step.
 */
export async function writeReceipt(db: Knex, body: ReceiptBody, idempotency?: IdempotencyScope): Promise<WrittenReceipt> {
  if (idempotency) {
    const earlier = await receiptForKey(db, idempotency);
    if (earlier) return { receiptId: earlier, replayed: true };
  }
  await validateReceipt(db, body);
  const id = `rcv_${randomBytes(12).toString('hex')}`;
  const written = await db.transaction(async (trx) => {
    // The key first: a concurrent request with it waits here for this transaction, then finds it taken.
    if (idempotency && !(await storeAnswer(trx, idempotency, { statusCode: 201, body: null, resourceId: id }))) {
      return false;
    }
    await trx('receipts').insert({
      id,
      location_id: body.locationId,
      reference: body.reference ?? null,
      owner_id: body.owner ?? null,
      lines: JSON.stringify(body.lines),
      idempotency_key: idempotency?.key ?? null,
      request_hash: requestHash(body),
    });
    // Sku order: level rows are locked in the same order reservations lock them, so the two never deadlock.
    const lines = [...body.lines].sort((a, b) => (a.sku < b.sku ? -1 : 1));
    const productCosts = await unitCosts(trx, lines.map((line) => line.sku));
    for (const line of lines) {
      await trx('inventory_levels')
        .insert({ sku: line.sku, location_id: body.locationId, on_hand: line.quantity })
        .onConflict(['sku', 'location_id'])
        .merge({ on_hand: trx.raw('inventory_levels.on_hand + excluded.on_hand'), updated_at: trx.fn.now() });
      const [movement] = await trx('inventory_movements')
        .insert({
          sku: line.sku,
          location_id: body.locationId,
          quantity: line.quantity,
          kind: 'receipt',
          reference_type: 'receipt',
          reference_id: id,
          idempotency_key: `receipt:${id}:${line.sku}`,
        })
        .returning('id');
      await addLayer(trx, {
        movementId: movement.id,
        sku: line.sku,
        locationId: body.locationId,
        quantity: line.quantity,
        unitCostCents: line.unitCostCents ?? productCosts.get(line.sku)!,
        ownerId: body.owner ?? null,
      });
      if (line.bin) {
        await trx('bin_assignments')
          .insert({ sku: line.sku, location_id: body.locationId, bin_code: line.bin })
          .onConflict(['sku', 'location_id'])
          .merge(['bin_code']);
      }
    }
    return true;
  });
  if (!written && idempotency) {
    // A concurrent request with the same key won the race; answer with its receipt.
    const earlier = await receiptForKey(db, idempotency);
    if (earlier) return { receiptId: earlier, replayed: true };
    throw new Error(`Idempotency-Key "${idempotency.key}" was taken, but its receipt could not be found`);
  }
  return { receiptId: id, replayed: false };
}

async function unitCosts(trx: Knex, skus: string[]): Promise<Map<string, number>> {
  const rows: { sku: string; unit_cost_cents: number }[] = await trx('products').whereIn('sku', skus).select('sku', 'unit_cost_cents');
  return new Map(rows.map((row) => [row.sku, row.unit_cost_cents]));
}

async function receiptForKey(db: Knex, idempotency: IdempotencyScope): Promise<string | undefined> {
  const stored = await storedAnswer(db, idempotency);
  if (!stored) return undefined;
  if (!stored.resourceId) throw new Error(`Idempotency-Key "${idempotency.key}" names no receipt`);
  return stored.resourceId;
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
  const kits = await kitSkusAmong(db, skus);
  if (kits.length > 0) {
    throw new ApiError(422, 'kit_not_stockable', `a kit holds no stock of its own; receive its components instead: ${kits.join(', ')}`, { skus: kits });
  }

  // on_hand is an int4: refuse a receipt that would push it past the maximum, before the write.
  const onHand = new Map(
    ((await db('inventory_levels').where({ location_id: body.locationId }).whereIn('sku', skus).select('sku', 'on_hand')) as {
      sku: string;
      on_hand: number;
    }[]).map((row) => [row.sku, Number(row.on_hand)]),
  );
  const tooLarge = body.lines.filter((line) => (onHand.get(line.sku) ?? 0) + line.quantity > INT4_MAX);
  if (tooLarge.length > 0) {
    throw new ApiError(422, 'quantity_too_large', `on hand would exceed ${INT4_MAX} for sku ${tooLarge.map((l) => l.sku).join(', ')}`, {
      skus: tooLarge.map((line) => line.sku),
    });
  }

  const wanted = [...new Set(body.lines.flatMap((line) => (line.bin ? [line.bin] : [])))];
  const bins = new Set(
    (await db('bins').where({ location_id: body.locationId }).whereIn('code', wanted).pluck('code')) as string[],
  );
  const missing = wanted.filter((bin) => !bins.has(bin));
  if (missing.length > 0) {
    throw new ApiError(422, 'unknown_bin', `no bin ${missing.join(', ')} at location ${body.locationId}`, { bins: missing });
  }
}

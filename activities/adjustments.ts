import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { AdjustmentKind, AdjustmentStatus, ApplyOutcome } from '../workflows/adjustment-definitions';
import type { StockWaker } from './backorders';
import { kitSkusAmong } from '../db/kits';
import { addLayer, consumeLayers, fifoValue } from './cost-layers';
import { RequestRefused } from './refused';

export const ADJUSTMENT_REASONS = ['damaged', 'lost', 'found', 'theft', 'expired', 'correction'] as const;
export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];

/** Reasons that only take units away, or only add them; correction goes either way. */
const REMOVES: readonly string[] = ['damaged', 'lost', 'theft', 'expired'];
const ADDS: readonly string[] = ['found'];

/** The largest value of a Postgres integer column such as inventory_levels.on_hand. */
const INT4_MAX = 2_147_483_647;

export interface AdjustmentLineInput {
  sku: string;
  locationId: string;
  /** Signed: units added (found) or taken away (lost, damaged...). */
  quantity: number;
}

export interface NewAdjustment {
  kind: AdjustmentKind;
  reasonCode: string;
  note?: string | null;
  lines: AdjustmentLineInput[];
  requestedBy?: string | null;
  countTaskId?: string | null;
  idempotencyKey?: string | null;
  /** Above this value (units x FIFO cost) the adjustment waits for ops... */
  thresholdCents: number;
  /** ...this many hours, then expires. */
  approvalTimeoutHours: number;
}


interface LockedLevel {
  sku: string;
  location_id: string;
  on_hand: number;
  reserved: number;
}

const levelKey = (sku: string, locationId: string) => `${sku}\u0000${locationId}`;

/** Lines in (sku, location) order: level rows are locked in the order reservations lock them, so they never deadlock. */
function inLockOrder<T extends { sku: string; locationId: string }>(lines: T[]): T[] {
  return [...lines].sort((a, b) => (a.sku !== b.sku ? (a.sku < b.sku ? -1 : 1) : a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0));
}

async function lockLevels(trx: Knex.Transaction, lines: AdjustmentLineInput[]): Promise<Map<string, LockedLevel>> {
  const levels = new Map<string, LockedLevel>();
  for (const line of inLockOrder(lines)) {
    const row: LockedLevel | undefined = await trx('inventory_levels')
      .where({ sku: line.sku, location_id: line.locationId })
      .forUpdate()
      .first('sku', 'location_id', 'on_hand', 'reserved');
    if (row) levels.set(levelKey(line.sku, line.locationId), row);
  }
  return levels;
}

/** The first line (in lock order) that would take on_hand below zero or below what is reserved. */
function stockRefusal(lines: AdjustmentLineInput[], levels: Map<string, LockedLevel>): RequestRefused | undefined {
  for (const line of inLockOrder(lines)) {
    const level = levels.get(levelKey(line.sku, line.locationId))!;
    const after = level.on_hand + line.quantity;
    const details = { sku: line.sku, locationId: line.locationId, onHand: level.on_hand, reserved: level.reserved, quantity: line.quantity };
    if (after < 0) return new RequestRefused('below_zero', `${line.sku} at ${line.locationId}: on hand ${level.on_hand} ${line.quantity} is below zero`, 422, details);
    if (after < level.reserved) {
      return new RequestRefused(
        'below_reserved',
        `${line.sku} at ${line.locationId}: on hand ${level.on_hand} ${line.quantity} is below the ${level.reserved} units reserved for orders`,
        422,
        details,
      );
    }
    if (after > INT4_MAX) return new RequestRefused('quantity_too_large', `${line.sku} at ${line.locationId}: on hand would exceed ${INT4_MAX}`, 422, details);
  }
  return undefined;
}

/** Reason, sign, known SKUs and locations, each (sku, location) once: checks that need no lock. */
export async function checkAdjustmentRequest(db: Knex, input: Pick<NewAdjustment, 'kind' | 'reasonCode' | 'lines'>): Promise<void> {
  if (input.kind === 'adjustment' && !(ADJUSTMENT_REASONS as readonly string[]).includes(input.reasonCode)) {
    throw new RequestRefused('unknown_reason_code', `unknown reason code "${input.reasonCode}"; known: ${ADJUSTMENT_REASONS.join(', ')}`, 422, {
      reasonCodes: ADJUSTMENT_REASONS,
    });
  }
  const seen = new Set<string>();
  for (const line of input.lines) {
    const key = levelKey(line.sku, line.locationId);
    if (seen.has(key)) throw new RequestRefused('duplicate_line', `${line.sku} at ${line.locationId} appears on more than one line`, 422, line);
    seen.add(key);
    if (!Number.isSafeInteger(line.quantity) || line.quantity === 0) {
      throw new RequestRefused('invalid_quantity', `${line.sku}: the quantity must be a whole number of units other than 0`, 422, line);
    }
    const wrongSign = (REMOVES.includes(input.reasonCode) && line.quantity > 0) || (ADDS.includes(input.reasonCode) && line.quantity < 0);
    if (wrongSign) {
      throw new RequestRefused('quantity_sign_mismatch', `reason ${input.reasonCode} ${ADDS.includes(input.reasonCode) ? 'adds' : 'takes away'} units; ${line.sku} has ${line.quantity}`, 422, line);
    }
  }
  const skus = [...new Set(input.lines.map((line) => line.sku))];
  const known = new Set((await db('products').whereIn('sku', skus).pluck('sku')) as string[]);
  const unknown = skus.filter((sku) => !known.has(sku));
  if (unknown.length > 0) throw new RequestRefused('unknown_sku', `unknown sku: ${unknown.join(', ')}`, 422, { skus: unknown });
  const kits = await kitSkusAmong(db, skus);
  if (kits.length > 0) throw kitNotStockable(kits);
  const locations = [...new Set(input.lines.map((line) => line.locationId))];
  const found = new Set((await db('locations').whereIn('id', locations).pluck('id')) as string[]);
  const missing = locations.filter((id) => !found.has(id));
  if (missing.length > 0) throw new RequestRefused('location_not_found', `location ${missing.join(', ')} not found`, 404, { locationIds: missing });
}

/** A kit holds no stock of its own: its components are adjusted and counted instead. */
export function kitNotStockable(kits: string[]): RequestRefused {
  return new RequestRefused('kit_not_stockable', `${kits.join(', ')} ${kits.length > 1 ? 'are kits' : 'is a kit'}: adjust or count its components`, 422, {
    skus: kits,
  });
}

/** Signed value per line: units out at their FIFO cost, units in at the product's cost. */
async function lineValues(trx: Knex.Transaction, lines: AdjustmentLineInput[]): Promise<number[]> {
  const costs = new Map<string, number>(
    (await trx('products').whereIn('sku', [...new Set(lines.map((line) => line.sku))]).select('sku', 'unit_cost_cents')).map((row) => [
      row.sku,
      Number(row.unit_cost_cents),
    ]),
  );
  const values: number[] = [];
  for (const line of lines) {
    values.push(
      line.quantity < 0
        ? -(await fifoValue(trx, { sku: line.sku, locationId: line.locationId, quantity: -line.quantity }))
        : line.quantity * (costs.get(line.sku) ?? 0),
    );
  }
  return values;
}

/**
 * Records an adjustment in the caller's transaction. Worth at most the threshold (and, for a count
 * correction, not below reserved) it is applied at once; otherwise it waits for ops. An adjustment by
 * hand that would take on_hand below zero or below reserved is refused (RequestRefused, nothing
 * written); a count correction below reserved waits for ops instead. Returns the new id.
 */
export async function createAdjustment(trx: Knex.Transaction, input: NewAdjustment): Promise<{ id: string; status: AdjustmentStatus }> {
  const levels = await lockLevels(trx, input.lines);
  const absent = input.lines.filter((line) => !levels.has(levelKey(line.sku, line.locationId)));
  if (absent.length > 0) {
    throw new RequestRefused('sku_not_at_location', absent.map((line) => `${line.sku} is not stocked at ${line.locationId}`).join('; '), 422, {
      lines: absent,
    });
  }
  const refusal = stockRefusal(input.lines, levels);
  if (refusal && !(input.kind === 'count_correction' && refusal.code === 'below_reserved')) throw refusal;

  const values = await lineValues(trx, input.lines);
  const valueCents = values.reduce((sum, value) => sum + Math.abs(value), 0);
  const approvalReason = refusal ? 'below_reserved' : valueCents > input.thresholdCents ? 'over_threshold' : null;
  const id = `adj_${randomBytes(12).toString('hex')}`;
  await trx('adjustments').insert({
    id,
    kind: input.kind,
    reason_code: input.kind === 'count_correction' ? 'cycle_count' : input.reasonCode,
    note: input.note ?? null,
    status: 'PENDING_APPROVAL',
    value_cents: Math.min(valueCents, INT4_MAX),
    needs_approval: approvalReason !== null,
    approval_reason: approvalReason,
    approval_deadline: trx.raw('now() + make_interval(hours => ?)', [input.approvalTimeoutHours]),
    requested_by: input.requestedBy ?? null,
    count_task_id: input.countTaskId ?? null,
    idempotency_key: input.idempotencyKey ?? null,
  });
  await trx('adjustment_lines').insert(
    input.lines.map((line, index) => ({
      adjustment_id: id,
      line_no: index + 1,
      sku: line.sku,
      location_id: line.locationId,
      quantity: line.quantity,
      value_cents: values[index],
    })),
  );
  if (approvalReason) return { id, status: 'PENDING_APPROVAL' };
  await writeLedger(trx, id, input.kind);
  return { id, status: 'APPLIED' };
}

interface LineRow {
  line_no: number;
  sku: string;
  location_id: string;
  quantity: number;
}

/** One ledger row per line, the on_hand it changes and its FIFO layers; the adjustment becomes APPLIED. */
async function writeLedger(trx: Knex.Transaction, adjustmentId: string, kind: AdjustmentKind, decision: { by?: string; note?: string } = {}): Promise<void> {
  const lines: LineRow[] = await trx('adjustment_lines').where({ adjustment_id: adjustmentId }).orderBy('line_no');
  const costs = new Map<string, number>(
    (await trx('products').whereIn('sku', lines.map((line) => line.sku)).select('sku', 'unit_cost_cents')).map((row) => [row.sku, Number(row.unit_cost_cents)]),
  );
  const reason = kind === 'count_correction' ? null : ((await trx('adjustments').where({ id: adjustmentId }).first('reason_code')).reason_code as string);
  const countTask = kind === 'count_correction' ? ((await trx('adjustments').where({ id: adjustmentId }).first('count_task_id')).count_task_id as string) : null;
  for (const line of inLockOrder(lines.map((row) => ({ ...row, locationId: row.location_id })))) {
    await trx('inventory_levels')
      .where({ sku: line.sku, location_id: line.location_id })
      .update({ on_hand: trx.raw('on_hand + ?', [line.quantity]), updated_at: trx.fn.now() });
    const [movement] = await trx('inventory_movements')
      .insert({
        sku: line.sku,
        location_id: line.location_id,
        quantity: line.quantity,
        kind,
        reason_code: reason,
        reference_type: countTask ? 'count_task' : 'adjustment',
        reference_id: countTask ?? adjustmentId,
        idempotency_key: `adjustment:${adjustmentId}:${line.line_no}`,
      })
      .returning('id');
    const movementId = Number(movement.id);
    if (line.quantity > 0) {
      await addLayer(trx, { movementId, sku: line.sku, locationId: line.location_id, quantity: line.quantity, unitCostCents: costs.get(line.sku) ?? 0 });
    } else {
      await consumeLayers(trx, { movementId, sku: line.sku, locationId: line.location_id, quantity: -line.quantity });
    }
    await trx('adjustment_lines').where({ adjustment_id: adjustmentId, line_no: line.line_no }).update({ movement_id: movementId });
  }
  await trx('adjustments')
    .where({ id: adjustmentId })
    .update({
      status: 'APPLIED',
      refusal: null,
      applied_at: trx.fn.now(),
      closed_at: trx.fn.now(),
      updated_at: trx.fn.now(),
      ...(decision.by !== undefined ? { decided_by: decision.by } : {}),
      ...(decision.note !== undefined ? { decision_note: decision.note } : {}),
    });
}

export function adjustmentActivities(db: Knex, wake: StockWaker) {
  return {
    /**
     * Applies an approved adjustment, once (guarded by its status on the locked row). The stock is
     * checked again under the level rows' locks: one that would now go below zero or below reserved
     * is not applied and keeps waiting, with the refusal recorded for ops.
     */
    async applyAdjustment(input: { adjustmentId: string; by?: string; note?: string }): Promise<ApplyOutcome> {
      return db.transaction(async (trx) => {
        const row = await trx('adjustments').where({ id: input.adjustmentId }).forUpdate().first('status', 'kind');
        if (row.status !== 'PENDING_APPROVAL') return { status: row.status };
        const lines: LineRow[] = await trx('adjustment_lines').where({ adjustment_id: input.adjustmentId });
        const asInput = lines.map((line) => ({ sku: line.sku, locationId: line.location_id, quantity: line.quantity }));
        const refusal = stockRefusal(asInput, await lockLevels(trx, asInput));
        if (refusal) {
          await trx('adjustments').where({ id: input.adjustmentId }).update({ refusal: refusal.code, updated_at: trx.fn.now() });
          return { status: 'PENDING_APPROVAL', refusal: refusal.code };
        }
        await writeLedger(trx, input.adjustmentId, row.kind, { by: input.by, note: input.note });
        return { status: 'APPLIED' };
      });
    },

    /** Rejected by ops or expired: closed without touching stock (a no-op once it left PENDING_APPROVAL). */
    async closeAdjustment(input: { adjustmentId: string; status: 'REJECTED' | 'EXPIRED'; by?: string; note?: string }): Promise<AdjustmentStatus> {
      await db('adjustments')
        .where({ id: input.adjustmentId, status: 'PENDING_APPROVAL' })
        .update({
          status: input.status,
          decided_by: input.by ?? null,
          decision_note: input.note ?? null,
          closed_at: db.fn.now(),
          updated_at: db.fn.now(),
        });
      return (await db('adjustments').where({ id: input.adjustmentId }).first('status')).status;
    },

    /** Units an applied adjustment added are offered to the orders waiting for them, oldest first. */
    async wakeForAdjustment(input: { adjustmentId: string }): Promise<void> {
      const skus: string[] = await db('adjustment_lines as l')
        .join('locations as loc', 'loc.id', 'l.location_id')
        .where({ 'l.adjustment_id': input.adjustmentId })
        .andWhere('l.quantity', '>', 0)
        .andWhereNot('loc.kind', 'quarantine')
        .distinct()
        .pluck('l.sku');
      await wake(`adjustment:${input.adjustmentId}`, skus);
    },
  };
}

import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Address, CarrierEventStatus } from '../../domain/types';
import type { Parcel } from '../adapter';
import { SCHEMA } from './schema';
import { describeEvent, type PlannedEvent } from './timetable';

export interface StoredLabel {
  labelId: string;
  trackingNumber: string;
  service: string;
  costCents: number;
  currency: string;
  reference: string;
  from: Address;
  to: Address;
  /** A return label: the customer (from) sends the parcel back to the warehouse (to). */
  isReturn: boolean;
  /** One per parcel; piece 1 carries the label's (master) tracking number. */
  pieces: StoredPiece[];
  createdAt: Date;
  voidedAt: Date | null;
}

export interface StoredPiece {
  pieceNo: number;
  trackingNumber: string;
  parcel: Parcel;
}

export interface TrackingEvent {
  id: string;
  status: CarrierEventStatus;
  description: string;
  occurredAt: Date;
}

/** Labels belong to the account of the API key that bought them; only a digest of the key is stored. */
export function accountIdFor(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 32);
}

const newEventId = (): string => `evt_${randomBytes(12).toString('hex')}`;

const labels = (db: Knex) => db.withSchema(SCHEMA).table('labels');
const pieces = (db: Knex) => db.withSchema(SCHEMA).table('pieces');
const events = (db: Knex) => db.withSchema(SCHEMA).table('events');

const formatTrackingNumber = (sequenceValue: string): string => `SBX${sequenceValue.padStart(12, '0')}`;

/**
 * Buys a label once per idempotency key: a repeated key returns the first label and schedules
 * nothing new. Each parcel becomes a piece with its own tracking number; the label's whole
 * tracking history is written with it, on the master tracking number, due at its planned times.
 */
export async function purchaseLabel(
  db: Knex,
  input: {
    accountId: string;
    idempotencyKey: string;
    service: string;
    costCents: number;
    currency: string;
    reference: string;
    from: Address;
    to: Address;
    isReturn: boolean;
    parcels: Parcel[];
    createdAt: Date;
    events: PlannedEvent[];
  },
): Promise<{ label: StoredLabel; created: boolean }> {
  return db.transaction(async (trx) => {
    const { rows } = await trx.raw<{ rows: { number: string }[] }>(
      `SELECT nextval('${SCHEMA}.tracking_number_seq')::text AS number FROM generate_series(1, ?)`,
      [input.parcels.length],
    );
    const labelId = `lbl_${randomBytes(12).toString('hex')}`;
    // A concurrent purchase with the same key waits here and then inserts nothing.
    const inserted = await labels(trx)
      .insert({
        id: labelId,
        account_id: input.accountId,
        idempotency_key: input.idempotencyKey,
        tracking_number: formatTrackingNumber(rows[0].number),
        service: input.service,
        cost_cents: input.costCents,
        currency: input.currency,
        reference: input.reference,
        from_address: JSON.stringify(input.from),
        to_address: JSON.stringify(input.to),
        is_return: input.isReturn,
        created_at: input.createdAt,
      })
      .onConflict(['account_id', 'idempotency_key'])
      .ignore()
      .returning('*');
    if (inserted.length === 0) {
      const existing = await labels(trx).where({ account_id: input.accountId, idempotency_key: input.idempotencyKey }).first();
      return { label: await withPieces(trx, existing), created: false };
    }

    const pieceRows = input.parcels.map((parcel, index) => ({
      label_id: labelId,
      piece_no: index + 1,
      tracking_number: formatTrackingNumber(rows[index].number),
      parcel: JSON.stringify(parcel),
    }));
    await pieces(trx).insert(pieceRows);
    const label = await withPieces(trx, inserted[0]);
    await events(trx).insert(
      input.events.map((event) => ({
        id: newEventId(),
        label_id: label.labelId,
        account_id: input.accountId,
        tracking_number: label.trackingNumber,
        status: event.status,
        description: event.description,
        occurred_at: event.occurredAt,
        next_attempt_at: event.occurredAt,
      })),
    );
    return { label, created: true };
  });
}

/** By id alone: label ids are random (96 bits), so knowing one is the right to print it. */
export async function findLabel(db: Knex, labelId: string): Promise<StoredLabel | undefined> {
  const row = await labels(db).where({ id: labelId }).first();
  return row && withPieces(db, row);
}

export type VoidOutcome = 'voided' | 'not_found' | 'in_use';

/**
 * Voids a label unless the parcel has been picked up. Events that have not happened yet are
 * cancelled; those that already happened are still delivered to the webhook.
 */
export async function voidLabel(db: Knex, accountId: string, labelId: string, now: Date): Promise<VoidOutcome> {
  return db.transaction(async (trx) => {
    const label = await labels(trx).where({ account_id: accountId, id: labelId }).forUpdate().first();
    if (!label) return 'not_found';
    if (label.voided_at) return 'voided';
    const pickedUp = await events(trx)
      .where({ label_id: labelId, status: 'picked_up' })
      .where('occurred_at', '<=', now)
      .whereNull('cancelled_at')
      .first();
    if (pickedUp) return 'in_use';

    await labels(trx).where({ id: labelId }).update({ voided_at: now });
    await events(trx)
      .where({ label_id: labelId })
      .where('occurred_at', '>', now)
      .whereNotNull('next_attempt_at')
      .update({ cancelled_at: now, next_attempt_at: null });
    return 'voided';
  });
}

/**
 * The shipment's history up to now: planned events that have not happened yet are not shown.
 * A piece's own tracking number shows the history of its label, whose events are the master's.
 */
export async function trackingHistory(
  db: Knex,
  accountId: string,
  trackingNumber: string,
  now: Date,
): Promise<{ label: StoredLabel; events: TrackingEvent[] } | undefined> {
  const row =
    (await labels(db).where({ account_id: accountId, tracking_number: trackingNumber }).first()) ??
    (await labels(db)
      .where({ account_id: accountId })
      .whereIn('id', pieces(db).where({ tracking_number: trackingNumber }).select('label_id'))
      .first());
  if (!row) return undefined;
  const happened = await events(db)
    .where({ label_id: row.id })
    .where('occurred_at', '<=', now)
    .whereNull('cancelled_at')
    .orderBy([{ column: 'occurred_at' }, { column: 'seq' }])
    .select('id', 'status', 'description', 'occurred_at');
  return {
    label: await withPieces(db, row),
    events: happened.map((event) => ({
      id: event.id,
      status: event.status,
      description: event.description,
      occurredAt: event.occurred_at,
    })),
  };
}

export type AddEventOutcome = { outcome: 'added'; event: TrackingEvent } | { outcome: 'not_found' } | { outcome: 'voided' };

/** An ad-hoc event that happens now (the sandbox hook); a voided label gets no more events. */
export async function addTrackingEvent(
  db: Knex,
  input: { accountId: string; trackingNumber: string; status: CarrierEventStatus; description?: string; now: Date },
): Promise<AddEventOutcome> {
  return db.transaction(async (trx) => {
    const row = await labels(trx).where({ account_id: input.accountId, tracking_number: input.trackingNumber }).forUpdate().first();
    if (!row) return { outcome: 'not_found' };
    const label = toLabel(row, []); // its pieces play no part in an event
    if (label.voidedAt) return { outcome: 'voided' };
    const event: TrackingEvent = {
      id: newEventId(),
      status: input.status,
      description: input.description ?? describeEvent(input.status, label),
      occurredAt: input.now,
    };
    await events(trx).insert({
      id: event.id,
      label_id: label.labelId,
      account_id: input.accountId,
      tracking_number: label.trackingNumber,
      status: event.status,
      description: event.description,
      occurred_at: event.occurredAt,
      next_attempt_at: event.occurredAt,
    });
    return { outcome: 'added', event };
  });
}

interface LabelRow {
  id: string;
  tracking_number: string;
  service: string;
  cost_cents: number;
  currency: string;
  reference: string;
  from_address: Address;
  to_address: Address;
  is_return: boolean;
  created_at: Date;
  voided_at: Date | null;
}

async function withPieces(db: Knex, row: LabelRow): Promise<StoredLabel> {
  const stored = await pieces(db).where({ label_id: row.id }).orderBy('piece_no');
  return toLabel(
    row,
    stored.map((piece) => ({ pieceNo: piece.piece_no, trackingNumber: piece.tracking_number, parcel: piece.parcel })),
  );
}

function toLabel(row: LabelRow, labelPieces: StoredPiece[]): StoredLabel {
  return {
    labelId: row.id,
    trackingNumber: row.tracking_number,
    service: row.service,
    costCents: row.cost_cents,
    currency: row.currency,
    reference: row.reference,
    from: row.from_address,
    to: row.to_address,
    isReturn: row.is_return,
    pieces: labelPieces,
    createdAt: row.created_at,
    voidedAt: row.voided_at,
  };
}

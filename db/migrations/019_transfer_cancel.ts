import type { Knex } from 'knex';

/**
 * A RESERVED transfer can be cancelled (its hold at the source released) and closes CANCELLED,
 * with who cancelled it and why.
 */
const STATUSES_BEFORE = ['RESERVED', 'IN_TRANSIT', 'RECEIVED', 'CLOSED_SHORT'];
const STATUSES_AFTER = [...STATUSES_BEFORE, 'CANCELLED'];

/** 014 declared the status check without a name: it is found by what it checks (not the shipped_at one). */
async function dropStatusCheck(db: Knex): Promise<void> {
  const found = await db.raw(
    `SELECT conname FROM pg_constraint
      WHERE conrelid = 'transfers'::regclass AND contype = 'c'
        AND pg_get_constraintdef(oid) LIKE '%RESERVED%' AND pg_get_constraintdef(oid) NOT LIKE '%shipped_at%'`,
  );
  for (const { conname } of found.rows as { conname: string }[]) await db.raw('ALTER TABLE transfers DROP CONSTRAINT ??', [conname]);
}

const statusCheck = (statuses: string[]) =>
  `ALTER TABLE transfers ADD CONSTRAINT transfers_status_check CHECK (status IN (${statuses.map((status) => `'${status}'`).join(', ')}))`;

export async function up(db: Knex): Promise<void> {
  await dropStatusCheck(db);
  await db.raw(statusCheck(STATUSES_AFTER));
  await db.schema.alterTable('transfers', (t) => {
    t.string('cancelled_by', 40);
    t.string('cancel_reason', 500);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('transfers', (t) => {
    t.dropColumn('cancel_reason');
    t.dropColumn('cancelled_by');
  });
  await dropStatusCheck(db);
  // Cancelled transfers have no status before this migration: they are gone with it.
  await db('transfer_lines').whereIn('transfer_id', db('transfers').where({ status: 'CANCELLED' }).select('id')).delete();
  await db('transfers').where({ status: 'CANCELLED' }).delete();
  await db.raw(statusCheck(STATUSES_BEFORE));
}

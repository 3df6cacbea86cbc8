import type { Knex } from 'knex';

/**
 * Transfers of stock between locations, each run by its workflow `transfer:<id>`:
 * - RESERVED: the units are held at the source in inventory_levels.reserved (the invariant counts
 *   the lines of RESERVED transfers beside the orders' active reservations);
 * - IN_TRANSIT: shipped, they left the source's on_hand (ledger transfer_out) and count in the
 *   destination's inventory_levels.in_transit until received (transfer_in) or written off;
 * - RECEIVED (all of it) or CLOSED_SHORT (the shortfall past the deadline written off, lost_in_transit).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('transfers', (t) => {
    t.string('id', 40).primary();
    t.string('from_location_id', 32).notNullable().references('locations.id');
    t.string('to_location_id', 32).notNullable().references('locations.id');
    t.string('status', 16).notNullable();
    /** Fixed when requested: how long after shipping the units may arrive before the rest is written off. */
    t.integer('receive_within_seconds').notNullable();
    /** Set when shipped: shipped_at + receive_within_seconds. */
    t.timestamp('deadline', { useTz: true });
    /** Why a shortfall was written off (lost_in_transit). */
    t.string('write_off_reason', 24);
    t.string('requested_by', 40);
    t.string('idempotency_key', 200).index();
    t.string('request_hash', 64);
    t.timestamp('workflow_started_at', { useTz: true });
    t.timestamp('shipped_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['status', 'created_at']);
    t.index(['from_location_id']);
    t.index(['to_location_id']);
    t.check('?? <> ??', ['from_location_id', 'to_location_id']);
    t.check("?? IN ('RESERVED', 'IN_TRANSIT', 'RECEIVED', 'CLOSED_SHORT')", ['status']);
    t.check('?? > 0', ['receive_within_seconds']);
    t.check("(?? IN ('IN_TRANSIT', 'RECEIVED', 'CLOSED_SHORT')) = (?? IS NOT NULL AND ?? IS NOT NULL)", ['status', 'shipped_at', 'deadline']);
  });
  await db.raw('CREATE INDEX transfers_unstarted ON transfers (created_at, id) WHERE workflow_started_at IS NULL');

  await db.schema.createTable('transfer_lines', (t) => {
    t.string('transfer_id', 40).notNullable().references('transfers.id');
    t.integer('line_no').notNullable();
    t.string('sku', 64).notNullable().references('products.sku');
    t.integer('quantity').notNullable();
    t.integer('shipped').notNullable().defaultTo(0);
    t.integer('received').notNullable().defaultTo(0);
    t.integer('written_off').notNullable().defaultTo(0);
    /** The FIFO lots the units left the source with, oldest first: [{quantity, unitCostCents, ownerId}]. */
    t.jsonb('shipped_lots');
    /** Cost of the units written off (consigned units at zero). */
    t.integer('written_off_cost_cents').notNullable().defaultTo(0);
    t.bigInteger('out_movement_id').references('inventory_movements.id');
    t.primary(['transfer_id', 'line_no']);
    t.unique(['transfer_id', 'sku']);
    t.index(['sku']);
    t.check('?? > 0', ['quantity']);
    t.check('?? IN (0, ??)', ['shipped', 'quantity']);
    t.check('?? >= 0 AND ?? >= 0 AND ?? + ?? <= ??', ['received', 'written_off', 'received', 'written_off', 'shipped']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('transfer_lines');
  await db.schema.dropTableIfExists('transfers');
}

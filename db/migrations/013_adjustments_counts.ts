import type { Knex } from 'knex';

/**
 * Stock adjustments with reason codes (approved by ops above a value threshold) and cycle counts:
 * blind count tasks per location, bin and SKU, whose variance becomes a count-correction adjustment.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('adjustments', (t) => {
    t.string('id', 40).primary();
    /** adjustment: made by hand with a reason; count_correction: a count task's variance. */
    t.string('kind', 24).notNullable();
    t.string('reason_code', 24).notNullable();
    t.text('note');
    t.string('status', 24).notNullable();
    /** Units x FIFO cost, summed over the lines without sign: what the approval threshold is compared with. */
    t.integer('value_cents').notNullable();
    t.boolean('needs_approval').notNullable();
    /** Why it waits for ops: over_threshold, below_reserved. */
    t.string('approval_reason', 24);
    /** Past this an adjustment nobody decided expires unapplied. */
    t.timestamp('approval_deadline', { useTz: true }).notNullable();
    t.string('requested_by', 40);
    t.string('decided_by', 40);
    t.text('decision_note');
    /** Why the last approval could not be applied (below_reserved); the adjustment keeps waiting. */
    t.string('refusal', 48);
    t.string('count_task_id', 40);
    t.string('idempotency_key', 200).index();
    t.timestamp('workflow_started_at', { useTz: true });
    t.timestamp('applied_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
    t.timestamps(true, true);
    t.index(['status', 'created_at']);
    t.check("?? IN ('adjustment', 'count_correction')", ['kind']);
    t.check(
      "?? IN ('damaged', 'lost', 'found', 'theft', 'expired', 'correction', 'cycle_count')",
      ['reason_code'],
    );
    t.check("(?? = 'count_correction') = (?? = 'cycle_count')", ['kind', 'reason_code']);
    t.check("?? IN ('PENDING_APPROVAL', 'APPLIED', 'REJECTED', 'EXPIRED')", ['status']);
    t.check('?? >= 0', ['value_cents']);
  });
  await db.raw('CREATE INDEX adjustments_unstarted ON adjustments (created_at, id) WHERE workflow_started_at IS NULL');

  await db.schema.createTable('adjustment_lines', (t) => {
    t.string('adjustment_id', 40).notNullable().references('adjustments.id');
    t.integer('line_no').notNullable();
    t.string('sku', 64).notNullable().references('products.sku');
    t.string('location_id', 32).notNullable().references('locations.id');
    t.integer('quantity').notNullable();
    /** Signed: what the units cost taken out (FIFO) or are worth coming in (the product's cost). */
    t.integer('value_cents').notNullable();
    t.bigInteger('movement_id').references('inventory_movements.id');
    t.primary(['adjustment_id', 'line_no']);
    t.unique(['adjustment_id', 'sku', 'location_id']);
    t.index(['location_id']);
    t.check('?? <> 0', ['quantity']);
  });

  await db.schema.createTable('count_tasks', (t) => {
    t.string('id', 40).primary();
    t.string('location_id', 32).notNullable().references('locations.id');
    t.string('bin_code', 32);
    t.string('sku', 64).notNullable().references('products.sku');
    /** ABC class when the task was planned: A, B or C. */
    t.string('class', 1).notNullable();
    t.string('status', 16).notNullable().defaultTo('OPEN');
    /** scheduled (the cycle-count Schedule) or requested (a person asked for it). */
    t.string('origin', 16).notNullable();
    /** on_hand when the count was answered: never shown to the counter. */
    t.integer('expected_quantity');
    t.integer('counted_quantity');
    t.integer('variance');
    t.integer('expected_value_cents');
    /** Signed value of the variance. */
    t.integer('variance_value_cents');
    t.string('adjustment_id', 40).references('adjustments.id');
    t.string('counted_by', 128);
    t.timestamp('counted_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.foreign(['location_id', 'bin_code']).references(['location_id', 'code']).inTable('bins');
    t.index(['location_id', 'status']);
    t.index(['sku', 'location_id', 'created_at']);
    t.index(['counted_at']);
    t.check("?? IN ('A', 'B', 'C')", ['class']);
    t.check("?? IN ('OPEN', 'COUNTED')", ['status']);
    t.check("?? IN ('scheduled', 'requested')", ['origin']);
    t.check("(?? = 'COUNTED') = (?? IS NOT NULL AND ?? IS NOT NULL AND ?? IS NOT NULL)", [
      'status', 'counted_quantity', 'expected_quantity', 'counted_at',
    ]);
    t.check('?? >= 0', ['counted_quantity']);
  });
  // One open task per SKU and location: a Schedule run repeated, or two at once, plans nothing twice.
  await db.raw("CREATE UNIQUE INDEX count_tasks_one_open ON count_tasks (location_id, sku) WHERE status = 'OPEN'");
  await db.schema.alterTable('adjustments', (t) => {
    t.foreign('count_task_id').references('count_tasks.id');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('adjustments', (t) => t.dropForeign(['count_task_id']));
  await db.schema.dropTableIfExists('count_tasks');
  await db.schema.dropTableIfExists('adjustment_lines');
  await db.schema.dropTableIfExists('adjustments');
}

import type { Knex } from 'knex';

/**
 * Replenishment settings. A (sku, location) without a row of replenishment_settings is planned by
 * service level with the engine's defaults (REPLENISHMENT_SERVICE_LEVEL_PERCENT, REPLENISHMENT_REVIEW_DAYS)
 * and its preferred supplier's lead time; a location without a replenishment_policies row only suggests.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('replenishment_settings', (t) => {
    t.string('sku', 64).notNullable().references('products.sku');
    t.string('location_id', 32).notNullable().references('locations.id');
    t.string('method', 16).notNullable();
    /** service_level: the probability of not running out during a lead time, e.g. 0.95. */
    t.decimal('service_level', 6, 5);
    t.integer('review_days');
    /** Overrides the preferred supplier's lead time. */
    t.integer('lead_time_days');
    t.integer('par_level');
    t.integer('min_level');
    t.integer('max_level');
    t.timestamps(true, true);
    t.primary(['sku', 'location_id']);
    t.index(['location_id']);
    t.check("?? IN ('service_level', 'par', 'min_max')", ['method']);
    t.check('?? IS NULL OR (?? > 0 AND ?? < 1)', ['service_level', 'service_level', 'service_level']);
    t.check('?? IS NULL OR ?? >= 0', ['review_days', 'review_days']);
    t.check('?? IS NULL OR ?? >= 0', ['lead_time_days', 'lead_time_days']);
    t.check("?? <> 'par' OR (?? IS NOT NULL AND ?? > 0)", ['method', 'par_level', 'par_level']);
    t.check("?? <> 'min_max' OR (?? IS NOT NULL AND ?? >= 0 AND ?? > ??)", ['method', 'min_level', 'min_level', 'max_level', 'min_level']);
  });

  await db.schema.createTable('replenishment_policies', (t) => {
    t.string('location_id', 32).primary().references('locations.id');
    /** suggest: drafts wait for ops approval; auto: a draft worth at most auto_limit_cents is submitted by itself. */
    t.string('mode', 16).notNullable();
    t.integer('auto_limit_cents').notNullable().defaultTo(0);
    t.timestamps(true, true);
    t.check("?? IN ('suggest', 'auto')", ['mode']);
    t.check('?? >= 0', ['auto_limit_cents']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('replenishment_policies');
  await db.schema.dropTableIfExists('replenishment_settings');
}

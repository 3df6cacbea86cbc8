import type { Knex } from 'knex';

/**
 * Demand forecasting: the forecast of each (sku, location) and the ABC class of each SKU, both
 * recomputed by the nightly forecasting Schedule and read by the API and replenishment; and the
 * planned events (promotions, seasons) ops record, which lift the forecast of the days they cover.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('demand_forecasts', (t) => {
    t.string('sku', 64).notNullable().references('products.sku');
    t.string('location_id', 32).notNullable().references('locations.id');
    /** The first forecast day; the history is the days before it. */
    t.date('computed_for').notNullable();
    t.string('method', 32).notNullable();
    t.string('pattern', 16).notNullable();
    t.jsonb('parameters').notNullable();
    /** [{date, mean, low, high}] from computed_for on, planned events included. */
    t.jsonb('daily').notNullable();
    /** {wape, bias, holdoutDays} of the backtest on the history's last days. */
    t.jsonb('accuracy').notNullable();
    t.double('error_std_dev').notNullable();
    t.double('total_mean').notNullable();
    /** reorderPointFromForecast's answer with its why; null without a lead time to plan for (no preferred supplier). */
    t.jsonb('reorder_point');
    t.timestamp('computed_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['sku', 'location_id']);
    t.index(['location_id']);
  });

  await db.schema.createTable('planned_events', (t) => {
    t.string('id', 40).primary();
    t.string('name', 200).notNullable();
    /** Null: every SKU. */
    t.string('sku', 64).references('products.sku');
    /** Null: every location. */
    t.string('location_id', 32).references('locations.id');
    t.date('start_date').notNullable();
    t.date('end_date').notNullable();
    t.decimal('lift_percent', 10, 2).notNullable();
    t.string('created_by', 64).notNullable();
    t.timestamps(true, true);
    t.index(['end_date']);
    t.check('?? >= 0', ['lift_percent'], 'planned_events_lift_not_negative');
    t.check('?? >= ??', ['end_date', 'start_date'], 'planned_events_end_not_before_start');
  });

  await db.schema.createTable('abc_classes', (t) => {
    t.string('sku', 64).primary().references('products.sku');
    t.string('class', 1).notNullable();
    /** FIFO value shipped over the window, in cents. */
    t.bigInteger('value_cents').notNullable();
    t.date('computed_for').notNullable();
    t.timestamp('computed_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.check("?? IN ('A', 'B', 'C')", ['class']);
    t.check('?? >= 0', ['value_cents']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('abc_classes');
  await db.schema.dropTableIfExists('planned_events');
  await db.schema.dropTableIfExists('demand_forecasts');
}

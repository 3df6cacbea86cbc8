import type { Knex } from 'knex';

/**
 * Economic order quantities: a product's carrying costs (replenishment weighs price breaks only when
 * both are set) and a supplier's all-units price breaks per product, below which its
 * supplier_products unit cost applies.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('products', (t) => {
    /** Holding a unit for a year costs this percentage of its unit cost. */
    t.double('holding_cost_percent');
    /** Placing and receiving one purchase order. */
    t.integer('ordering_cost_cents');
  });
  // Raw: knex's check() binds its identifiers badly in ALTER TABLE. NULL (not set) passes a CHECK.
  await db.raw(
    `ALTER TABLE products
       ADD CONSTRAINT products_holding_cost_positive CHECK (holding_cost_percent > 0),
       ADD CONSTRAINT products_ordering_cost_not_negative CHECK (ordering_cost_cents >= 0)`,
  );

  await db.schema.createTable('supplier_price_breaks', (t) => {
    t.string('supplier_id', 40).notNullable();
    t.string('sku', 64).notNullable();
    /** Every unit of an order of at least this many costs unit_cost_cents. */
    t.integer('min_quantity').notNullable();
    t.integer('unit_cost_cents').notNullable();
    t.primary(['supplier_id', 'sku', 'min_quantity']);
    t.foreign(['supplier_id', 'sku']).references(['supplier_id', 'sku']).inTable('supplier_products').onDelete('CASCADE');
    t.check('?? > 1 AND ?? >= 0', ['min_quantity', 'unit_cost_cents']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('supplier_price_breaks');
  await db.schema.alterTable('products', (t) => t.dropColumns('holding_cost_percent', 'ordering_cost_cents'));
}

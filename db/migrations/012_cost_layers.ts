import type { Knex } from 'knex';

/**
 * FIFO cost layers and consignment. Every stock-in movement creates a layer (received units, what
 * remains of them, their unit cost, and the owner when the units are consigned); every stock-out
 * movement consumes layers, one row per layer taken, so COGS and valuation as of any date come from
 * these rows. Shipment lines carry their COGS; receipts name the owner of consigned units; each
 * location says whether consigned units sell before or after its own.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('cost_layers', (t) => {
    t.bigIncrements('id');
    t.string('sku', 64).notNullable();
    t.string('location_id', 32).notNullable();
    /** The stock-in movement that created it; null for the opening layers of stock that predates layers. */
    t.bigInteger('movement_id').references('inventory_movements.id');
    t.integer('quantity').notNullable();
    t.integer('remaining').notNullable();
    t.integer('unit_cost_cents').notNullable();
    /** null: our own stock; else the supplier (owner) the consigned units still belong to. */
    t.string('owner_id', 64);
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.foreign(['sku', 'location_id']).references(['sku', 'location_id']).inTable('inventory_levels');
    t.check('?? > 0 AND ?? >= 0 AND ?? <= ?? AND ?? >= 0', ['quantity', 'remaining', 'remaining', 'quantity', 'unit_cost_cents']);
  });
  // One layer per movement, owner and cost: a retried stock-in cannot add its units twice.
  await db.raw(
    "CREATE UNIQUE INDEX cost_layers_once_per_movement ON cost_layers (movement_id, (coalesce(owner_id, '')), unit_cost_cents)",
  );
  await db.raw('CREATE INDEX cost_layers_open ON cost_layers (sku, location_id, received_at, id) WHERE remaining > 0');
  await db.raw('CREATE INDEX cost_layers_by_received ON cost_layers (received_at)');

  await db.schema.createTable('cost_consumptions', (t) => {
    t.bigIncrements('id');
    t.bigInteger('movement_id').notNullable().references('inventory_movements.id');
    t.bigInteger('layer_id').notNullable().references('cost_layers.id');
    t.integer('quantity').notNullable();
    t.integer('unit_cost_cents').notNullable();
    /** The layer's owner, kept here so what is owed per owner and period is one scan. */
    t.string('owner_id', 64);
    t.timestamp('consumed_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['movement_id', 'layer_id']);
    t.index(['layer_id', 'consumed_at']);
    t.check('?? > 0 AND ?? >= 0', ['quantity', 'unit_cost_cents']);
  });
  await db.raw('CREATE INDEX cost_consumptions_owed ON cost_consumptions (consumed_at, owner_id) WHERE owner_id IS NOT NULL');

  await db.schema.alterTable('shipment_lines', (t) => {
    /** Cost of goods sold for the line's units, from the layers they were taken from; null until shipped. */
    t.bigInteger('cogs_cents');
  });
  await db.schema.alterTable('receipts', (t) => {
    t.string('owner_id', 64);
  });
  await db.schema.alterTable('locations', (t) => {
    t.string('consignment_rule', 8).notNullable().defaultTo('last');
  });
  await db.raw("ALTER TABLE locations ADD CONSTRAINT locations_consignment_rule CHECK (consignment_rule IN ('first', 'last'))");

  // Stock on hand before layers existed: one opening layer per (sku, location) at the product's cost.
  await db.raw(`
    INSERT INTO cost_layers (sku, location_id, quantity, remaining, unit_cost_cents)
    SELECT l.sku, l.location_id, l.on_hand, l.on_hand, p.unit_cost_cents
      FROM inventory_levels l JOIN products p ON p.sku = l.sku
     WHERE l.on_hand > 0
       AND NOT EXISTS (SELECT 1 FROM cost_layers c WHERE c.sku = l.sku AND c.location_id = l.location_id)`);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('ALTER TABLE locations DROP CONSTRAINT IF EXISTS locations_consignment_rule');
  await db.schema.alterTable('locations', (t) => t.dropColumn('consignment_rule'));
  await db.schema.alterTable('receipts', (t) => t.dropColumn('owner_id'));
  await db.schema.alterTable('shipment_lines', (t) => t.dropColumn('cogs_cents'));
  await db.schema.dropTableIfExists('cost_consumptions');
  await db.schema.dropTableIfExists('cost_layers');
}

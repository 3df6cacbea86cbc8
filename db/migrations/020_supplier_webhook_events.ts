import type { Knex } from 'knex';

/**
 * Supplier webhooks' event ids, claimed once verified: a repeated delivery is answered `duplicate`
 * and never reaches the PO's workflow again. applied_at says the first delivery got through; a repeat
 * of one that did not (the process died, the workflow was busy) is sent on again.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('supplier_webhook_events', (t) => {
    t.bigIncrements('id');
    t.string('supplier_id', 40).notNullable().references('suppliers.id');
    t.string('event_id', 100).notNullable();
    t.string('purchase_order_id', 40).notNullable().references('purchase_orders.id');
    t.jsonb('payload').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('applied_at', { useTz: true });
    t.unique(['supplier_id', 'event_id']);
    t.index(['purchase_order_id']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('supplier_webhook_events');
}

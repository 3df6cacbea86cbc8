import type { Knex } from 'knex';

/**
 * The parcels of a shipment, one row per piece of its multi-piece label: a shipment whose units
 * exceed one parcel is packed into several (domain/packing.ts), each with its own tracking number
 * and label page. The shipments row keeps the master tracking number and label, on which the
 * carrier's tracking events arrive.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('shipment_parcels', (t) => {
    t.string('shipment_id', 48).notNullable().references('shipments.id');
    /** 1-based, in the order the parcels were sent to the carrier (piece numbers). */
    t.integer('parcel_no').notNullable();
    t.string('tracking_number', 64).notNullable();
    /** Null only if the carrier answered with more pieces than the engine packed. */
    t.integer('weight_grams');
    t.integer('length_mm');
    t.integer('width_mm');
    t.integer('height_mm');
    t.text('label_url');
    /** Units packed in it: [{ sku, quantity }]. */
    t.jsonb('contents').notNullable().defaultTo('[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['shipment_id', 'parcel_no']);
    t.index(['tracking_number']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('shipment_parcels');
}

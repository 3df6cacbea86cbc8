import type { Knex } from 'knex';
import type { Address, FulfillmentMode } from '../domain/types';
import { upcA } from '../domain/upc';

interface DemoProduct {
  sku: string;
  name: string;
  upc: string;
  unitPriceCents: number;
  unitCostCents: number;
  weightGrams: number;
  dimensionsMm: [length: number, width: number, height: number];
}

interface DemoWarehouse {
  id: string;
  name: string;
  fulfillmentMode: FulfillmentMode;
  priority: number;
  address: Address;
  /** On-hand stock per SKU; a SKU missing here has a bin but no stock, so orders can split. */
  stock: Record<string, number>;
}

export const DEMO_PRODUCTS: DemoProduct[] = [
  { sku: 'TEE-BLK-M', name: 'Organic cotton T-shirt, black, M', upc: upcA('81234500001'), unitPriceCents: 2400, unitCostCents: 900, weightGrams: 180, dimensionsMm: [300, 250, 20] },
  { sku: 'MUG-CER-12', name: 'Ceramic mug, 12 oz', upc: upcA('81234500002'), unitPriceCents: 1600, unitCostCents: 550, weightGrams: 420, dimensionsMm: [120, 120, 110] },
  { sku: 'BTL-STL-750', name: 'Insulated steel bottle, 750 ml', upc: upcA('81234500003'), unitPriceCents: 3200, unitCostCents: 1250, weightGrams: 380, dimensionsMm: [280, 80, 80] },
  { sku: 'BAG-CNV-TOTE', name: 'Canvas tote bag', upc: upcA('81234500004'), unitPriceCents: 1800, unitCostCents: 600, weightGrams: 250, dimensionsMm: [400, 380, 15] },
  { sku: 'NBK-A5-DOT', name: 'A5 dotted notebook', upc: upcA('81234500005'), unitPriceCents: 1200, unitCostCents: 380, weightGrams: 300, dimensionsMm: [210, 148, 15] },
  { sku: 'CAP-WOOL-GRY', name: 'Wool cap, grey', upc: upcA('81234500006'), unitPriceCents: 2200, unitCostCents: 800, weightGrams: 90, dimensionsMm: [250, 200, 80] },
];

export const DEMO_WAREHOUSES: DemoWarehouse[] = [
  {
    id: 'WH-AUTO',
    name: 'Lights-out fulfillment center (3PL)',
    fulfillmentMode: 'auto',
    priority: 10,
    address: { name: 'OMS Demo 3PL', line1: '100 Conveyor Way', city: 'Reno', region: 'NV', postalCode: '89502', country: 'US' },
    stock: { 'TEE-BLK-M': 40, 'MUG-CER-12': 60, 'BTL-STL-750': 25, 'BAG-CNV-TOTE': 30, 'NBK-A5-DOT': 100 },
  },
  {
    id: 'WH-MANUAL',
    name: 'Main street warehouse',
    fulfillmentMode: 'manual',
    priority: 20,
    address: { name: 'OMS Demo Warehouse', line1: '25 Harbor Street', city: 'Portland', region: 'OR', postalCode: '97209', country: 'US' },
    stock: { 'TEE-BLK-M': 15, 'MUG-CER-12': 20, 'BTL-STL-750': 10, 'NBK-A5-DOT': 40, 'CAP-WOOL-GRY': 12 },
  },
];

/** Every product gets a bin in every warehouse: A-01-01, A-01-02, … in catalog order. */
function binCode(productIndex: number): string {
  return `A-01-${String(productIndex + 1).padStart(2, '0')}`;
}

/**
 * Inserts the demo catalog where it is missing and leaves existing rows alone. Stock goes in as
 * 'receipt' ledger rows with one idempotency key per (sku, location), and on_hand moves only by the
 * rows actually inserted, in the same transaction, so on_hand = sum(ledger) and a rerun adds nothing.
 * Resolves to the number of stock receipts written.
 */
export async function seedDemoCatalog(db: Knex): Promise<number> {
  return db.transaction(async (trx) => {
    await trx('products')
      .insert(
        DEMO_PRODUCTS.map((p) => ({
          sku: p.sku,
          name: p.name,
          upc: p.upc,
          unit_price_cents: p.unitPriceCents,
          unit_cost_cents: p.unitCostCents,
          weight_grams: p.weightGrams,
          length_mm: p.dimensionsMm[0],
          width_mm: p.dimensionsMm[1],
          height_mm: p.dimensionsMm[2],
        })),
      )
      .onConflict('sku')
      .ignore();

    await trx('locations')
      .insert(
        DEMO_WAREHOUSES.map((w) => ({
          id: w.id,
          name: w.name,
          kind: 'warehouse',
          fulfillment_mode: w.fulfillmentMode,
          priority: w.priority,
          address: JSON.stringify(w.address),
        })),
      )
      .onConflict('id')
      .ignore();

    const binRows = DEMO_WAREHOUSES.flatMap((w) =>
      DEMO_PRODUCTS.map((p, index) => ({ sku: p.sku, location_id: w.id, bin_code: binCode(index) })),
    );
    await trx('bins')
      .insert(binRows.map((row) => ({ location_id: row.location_id, code: row.bin_code })))
      .onConflict(['location_id', 'code'])
      .ignore();
    await trx('bin_assignments').insert(binRows).onConflict(['sku', 'location_id']).ignore();

    const received: { sku: string; location_id: string; quantity: number }[] = await trx('inventory_movements')
      .insert(
        DEMO_WAREHOUSES.flatMap((w) =>
          Object.entries(w.stock).map(([sku, quantity]) => ({
            sku,
            location_id: w.id,
            quantity,
            kind: 'receipt',
            reference_type: 'seed',
            reference_id: 'demo-catalog',
            idempotency_key: `seed:${sku}:${w.id}`,
          })),
        ),
      )
      .onConflict('idempotency_key')
      .ignore()
      .returning(['sku', 'location_id', 'quantity']);

    if (received.length > 0) {
      await trx('inventory_levels')
        .insert(received.map((r) => ({ sku: r.sku, location_id: r.location_id, on_hand: r.quantity })))
        .onConflict(['sku', 'location_id'])
        .merge({ on_hand: trx.raw('?? + excluded.on_hand', ['inventory_levels.on_hand']), updated_at: trx.fn.now() });
    }
    return received.length;
  });
}

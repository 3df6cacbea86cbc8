import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import type { FulfillmentMode } from '../../domain/types';
import { upcA } from '../../domain/upc';

export interface Warehouse {
  id: string;
  mode: FulfillmentMode;
  priority: number;
  bins: string[];
}

export async function seedWarehouse(db: Knex, warehouse: Warehouse): Promise<void> {
  await db('locations').insert({
    id: warehouse.id,
    name: `Warehouse ${warehouse.id}`,
    fulfillment_mode: warehouse.mode,
    priority: warehouse.priority,
    address: JSON.stringify({ name: warehouse.id, line1: '1 Dock Road', city: 'Reno', region: 'NV', postalCode: '89502', country: 'US' }),
  });
  if (warehouse.bins.length > 0) {
    await db('bins').insert(warehouse.bins.map((code) => ({ location_id: warehouse.id, code })));
  }
}

export interface Product {
  sku: string;
  upc: string;
  unitPriceCents: number;
}

export async function seedProduct(db: Knex, sku: string, unitPriceCents: number): Promise<Product> {
  const upc = upcA(String(randomInt(10 ** 10, 10 ** 11 - 1)).padStart(11, '0'));
  await db('products').insert({ sku, name: `Product ${sku}`, upc, unit_price_cents: unitPriceCents, unit_cost_cents: 100, weight_grams: 400 });
  return { sku, upc, unitPriceCents };
}

export const address = {
  name: 'Ada Lovelace',
  line1: '12 Analytical Way',
  city: 'Portland',
  region: 'OR',
  postalCode: '97201',
  country: 'US',
};

export function orderRequest(customerId: string, lines: { sku: string; quantity: number }[], extra: Record<string, unknown> = {}) {
  return {
    customerId,
    channel: 'web',
    lines,
    shippingAddress: address,
    shippingCents: 500,
    payment: { token: 'tok_visa' },
    ...extra,
  };
}

/**
 * Helpers for the HTTP API tests: the app on the per-run test database and the real Temporal dev
 * server, one API key per role, and data seeded under a unique prefix so test files can run in
 * parallel on the shared database without seeing each other's rows.
 *
 * Requests go over HTTP to the app listening on an ephemeral local port: `app.inject()` cannot load
 * under Jest's CommonJS runtime (light-my-request requires the ESM-only cookie@2).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import { type App, buildApp } from '../../api/app';
import { addLayer, productCost } from '../../activities/cost-layers';
import { createDb } from '../../db/knex';
import { ALL_LOCATIONS, createApiKey, type Role, ROLES } from '../../infra/api-keys';

/** The helper's keys hold every channel the tests order through, and every location. */
export const TEST_KEY_SCOPE = { channels: ['web', 'marketplace', 'pos'], locationIds: [ALL_LOCATIONS] };
import { type Config, loadConfig } from '../../infra/config';
import { connectClient } from '../../infra/temporal';
import { expectInvariants } from './invariants';
import { startOrderWorkflow } from '../../infra/workflow-starters';
import { upcA } from '../../domain/upc';
import type { ShipmentStatus } from '../../domain/types';
import { shipmentId } from '../../workflows/definitions';

export interface ApiRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer is sent as is. */
  payload?: unknown;
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  // Tests read response bodies field by field.
  json(): any;
}

export interface ApiTest {
  app: App;
  request(request: ApiRequest): Promise<ApiResponse>;
  db: Knex;
  temporal: Client;
  config: Config;
  /** Unique per test file; prefix every id, sku and customer with it. */
  prefix: string;
  keys: Record<Role, string>;
  /** The api_keys.id of each key in `keys`. */
  keyIds: Record<Role, string>;
  close(): Promise<void>;
}

/**
 * Workflows started by these tests go to a task queue of their own, which no worker polls: they stay
 * RUNNING without progress, so the API's side of the contract is tested on its own.
 */
export async function startApiTest(): Promise<ApiTest> {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const base = loadConfig();
  const config: Config = { ...base, temporal: { ...base.temporal, taskQueue: `api-test-${prefix}` } };
  const db = createDb(config.databaseUrl, 5);
  const temporal = await connectClient(config.temporal);
  const app = buildApp({
    db,
    temporal,
    config,
    logger: { level: 'error' },
    // Short waits: no worker answers queries or updates here, and tests assert the timeout answers.
    timeouts: { queryMs: 300, updateMs: 1_000, startMs: 5_000 },
  });
  const request = await serve(app);
  const keys = {} as Record<Role, string>;
  const keyIds = {} as Record<Role, string>;
  for (const role of ROLES) {
    ({ key: keys[role], id: keyIds[role] } = await createApiKey(db, `${prefix} ${role}`, role, TEST_KEY_SCOPE));
  }
  return {
    app,
    request,
    db,
    temporal,
    config,
    prefix,
    keys,
    keyIds,
    close: async () => {
      await app.close();
      await temporal.connection.close();
      await db.destroy();
    },
  };
}

/** Listens on an ephemeral local port; returns a function that sends requests to it. */
/** Ends a test file: the invariants must hold over what it did, then the app and connections close. */
export async function finishApiTest(t: ApiTest): Promise<void> {
  try {
    await expectInvariants(t.db, t.temporal);
  } finally {
    await t.close();
  }
}

export async function serve(app: App): Promise<(request: ApiRequest) => Promise<ApiResponse>> {
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return (request) => send(baseUrl, request);
}

async function send(baseUrl: string, { method = 'GET', url, headers = {}, payload }: ApiRequest): Promise<ApiResponse> {
  const raw = typeof payload === 'string' || Buffer.isBuffer(payload);
  const body = payload === undefined ? undefined : raw ? (payload as string | Buffer) : JSON.stringify(payload);
  const contentType: Record<string, string> = payload !== undefined && !raw ? { 'content-type': 'application/json' } : {};
  const response = await fetch(`${baseUrl}${url}`, { method, headers: { ...contentType, ...headers }, body });
  const text = await response.text();
  return {
    statusCode: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body: text,
    json: () => JSON.parse(text),
  };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

export function uniqueUpc(): string {
  return upcA(String(randomInt(10_000_000_000, 99_999_999_999)));
}

export interface SeededProduct {
  sku: string;
  upc: string;
  name: string;
  unitPriceCents: number;
}

export async function seedProduct(
  db: Knex,
  sku: string,
  fields: { unitPriceCents?: number; active?: boolean } = {},
): Promise<SeededProduct> {
  const product = { sku, upc: uniqueUpc(), name: `Product ${sku}`, unitPriceCents: fields.unitPriceCents ?? 1250 };
  await db('products').insert({
    sku,
    name: product.name,
    upc: product.upc,
    unit_price_cents: product.unitPriceCents,
    unit_cost_cents: 500,
    weight_grams: 300,
    active: fields.active ?? true,
  });
  return product;
}

export async function seedLocation(db: Knex, id: string, bins: string[] = []): Promise<void> {
  await db('locations').insert({
    id,
    name: `Warehouse ${id}`,
    fulfillment_mode: 'manual',
    priority: 10,
    address: JSON.stringify({ line1: '1 Dock Rd', city: 'Springfield', country: 'US' }),
  });
  if (bins.length > 0) await db('bins').insert(bins.map((code) => ({ location_id: id, code })));
}

/** Stock the way the engine records it: a level, the ledger row that explains it and its cost layer at the product's cost. */
export async function seedStock(db: Knex, sku: string, locationId: string, quantity: number, bin?: string): Promise<void> {
  await db('inventory_levels').insert({ sku, location_id: locationId, on_hand: quantity });
  const [movement] = await db('inventory_movements')
    .insert({
      sku,
      location_id: locationId,
      quantity,
      kind: 'adjustment',
      reason_code: 'test_seed',
      reference_type: 'adjustment',
      reference_id: `seed:${sku}`,
      idempotency_key: `seed:${sku}:${locationId}`,
    })
    .returning('id');
  if (quantity > 0) {
    await addLayer(db, { movementId: movement.id, sku, locationId, quantity, unitCostCents: await productCost(db, sku) });
  }
  if (bin) await db('bin_assignments').insert({ sku, location_id: locationId, bin_code: bin });
}

/** A valid order body for POST /v1/orders; override any part. */
export function orderBody(customerId: string, lines: { sku: string; quantity: number }[], overrides: object = {}) {
  return {
    customerId,
    channel: 'web',
    lines,
    shippingAddress: {
      name: 'Ada Lovelace',
      line1: '12 Analytical Way',
      city: 'London',
      region: 'LND',
      postalCode: 'N1 9GU',
      country: 'GB',
    },
    payment: { token: 'tok_visa' },
    ...overrides,
  };
}

/**
 * An order written straight to the database (list and warehouse tests), with its workflow started
 * on this file's task queue so the order is what the engine's invariants expect: accepted and
 * owned by a running workflow (which no worker advances).
 */
export async function insertOrder(
  t: ApiTest,
  order: { id: string; customerId: string; channel?: string; status?: string; createdAt: Date; sku: string },
): Promise<void> {
  await t.db('orders').insert({
    id: order.id,
    customer_id: order.customerId,
    channel: order.channel ?? 'web',
    status: order.status ?? 'ACCEPTED',
    backorder_policy: 'wait',
    backorder_deadline: new Date(order.createdAt.getTime() + 86_400_000),
    currency: 'USD',
    items_cents: 1000,
    shipping_cents: 0,
    total_cents: 1000,
    payment_token: 'tok_visa',
    capture_mode: 'on_shipment',
    shipping_address: JSON.stringify({ name: 'A', line1: 'B', city: 'C', region: 'D', postalCode: 'E', country: 'US' }),
    created_at: order.createdAt,
    updated_at: order.createdAt,
  });
  await t.db('order_lines').insert({ order_id: order.id, line_no: 1, sku: order.sku, quantity: 1, unit_price_cents: 1000 });
  await startOrderWorkflow(t.temporal, t.config.temporal.taskQueue, t.db, order.id);
}

/** A shipment row as the order workflow's activities would write it. */
export async function insertShipment(
  db: Knex,
  shipment: {
    orderId: string;
    shipmentNo: number;
    locationId: string;
    status: ShipmentStatus;
    lines: { lineNo: number; sku: string; quantity: number }[];
    trackingNumber?: string;
    createdAt?: Date;
  },
): Promise<string> {
  const id = shipmentId(shipment.orderId, shipment.shipmentNo);
  await db('shipments').insert({
    id,
    order_id: shipment.orderId,
    shipment_no: shipment.shipmentNo,
    location_id: shipment.locationId,
    status: shipment.status,
    amount_cents: 1000,
    tracking_number: shipment.trackingNumber ?? null,
    created_at: shipment.createdAt ?? new Date(),
  });
  await db('shipment_lines').insert(
    shipment.lines.map((line) => ({ shipment_id: id, line_no: line.lineNo, sku: line.sku, quantity: line.quantity })),
  );
  return id;
}

/** Rows an API request could have written for this test file's customer and location. */
export async function rowCounts(db: Knex, scope: { customerId?: string; locationId?: string }): Promise<Record<string, number>> {
  const count = async (query: Knex.QueryBuilder) => Number((await query.count({ n: '*' }).first())?.n ?? 0);
  const ordersOf = db('orders').where({ customer_id: scope.customerId ?? '' }).select('id');
  return {
    orders: await count(db('orders').where({ customer_id: scope.customerId ?? '' })),
    order_lines: await count(db('order_lines').whereIn('order_id', ordersOf.clone())),
    order_events: await count(db('order_events').whereIn('order_id', ordersOf.clone())),
    receipts: await count(db('receipts').where({ location_id: scope.locationId ?? '' })),
    inventory_movements: await count(db('inventory_movements').where({ location_id: scope.locationId ?? '' })),
  };
}

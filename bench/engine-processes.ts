import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { seedProduct, seedWarehouse } from '../dev/harness/catalog';
import type { Engine } from '../dev/harness/engine';
import { BenchProcess, freePort } from './processes';
import { waitUntil } from './scenario';

/**
 * The engine as deployed: the worker and the API each in a process of its own (`worker/main.ts`,
 * `api/main.ts`, production defaults: 50 activity slots, an API pool of 10), on the harness's
 * database, task queue and sandbox carrier. The harness's in-process API is only used to seed.
 */
export interface EngineProcesses {
  worker: BenchProcess;
  api: BenchProcess;
  apiUrl: string;
  stop(): Promise<void>;
}

export async function startEngineProcesses(engine: Engine): Promise<EngineProcesses> {
  const worker = await BenchProcess.start('worker', path.join('worker', 'main.ts'), engine.workerEnv(), 'worker polling task queue');
  try {
    const port = await freePort();
    const api = await BenchProcess.start('API', path.join('api', 'main.ts'), engine.apiEnv(port), 'API listening');
    return { worker, api, apiUrl: `http://127.0.0.1:${port}`, stop: async () => void (await Promise.all([api.stop(), worker.stop()])) };
  } catch (error) {
    await worker.stop();
    throw error;
  }
}

export const MANUAL_WAREHOUSE = 'WH-BENCH-MANUAL';

/** A manual warehouse with `units` of one product: orders stop there awaiting pick. */
export async function seedManualStock(engine: Engine, units: number): Promise<string> {
  await seedWarehouse(engine.db, { id: MANUAL_WAREHOUSE, mode: 'manual', priority: 10, bins: ['A-01-01'] });
  const product = await seedProduct(engine.db, `OPEN-${randomBytes(3).toString('hex')}`, 1500);
  const receipt = await engine.call('ops', 'POST', '/v1/inventory/receipts', {
    locationId: MANUAL_WAREHOUSE,
    lines: [{ sku: product.sku, quantity: units, bin: 'A-01-01' }],
  });
  if (receipt.status !== 201) throw new Error(`stock receipt failed: ${JSON.stringify(receipt.body)}`);
  return product.sku;
}

/** Orders by status, and how many are open: FULFILLING with their shipment awaiting pick. */
export async function openOrders(engine: Engine): Promise<{ open: number; byStatus: Record<string, number> }> {
  const [{ open }] = await engine.db('orders as o')
    .where('o.status', 'FULFILLING')
    .whereExists((query) => query.select(engine.db.raw('1')).from('shipments as s').whereRaw('s.order_id = o.id').andWhere('s.status', 'AWAITING_PICK'))
    .select(engine.db.raw('count(*)::int AS open'));
  const rows: { status: string; n: number }[] = await engine.db('orders').select('status', engine.db.raw('count(*)::int AS n')).groupBy('status');
  return { open, byStatus: Object.fromEntries(rows.map((row) => [row.status, row.n])) };
}

/** Waits until `expected` orders are open (the worker has nothing left to do for them). */
export async function waitForOpen(engine: Engine, expected: number, deadline: number): Promise<{ open: number; byStatus: Record<string, number> }> {
  let last = await openOrders(engine);
  await waitUntil(deadline, async () => {
    last = await openOrders(engine);
    return last.open >= expected;
  }, 500);
  return last;
}

/** One HTTP request; throws unless the status is the expected one. */
export async function request(url: string, init: RequestInit, expectedStatus: number): Promise<unknown> {
  const response = await fetch(url, init);
  const text = await response.text();
  if (response.status !== expectedStatus) throw new Error(`${init.method ?? 'GET'} ${new URL(url).pathname} answered ${response.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

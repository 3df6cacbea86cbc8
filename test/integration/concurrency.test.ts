import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.start({
    label: 'concurrency',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
  });
  // A manual warehouse: nothing ships on its own, so reservations stay visible.
  await seedWarehouse(engine.db, { id: 'WH-HOT', mode: 'manual', priority: 10, bins: [] });
});

afterAll(async () => {
  await engine?.stop();
});

it('200 concurrent one-unit orders for 50 units: exactly 50 reserved, the rest backordered or rejected by policy', async () => {
  const hot = await seedProduct(engine.db, `HOT-${randomBytes(3).toString('hex')}`, 1999);
  const receipt = await engine.call('warehouse', 'POST', '/v1/inventory/receipts', {
    locationId: 'WH-HOT',
    lines: [{ sku: hot.sku, quantity: 50 }],
  });
  expect(receipt.status).toBe(201);

  const policies = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 'reject' : 'wait'));
  const created = await Promise.all(
    policies.map((policy, i) =>
      engine.call('client', 'POST', '/v1/orders', orderRequest(`cus-${i}`, [{ sku: hot.sku, quantity: 1 }], { backorder: { policy } })),
    ),
  );
  expect(created.map((answer) => answer.status)).toEqual(policies.map(() => 201));
  const policyOf = new Map(created.map((answer, i) => [answer.body.id as string, policies[i]]));

  const settled = await eventually(async () => {
    const rows: { id: string; status: string }[] = await engine.db('orders').select('id', 'status');
    return rows.every((row) => ['FULFILLING', 'BACKORDERED', 'REJECTED'].includes(row.status)) && rows;
  }, 180_000, 500);

  const byStatus = (status: string) => settled.filter((row) => row.status === status);
  expect(byStatus('FULFILLING')).toHaveLength(50);
  expect(byStatus('BACKORDERED').length + byStatus('REJECTED').length).toBe(150);
  expect(byStatus('REJECTED').every((row) => policyOf.get(row.id) === 'reject')).toBe(true);
  expect(byStatus('BACKORDERED').every((row) => policyOf.get(row.id) === 'wait')).toBe(true);

  expect(await engine.db('inventory_levels').where({ sku: hot.sku }).first('on_hand', 'reserved')).toEqual({ on_hand: 50, reserved: 50 });
  const active = await engine.db('reservations').where({ sku: hot.sku, status: 'active' }).select('order_id');
  expect(new Set(active.map((row) => row.order_id))).toEqual(new Set(byStatus('FULFILLING').map((row) => row.id)));
  await expectInvariants(engine.db, engine.temporal);
}, 300_000);

import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, type Product, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { adjustmentWorkflowId } from '../../workflows/adjustment-definitions';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

/**
 * Adjustments through the HTTP API on the real Temporal dev server and Postgres. The warehouse is
 * `manual`, so orders keep their reservations (nobody picks) and adjustments meet reserved stock.
 * Products cost 100 cents a unit; the approval threshold is lowered to 500 (more than 5 units waits).
 */
let engine: Engine;
const WAREHOUSE = 'WH-ADJ';
const OTHER = 'WH-ADJ-2';
const THRESHOLD_CENTS = 500;

beforeAll(async () => {
  engine = await Engine.start({
    label: 'adjustments',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
  });
  await seedWarehouse(engine.db, { id: WAREHOUSE, mode: 'manual', priority: 10, bins: ['A-01'] });
  await seedWarehouse(engine.db, { id: OTHER, mode: 'manual', priority: 20, bins: [] });
  engine.config.adjustments.approvalThresholdCents = THRESHOLD_CENTS;
});

afterEach(async () => {
  engine.config.adjustments.approvalTimeoutHours = 72;
  await expectInvariants(engine.db, engine.temporal);
});

afterAll(async () => {
  await engine?.stop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

async function stocked(units: number, locationId = WAREHOUSE): Promise<Product> {
  const product = await seedProduct(engine.db, unique('ADJ'), 1000);
  const answer = await engine.call('warehouse', 'POST', '/v1/inventory/receipts', { locationId, lines: [{ sku: product.sku, quantity: units }] });
  expect(answer.status).toBe(201);
  return product;
}

const adjust = (body: object, headers: Record<string, string> = {}, role: 'warehouse' | 'ops' = 'warehouse') =>
  engine.call(role, 'POST', '/v1/inventory/adjustments', body, headers);

async function level(sku: string, locationId = WAREHOUSE): Promise<{ onHand: number; reserved: number }> {
  const row = await engine.db('inventory_levels').where({ sku, location_id: locationId }).first();
  return { onHand: row.on_hand, reserved: row.reserved };
}

const rowCounts = async () => ({
  adjustments: Number((await engine.db('adjustments').count({ n: '*' }).first())!.n),
  movements: Number((await engine.db('inventory_movements').count({ n: '*' }).first())!.n),
});

async function placeOrder(sku: string, quantity: number): Promise<string> {
  const answer = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), [{ sku, quantity }]));
  expect(answer.status).toBe(201);
  return answer.body.id;
}

async function orderOnceItIs(orderId: string, statuses: string[]) {
  return eventually(async () => {
    const answer = await engine.call('ops', 'GET', `/v1/orders/${orderId}`);
    return statuses.includes(answer.body.status) ? answer.body : undefined;
  }, 60_000);
}

async function workflowResult(adjustmentId: string): Promise<string> {
  return engine.temporal.workflow.getHandle(adjustmentWorkflowId(adjustmentId)).result();
}

describe('adjustments within the threshold', () => {
  it('apply at once: on_hand, a ledger row with the reason code, the value, and the workflow ends APPLIED', async () => {
    const product = await stocked(10);
    const lost = await adjust({ reasonCode: 'lost', note: 'fell behind the rack', lines: [{ sku: product.sku, locationId: WAREHOUSE, quantity: -2 }] });
    expect(lost.status).toBe(201);
    expect(lost.body).toMatchObject({ kind: 'adjustment', reasonCode: 'lost', status: 'APPLIED', needsApproval: false, valueCents: 200 });
    expect(lost.body.lines).toEqual([{ lineNo: 1, sku: product.sku, locationId: WAREHOUSE, quantity: -2, valueCents: -200 }]);
    expect(await level(product.sku)).toEqual({ onHand: 8, reserved: 0 });
    const ledger = await engine.db('inventory_movements').where({ reference_type: 'adjustment', reference_id: lost.body.id });
    expect(ledger).toEqual([expect.objectContaining({ sku: product.sku, quantity: -2, kind: 'adjustment', reason_code: 'lost' })]);
    expect(await workflowResult(lost.body.id)).toBe('APPLIED');

    const found = await adjust({ reasonCode: 'found', lines: [{ sku: product.sku, locationId: WAREHOUSE, quantity: 3 }] });
    expect(found.body).toMatchObject({ status: 'APPLIED', valueCents: 300 });
    expect(await level(product.sku)).toEqual({ onHand: 11, reserved: 0 });
  });

  it('replays an Idempotency-Key without adjusting twice', async () => {
    const product = await stocked(10);
    const body = { reasonCode: 'damaged', lines: [{ sku: product.sku, locationId: WAREHOUSE, quantity: -1 }] };
    const key = { 'idempotency-key': unique('adj-key') };
    const first = await adjust(body, key);
    const again = await adjust(body, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await level(product.sku)).toEqual({ onHand: 9, reserved: 0 });
    const reused = await adjust({ ...body, reasonCode: 'lost' }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency_key_reused');
  });

  it('wakes a backordered order with the units it adds', async () => {
    const product = await stocked(1);
    const orderId = await placeOrder(product.sku, 2);
    await orderOnceItIs(orderId, ['BACKORDERED']);
    const found = await adjust({ reasonCode: 'found', lines: [{ sku: product.sku, locationId: WAREHOUSE, quantity: 1 }] });
    expect(found.body.status).toBe('APPLIED');
    await orderOnceItIs(orderId, ['FULFILLING']);
    expect(await level(product.sku)).toEqual({ onHand: 2, reserved: 2 });
  });
});

describe('refusals: a code, and nothing written', () => {
  it.each([
    ['unknown_reason_code', 422, (sku: string) => ({ reasonCode: 'borrowed', lines: [{ sku, locationId: WAREHOUSE, quantity: -1 }] })],
    ['below_zero', 422, (sku: string) => ({ reasonCode: 'lost', lines: [{ sku, locationId: WAREHOUSE, quantity: -6 }] })],
    ['quantity_sign_mismatch', 422, (sku: string) => ({ reasonCode: 'found', lines: [{ sku, locationId: WAREHOUSE, quantity: -1 }] })],
    ['sku_not_at_location', 422, (sku: string) => ({ reasonCode: 'found', lines: [{ sku, locationId: OTHER, quantity: 1 }] })],
    ['unknown_sku', 422, () => ({ reasonCode: 'found', lines: [{ sku: 'NO-SUCH-SKU', locationId: WAREHOUSE, quantity: 1 }] })],
    ['location_not_found', 404, (sku: string) => ({ reasonCode: 'found', lines: [{ sku, locationId: 'NOWHERE', quantity: 1 }] })],
    [
      'duplicate_line',
      422,
      (sku: string) => ({ reasonCode: 'correction', lines: [{ sku, locationId: WAREHOUSE, quantity: 1 }, { sku, locationId: WAREHOUSE, quantity: -1 }] }),
    ],
  ])('%s', async (code, status, body) => {
    const product = await stocked(5);
    const before = await rowCounts();
    const answer = await adjust(body(product.sku));
    expect(answer.status).toBe(status);
    expect(answer.body.code).toBe(code);
    expect(await rowCounts()).toEqual(before);
    expect(await level(product.sku)).toEqual({ onHand: 5, reserved: 0 });
  });

  it('kit_not_stockable: a kit holds no stock of its own; its components are adjusted instead', async () => {
    const component = await stocked(5);
    const kit = await seedProduct(engine.db, unique('ADJ-KIT'), 3000);
    await engine.db('products').where({ sku: kit.sku }).update({ kind: 'kit' });
    await engine.db('kit_components').insert({ kit_sku: kit.sku, component_sku: component.sku, quantity: 2 });
    const before = await rowCounts();
    const answer = await adjust({ reasonCode: 'found', lines: [{ sku: kit.sku, locationId: WAREHOUSE, quantity: 1 }] });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'kit_not_stockable', details: { skus: [kit.sku] } });
    expect(await rowCounts()).toEqual(before);
    expect(await level(component.sku)).toEqual({ onHand: 5, reserved: 0 });
  });

  it('below_reserved: units reserved for an order cannot be adjusted away, even lost or damaged', async () => {
    const product = await stocked(5);
    const orderId = await placeOrder(product.sku, 4);
    await orderOnceItIs(orderId, ['FULFILLING']);
    const before = await rowCounts();
    for (const reasonCode of ['lost', 'damaged']) {
      const answer = await adjust({ reasonCode, lines: [{ sku: product.sku, locationId: WAREHOUSE, quantity: -2 }] });
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ code: 'below_reserved', details: { onHand: 5, reserved: 4, quantity: -2 } });
    }
    expect(await rowCounts()).toEqual(before);
    const allowed = await adjust({ reasonCode: 'lost', lines: [{ sku: product.sku, locationId: WAREHOUSE, quantity: -1 }] });
    expect(allowed.body.status).toBe('APPLIED');
    expect(await level(product.sku)).toEqual({ onHand: 4, reserved: 4 });
  });

  it('a warehouse key bound to other locations does not see this one', async () => {
    const product = await stocked(5);
    const { createApiKey } = await import('../../infra/api-keys');
    const { key } = await createApiKey(engine.db, 'other site', 'warehouse', { locationIds: [OTHER] });
    const answer = await fetch(`${engine.apiUrl}/v1/inventory/adjustments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reasonCode: 'lost', lines: [{ sku: product.sku, locationId: WAREHOUSE, quantity: -1 }] }),
    });
    expect(answer.status).toBe(404);
    expect(await level(product.sku)).toEqual({ onHand: 5, reserved: 0 });
  });
});

describe('adjustments over the threshold wait for ops', () => {
  async function pending(product: Product, quantity: number) {
    const answer = await adjust({ reasonCode: quantity < 0 ? 'theft' : 'found', lines: [{ sku: product.sku, locationId: WAREHOUSE, quantity }] });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ status: 'PENDING_APPROVAL', needsApproval: true, approvalReason: 'over_threshold', valueCents: Math.abs(quantity) * 100 });
    return answer.body.id as string;
  }

  it('are listed by AdjustmentStatus in Temporal, apply when ops approve, and only ops may approve', async () => {
    const product = await stocked(20);
    const id = await pending(product, -8);
    expect(await level(product.sku)).toEqual({ onHand: 20, reserved: 0 });
    await eventually(async () => {
      for await (const run of engine.temporal.workflow.list({ query: `AdjustmentStatus = 'PENDING_APPROVAL' AND WorkflowType = 'adjustmentWorkflow'` })) {
        if (run.workflowId === adjustmentWorkflowId(id)) return true;
      }
      return undefined;
    }, 30_000);

    const byWarehouse = await engine.call('warehouse', 'POST', `/v1/inventory/adjustments/${id}/approve`, {});
    expect(byWarehouse.status).toBe(403);
    const approved = await engine.call('ops', 'POST', `/v1/inventory/adjustments/${id}/approve`, { note: 'confirmed by CCTV' });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'APPLIED', decidedBy: expect.any(String) });
    expect(await level(product.sku)).toEqual({ onHand: 12, reserved: 0 });
    const ledger = await engine.db('inventory_movements').where({ reference_id: id });
    expect(ledger).toEqual([expect.objectContaining({ quantity: -8, kind: 'adjustment', reason_code: 'theft' })]);
    expect(await workflowResult(id)).toBe('APPLIED');

    const twice = await engine.call('ops', 'POST', `/v1/inventory/adjustments/${id}/approve`, {});
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('adjustment_not_awaiting_approval');
  });

  it('rejected, they close without touching stock', async () => {
    const product = await stocked(20);
    const id = await pending(product, 9);
    const rejected = await engine.call('ops', 'POST', `/v1/inventory/adjustments/${id}/reject`, { note: 'miscounted' });
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('REJECTED');
    expect(await level(product.sku)).toEqual({ onHand: 20, reserved: 0 });
    expect(await engine.db('inventory_movements').where({ reference_id: id })).toEqual([]);
    expect(await workflowResult(id)).toBe('REJECTED');
  });

  it('nobody decides before the deadline: they expire unapplied', async () => {
    const product = await stocked(20);
    engine.config.adjustments.approvalTimeoutHours = 0;
    const id = await pending(product, -7);
    expect(await workflowResult(id)).toBe('EXPIRED');
    expect((await engine.call('ops', 'GET', `/v1/inventory/adjustments/${id}`)).body.status).toBe('EXPIRED');
    expect(await level(product.sku)).toEqual({ onHand: 20, reserved: 0 });
  });

  it('an approval that would now go below reserved is not applied: it keeps waiting until stock allows or ops reject', async () => {
    const product = await stocked(10);
    const id = await pending(product, -6);
    const orderId = await placeOrder(product.sku, 5);
    await orderOnceItIs(orderId, ['FULFILLING']);

    const refused = await engine.call('ops', 'POST', `/v1/inventory/adjustments/${id}/approve`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('below_reserved');
    const still = await engine.call('ops', 'GET', `/v1/inventory/adjustments/${id}`);
    expect(still.body).toMatchObject({ status: 'PENDING_APPROVAL', refusal: 'below_reserved' });
    expect(await level(product.sku)).toEqual({ onHand: 10, reserved: 5 });

    const cancelled = await engine.call('client', 'POST', `/v1/orders/${orderId}/cancel`, { reason: 'customer changed their mind' });
    expect(cancelled.status).toBe(200);
    const approved = await engine.call('ops', 'POST', `/v1/inventory/adjustments/${id}/approve`, {});
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'APPLIED', refusal: null });
    expect(await level(product.sku)).toEqual({ onHand: 4, reserved: 0 });
  });
});

describe('concurrency', () => {
  it('adjustments racing 50 orders on one SKU never take on_hand below zero or below reserved', async () => {
    const product = await stocked(40);
    const orders = Array.from({ length: 50 }, () =>
      engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), [{ sku: product.sku, quantity: 1 }])),
    );
    const adjustments = Array.from({ length: 20 }, (_, index) =>
      adjust({ reasonCode: index % 2 === 0 ? 'lost' : 'damaged', lines: [{ sku: product.sku, locationId: WAREHOUSE, quantity: -1 }] }),
    );
    const [placed, adjusted] = await Promise.all([Promise.all(orders), Promise.all(adjustments)]);
    expect(placed.every((answer) => answer.status === 201)).toBe(true);
    for (const answer of adjusted) {
      if (answer.status !== 201) expect(answer.body.code).toBe('below_reserved');
    }
    const applied = adjusted.filter((answer) => answer.status === 201).length;

    // Every order reserves or waits; none is left mid-allocation.
    await Promise.all(placed.map((answer) => orderOnceItIs(answer.body.id, ['FULFILLING', 'BACKORDERED'])));
    const { onHand, reserved } = await level(product.sku);
    expect(onHand).toBe(40 - applied);
    expect(reserved).toBeLessThanOrEqual(onHand);
    expect(reserved).toBe(Math.min(50, onHand));
    const ledger = await engine.db('inventory_movements').where({ sku: product.sku }).sum({ units: 'quantity' }).first();
    expect(Number(ledger!.units)).toBe(onHand);
  });
});

describe('GET /v1/inventory/adjustments', () => {
  it('lists newest first by status, kind and location, in pages; a warehouse key sees only adjustments wholly at its locations', async () => {
    const site = unique('WH-ADJL');
    await seedWarehouse(engine.db, { id: site, mode: 'manual', priority: 30, bins: [] });
    const here = await stocked(10, site);
    const there = await stocked(10, OTHER);
    const make = async (body: object) => (await adjust(body, {}, 'ops')).body as { id: string; status: string };
    const found = await make({ reasonCode: 'found', lines: [{ sku: here.sku, locationId: site, quantity: 1 }] });
    const lost = await make({ reasonCode: 'lost', lines: [{ sku: here.sku, locationId: site, quantity: -6 }] });
    const both = await make({
      reasonCode: 'correction',
      lines: [
        { sku: here.sku, locationId: site, quantity: 1 },
        { sku: there.sku, locationId: OTHER, quantity: 1 },
      ],
    });
    expect([found.status, lost.status, both.status]).toEqual(['APPLIED', 'PENDING_APPROVAL', 'APPLIED']);

    const list = async (query: string) => {
      const answer = await engine.call('ops', 'GET', `/v1/inventory/adjustments?${query}`);
      expect(answer.status).toBe(200);
      return answer.body as { data: { id: string; lines: { locationId: string }[] }[]; nextCursor: string | null };
    };
    const ids = (page: { data: { id: string }[] }) => page.data.map((row) => row.id);
    const all = await list(`locationId=${site}`);
    expect(ids(all)).toEqual([both.id, lost.id, found.id]);
    expect(all.data[0].lines.map((line) => line.locationId)).toEqual([site, OTHER]);
    expect(ids(await list(`locationId=${site}&status=PENDING_APPROVAL`))).toEqual([lost.id]);
    expect(ids(await list(`locationId=${site}&kind=count_correction`))).toEqual([]);
    const page1 = await list(`locationId=${site}&limit=2`);
    expect(ids(page1)).toEqual([both.id, lost.id]);
    const page2 = await list(`locationId=${site}&limit=2&cursor=${page1.nextCursor}`);
    expect(ids(page2)).toEqual([found.id]);
    expect(page2.nextCursor).toBeNull();

    const { createApiKey } = await import('../../infra/api-keys');
    const { key } = await createApiKey(engine.db, 'list site', 'warehouse', { locationIds: [site] });
    const asSite = (query: string) => fetch(`${engine.apiUrl}/v1/inventory/adjustments?${query}`, { headers: { authorization: `Bearer ${key}` } });
    expect(ids((await (await asSite('limit=200')).json()) as { data: { id: string }[] })).toEqual([lost.id, found.id]);
    expect((await asSite(`locationId=${OTHER}`)).status).toBe(404);
    expect((await engine.call('ops', 'GET', '/v1/inventory/adjustments?status=MAYBE')).status).toBe(400);

    expect((await engine.call('ops', 'POST', `/v1/inventory/adjustments/${lost.id}/reject`, {})).status).toBe(200);
  });
});

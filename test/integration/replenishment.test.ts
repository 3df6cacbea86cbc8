import { randomBytes } from 'node:crypto';
import { Engine } from '../../dev/harness/engine';
import { orderRequest, seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { replenishmentScheduleId, startReplenishing } from '../../infra/schedules';
import { approvePurchaseOrderUpdate, purchaseOrderStatusQuery, purchaseOrderWorkflowId } from '../../workflows/purchase-order-definitions';
import { eventually } from '../helpers/eventually';
import { expectInvariants } from '../helpers/invariants';

/**
 * Replenishment through the HTTP API on the real Temporal dev server and Postgres: settings and
 * policies set by ops, suggestions with their why, drafts raised by the real Schedule, by a shipment
 * that drops SKUs to their reorder point (auto-submitted under the location's value limit), and by a
 * just-in-time product's backorder. Both warehouses are `auto`: orders ship by themselves.
 */
let engine: Engine;
const A = 'WH-RPL-A';
const B = 'WH-RPL-B';

beforeAll(async () => {
  engine = await Engine.start({
    label: 'replenishment',
    databaseUrl: process.env.DATABASE_URL!,
    temporalAddress: process.env.TEMPORAL_ADDRESS!,
    workflowBundlePath: process.env.OMS_TEST_WORKFLOW_BUNDLE,
  });
  await seedWarehouse(engine.db, { id: A, mode: 'auto', priority: 10, bins: ['A-01'] });
  await seedWarehouse(engine.db, { id: B, mode: 'auto', priority: 20, bins: ['B-01'] });
});

afterEach(async () => {
  await expectInvariants(engine.db, engine.temporal);
});

afterAll(async () => {
  await engine?.stop();
});

const unique = (name: string) => `${name}-${randomBytes(3).toString('hex')}`;

async function supplier(leadTimeDays = 5, minimumOrderCents = 0): Promise<string> {
  const answer = await engine.call(
    'ops',
    'POST',
    '/v1/suppliers',
    { name: unique('Supplier'), contact: { email: 'buyer@example.com' }, currency: 'USD', leadTimeDays, minimumOrderCents, paymentTerms: 'net 30' },
    { 'idempotency-key': unique('sup') },
  );
  expect(answer.status).toBe(201);
  return answer.body.id;
}

interface SupplierTerms {
  unitCostCents: number;
  packSize?: number;
  minimumOrderQuantity?: number;
  priceBreaks?: { minQuantity: number; unitCostCents: number }[];
}

async function product(supplierId: string, terms: SupplierTerms, stock?: { locationId: string; units: number }) {
  const { sku } = await seedProduct(engine.db, unique('RPL'), 2000);
  const answer = await engine.call('ops', 'PUT', `/v1/suppliers/${supplierId}/products/${sku}`, { supplierSku: `S-${sku}`, preferred: true, ...terms });
  expect(answer.status).toBe(200);
  if (stock) {
    const receipt = await engine.call('warehouse', 'POST', '/v1/inventory/receipts', { locationId: stock.locationId, lines: [{ sku, quantity: stock.units }] });
    expect(receipt.status).toBe(201);
  }
  return sku;
}

const settings = (locationId: string, sku: string, body: object) => engine.call('ops', 'PUT', `/v1/replenishment/settings/${locationId}/${sku}`, body);
const suggestions = async (query: string) => {
  const answer = await engine.call('ops', 'GET', `/v1/replenishment/suggestions?${query}`);
  expect(answer.status).toBe(200);
  return answer.body;
};

async function draftFor(sku: string, status?: string) {
  return eventually(async () => {
    const row = await engine.db('purchase_orders as po')
      .join('purchase_order_lines as l', 'l.purchase_order_id', 'po.id')
      .where('l.sku', sku)
      .modify((query) => (status ? query.where('po.status', status) : query))
      .first('po.*', 'l.quantity');
    return row && row.workflow_started_at ? row : undefined;
  }, 60_000);
}

async function deliver(lines: { sku: string; quantity: number }[]): Promise<string> {
  const answer = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), lines));
  expect(answer.status).toBe(201);
  await eventually(async () => (await engine.call('ops', 'GET', `/v1/orders/${answer.body.id}`)).body.status === 'DELIVERED', 60_000);
  return answer.body.id;
}

describe('settings and suggestions', () => {
  it('refuses bad settings with a code and writes nothing', async () => {
    const sup = await supplier();
    const sku = await product(sup, { unitCostCents: 100 });
    expect((await settings(A, sku, { method: 'par' })).body.code).toBe('par_level_required');
    expect((await settings(A, sku, { method: 'min_max', minLevel: 5, maxLevel: 5 })).body.code).toBe('min_max_invalid');
    expect((await settings(A, sku, { method: 'service_level', serviceLevel: 1 })).status).toBe(400);
    const unknown = await settings(A, 'NO-SUCH-SKU', { method: 'par', parLevel: 3 });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'product_not_found']);
    const policy = await engine.call('ops', 'PUT', '/v1/replenishment/policies/NO-SUCH-LOC', { mode: 'auto', autoLimitCents: 1 });
    expect([policy.status, policy.body.code]).toEqual([404, 'location_not_found']);
    expect((await engine.call('warehouse', 'GET', '/v1/replenishment/suggestions')).status).toBe(403);
    expect(await engine.db('replenishment_settings').where({ sku }).count({ n: '*' }).first()).toEqual({ n: 0 });
    expect(await engine.db('replenishment_policies').count({ n: '*' }).first()).toEqual({ n: 0 });
  });
});

describe('low stock → suggestion → draft PO', () => {
  it('the Schedule drafts what the suggestion shows, rounded to pack and MOQ, and the draft waits for approval', async () => {
    const sup = await supplier();
    const sku = await product(sup, { unitCostCents: 250, packSize: 6, minimumOrderQuantity: 12 }, { locationId: A, units: 10 });
    expect((await settings(A, sku, { method: 'min_max', minLevel: 12, maxLevel: 30 })).status).toBe(200);

    const before = await suggestions(`locationId=${A}&sku=${sku}`);
    expect(before.data).toEqual([
      expect.objectContaining({
        sku,
        locationId: A,
        supplierId: sup,
        quantity: 24,
        why: expect.objectContaining({ method: 'min_max', onHand: 10, reserved: 0, incoming: 0, drafted: 0, backordered: 0, position: 10, reorderPoint: 12, orderUpTo: 30, need: 20, packSize: 6, moq: 12, quantity: 24, lineValueCents: 6000, triggered: true }),
      }),
    ]);
    expect(before.drafts).toEqual([expect.objectContaining({ supplierId: sup, locationId: A, skus: [sku], totalCents: 6000, submit: 'approval' })]);

    await startReplenishing(engine.temporal, engine.taskQueue, { every: '1h' });
    const schedule = engine.temporal.schedule.getHandle(replenishmentScheduleId(engine.taskQueue));
    try {
      expect((await schedule.describe()).action).toMatchObject({ type: 'startWorkflow', workflowType: 'replenishmentWorkflow', taskQueue: engine.taskQueue });
      await schedule.trigger();
      const draft = await draftFor(sku);
      expect(draft).toMatchObject({ status: 'DRAFT', submit_mode: 'approval', source: 'replenishment', supplier_id: sup, location_id: A, quantity: 24 });
      const po = engine.temporal.workflow.getHandle(purchaseOrderWorkflowId(draft.id));
      expect((await po.query(purchaseOrderStatusQuery)).status).toBe('DRAFT');

      // The draft counts: the next run orders nothing more.
      const after = await suggestions(`locationId=${A}&sku=${sku}&all=true`);
      expect(after.data[0].why).toMatchObject({ drafted: 24, position: 34, triggered: false });
      expect(after.data[0].quantity).toBe(0);

      await po.executeUpdate(approvePurchaseOrderUpdate, { args: [{ by: 'ops' }] });
      await draftFor(sku, 'SUBMITTED');
    } finally {
      await schedule.delete();
    }
  });

  it('a shipment that drops SKUs to their reorder point drafts at once, submitted by itself within the auto limit', async () => {
    expect((await engine.call('ops', 'PUT', `/v1/replenishment/policies/${B}`, { mode: 'auto', autoLimitCents: 10_000 })).status).toBe(200);
    const cheapSupplier = await supplier();
    const dearSupplier = await supplier();
    const cheap = await product(cheapSupplier, { unitCostCents: 100 }, { locationId: B, units: 8 });
    const dear = await product(dearSupplier, { unitCostCents: 1000 }, { locationId: B, units: 8 });
    for (const sku of [cheap, dear]) expect((await settings(B, sku, { method: 'min_max', minLevel: 5, maxLevel: 20 })).status).toBe(200);

    await deliver([{ sku: cheap, quantity: 4 }, { sku: dear, quantity: 4 }]);

    // 16 x 100 = 1600 within the limit: submitted by itself; 16 x 1000 = 16000 over it: waits for ops.
    expect(await draftFor(cheap, 'SUBMITTED')).toMatchObject({ submit_mode: 'auto', location_id: B, quantity: 16 });
    const waiting = await draftFor(dear);
    expect(waiting).toMatchObject({ status: 'DRAFT', submit_mode: 'approval', location_id: B, quantity: 16 });
    const purchaseOrders = await engine.db('purchase_order_lines').whereIn('sku', [cheap, dear]).count({ n: '*' }).first();
    expect(purchaseOrders).toEqual({ n: 2 });
  });

  it("keeps a draft the auto policy would submit waiting when it is below the supplier's minimum order value, and says why", async () => {
    expect((await engine.call('ops', 'PUT', `/v1/replenishment/policies/${B}`, { mode: 'auto', autoLimitCents: 10_000 })).status).toBe(200);
    const demanding = await supplier(5, 5_000);
    const modest = await supplier(5, 1_000);
    const held = await product(demanding, { unitCostCents: 100 }, { locationId: B, units: 5 });
    const sent = await product(modest, { unitCostCents: 100 }, { locationId: B, units: 5 });
    for (const sku of [held, sent]) expect((await settings(B, sku, { method: 'min_max', minLevel: 5, maxLevel: 20 })).status).toBe(200);

    // Already at min: the suggestion shows the hold before anything is drafted.
    const [suggested] = (await suggestions(`locationId=${B}&sku=${held}`)).drafts;
    expect(suggested).toMatchObject({
      supplierId: demanding,
      totalCents: 1_500,
      submit: 'approval',
      why: { policy: 'auto', autoLimitCents: 10_000, minimumOrderCents: 5_000, totalCents: 1_500, held: 'below_minimum_order_value' },
    });

    await deliver([{ sku: held, quantity: 1 }, { sku: sent, quantity: 1 }]);

    // 16 x 100 = 1600: at or above 1000 submitted by itself; below 5000 it waits for ops, with the reason on the draft.
    expect(await draftFor(sent, 'SUBMITTED')).toMatchObject({ submit_mode: 'auto', location_id: B, quantity: 16 });
    const waiting = await draftFor(held);
    expect(waiting).toMatchObject({ status: 'DRAFT', submit_mode: 'approval', supplier_id: demanding, location_id: B, quantity: 16 });
    const shown = await engine.call('ops', 'GET', `/v1/purchase-orders/${waiting.id}`);
    expect(shown.body).toMatchObject({ status: 'DRAFT', submit: 'approval', totalCents: 1_600 });
    expect(shown.body.reason).toMatch(/^held for approval \(below_minimum_order_value\): total 1600 cents is below the supplier's minimum order of 5000 cents; /);
    const po = engine.temporal.workflow.getHandle(purchaseOrderWorkflowId(waiting.id));
    expect((await po.query(purchaseOrderStatusQuery)).status).toBe('DRAFT');
    // Ops approving it are held to the same minimum.
    const approve = await engine.call('ops', 'POST', `/v1/purchase-orders/${waiting.id}/approve`, {});
    expect([approve.status, approve.body.code]).toEqual([422, 'below_minimum_order_value']);
  });
});

describe('just in time', () => {
  it("a jit product keeps no safety stock, and its backorder raises a PO line for what it lacks at once", async () => {
    const sup = await supplier();
    const sku = await product(sup, { unitCostCents: 300 });
    await engine.db('products').where({ sku }).update({ jit: true });
    const order = await engine.call('client', 'POST', '/v1/orders', orderRequest(unique('cus'), [{ sku, quantity: 3 }], { backorder: { policy: 'wait' } }));
    expect(order.status).toBe(201);

    const draft = await draftFor(sku);
    expect(draft).toMatchObject({ status: 'DRAFT', source: 'jit', location_id: A, quantity: 3 });
    const [plan] = (await suggestions(`sku=${sku}&all=true`)).data;
    expect(plan.why).toMatchObject({ jit: true, safetyStock: 0, backordered: 3, drafted: 3, position: 0, quantity: 0 });
  });
});

describe('economic order quantity', () => {
  it('refuses price breaks that overlap or are not increasing, and writes nothing', async () => {
    const sup = await supplier();
    const priceBreaks = [{ minQuantity: 100, unitCostCents: 450 }];
    const sku = await product(sup, { unitCostCents: 500, priceBreaks });
    const put = (breaks: SupplierTerms['priceBreaks']) =>
      engine.call('ops', 'PUT', `/v1/suppliers/${sup}/products/${sku}`, { supplierSku: `S-${sku}`, unitCostCents: 480, packSize: 6, priceBreaks: breaks });
    for (const breaks of [
      [{ minQuantity: 1, unitCostCents: 400 }], // overlaps the base price
      [{ minQuantity: 100, unitCostCents: 450 }, { minQuantity: 100, unitCostCents: 400 }], // duplicate min quantity
      [{ minQuantity: 200, unitCostCents: 450 }, { minQuantity: 100, unitCostCents: 400 }], // min quantities decreasing
      [{ minQuantity: 100, unitCostCents: 450 }, { minQuantity: 200, unitCostCents: 450 }], // larger order, no cheaper
      [{ minQuantity: 100, unitCostCents: 490 }, { minQuantity: 200, unitCostCents: 495 }], // larger order, dearer
    ]) {
      const refused = await put(breaks);
      expect([refused.status, refused.body.code]).toEqual([422, 'invalid_price_breaks']);
    }
    const listed = await engine.call('ops', 'GET', `/v1/suppliers/${sup}/products`);
    expect(listed.body.data).toEqual([expect.objectContaining({ sku, unitCostCents: 500, packSize: 1, priceBreaks })]);
    expect(await engine.db('supplier_price_breaks').where({ supplier_id: sup, sku }).select('min_quantity', 'unit_cost_cents')).toEqual([{ min_quantity: 100, unit_cost_cents: 450 }]);

    for (const costs of [{ holdingCostPercent: 0 }, { orderingCostCents: -1 }]) {
      const refused = await engine.call('ops', 'PATCH', `/v1/products/${sku}`, costs);
      expect([refused.status, refused.body.code]).toEqual([400, 'validation_error']);
    }
    expect(await engine.db('products').where({ sku }).first('holding_cost_percent', 'ordering_cost_cents')).toEqual({ holding_cost_percent: null, ordering_cost_cents: null });
  });

  it('replenishment picks the price break that minimizes cost', async () => {
    const sup = await supplier();
    const priceBreaks = [
      { minQuantity: 150, unitCostCents: 950 },
      { minQuantity: 600, unitCostCents: 930 },
    ];
    const sku = await product(sup, { unitCostCents: 1000, priceBreaks }, { locationId: A, units: 66 });
    const costs = await engine.call('ops', 'PATCH', `/v1/products/${sku}`, { holdingCostPercent: 25, orderingCostCents: 2000 });
    expect(costs.body).toMatchObject({ sku, holdingCostPercent: 25, orderingCostCents: 2000 });
    expect((await engine.call('client', 'GET', `/v1/products/${sku}`)).body).not.toHaveProperty('holdingCostPercent');
    expect((await engine.call('ops', 'GET', `/v1/suppliers/${sup}/products`)).body.data).toEqual([expect.objectContaining({ sku, priceBreaks })]);
    expect((await settings(A, sku, { method: 'min_max', minLevel: 12, maxLevel: 30 })).status).toBe(200);

    // Shipping 56 of 66 drops the position to 10, at min: the shipment's run drafts. Min–max alone would buy 20.
    await deliver([{ sku, quantity: 56 }]);
    const draft = await draftFor(sku);
    expect(draft).toMatchObject({ status: 'DRAFT', supplier_id: sup, location_id: A, quantity: 150 });
    const po = await engine.call('ops', 'GET', `/v1/purchase-orders/${draft.id}`);
    expect(po.body).toMatchObject({ totalCents: 142_500, lines: [expect.objectContaining({ sku, quantity: 150, unitCostCents: 950 })] });
    expect(po.body.reason).toContain(`${sku}: position 10 (min_max: position <= minLevel), order 150 at 950 cents, the least annual cost (721046 cents) across price breaks`);

    // The comparison, as the low_stock webhook carries it. 56 shipped over the 28-day window: D = 2 a day × 365 = 730,
    // S = $20, holding 25 %. $10.00: EOQ √(2 × 730 × 20 / 2.50) = 108.1 → TC(108) = 7,300 + 135.19 + 135 = $7,570.19.
    // $9.50 from 150: EOQ 110.9 → 150, TC = 6,935 + 97.33 + 178.13 = $7,210.46. $9.30 from 600: EOQ 112.1 → 600,
    // TC = 6,789 + 24.33 + 697.50 = $7,510.83.
    const event = await engine.db('outbound_events').where({ event_key: `low_stock:${draft.id}:${sku}` }).first('data');
    const { why } = event.data;
    expect(why.demand).toMatchObject({ days: 28, totalUnits: 56 });
    expect(why.eoq).toMatchObject({ demandSource: 'average', annualDemand: 730, holdingCostPercent: 25, orderingCostCents: 2000, quantity: 150, unitCostCents: 950 });
    expect(why.eoq.options.map((option: { quantity: number; unitCostCents: number; feasible: boolean; totalCents: number }) => [option.quantity, option.unitCostCents, option.feasible, option.totalCents])).toEqual([
      [108, 1000, true, 757_019],
      [150, 950, false, 721_046],
      [600, 930, false, 751_083],
    ]);
    expect(why).toMatchObject({ need: 20, quantity: 150, unitCostCents: 950, lineValueCents: 142_500 });
  });
});

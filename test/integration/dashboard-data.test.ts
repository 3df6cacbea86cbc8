import { type ApiTest, bearer, finishApiTest, insertOrder, startApiTest } from '../helpers/api';
import { at, receive, restockedReturn, seedLocation, seedProducts, shippedOrder } from './analytics-reports.history';

/**
 * The dashboard's own reports: orders per status with their Temporal Web UI links, returns per
 * reason and late purchase orders, over rows this file seeds under its prefix (its own channel and
 * location), so the counts are known whatever other files write to the shared database.
 */
let t: ApiTest;
let WH: string;
let CHANNEL: string;
let SUPPLIER: string;
const sku = (n: number) => `${t.prefix}-D${n}`;
const DAY_MS = 86_400_000;

const get = (url: string, role: 'ops' | 'warehouse' = 'ops') => t.request({ url, headers: bearer(t.keys[role]) });
const getCsv = (url: string) => t.request({ url, headers: { ...bearer(t.keys.ops), accept: 'text/csv' } });
const csvRows = (text: string) => text.trimEnd().split('\r\n').map((line) => line.split(','));

async function purchaseOrder(id: string, status: string, expectedAt: Date, lines: { sku: string; quantity: number; unitCostCents: number }[]) {
  await t.db('purchase_orders').insert({
    id,
    supplier_id: SUPPLIER,
    location_id: WH,
    status,
    submit_mode: 'auto',
    source: 'manual',
    currency: 'USD',
    receipt_tolerance_percent: 0,
    expected_at: expectedAt,
    submitted_at: new Date(expectedAt.getTime() - 10 * DAY_MS),
  });
  await t.db('purchase_order_lines').insert(
    lines.map((line, index) => ({ purchase_order_id: id, line_no: index + 1, sku: line.sku, supplier_sku: `S-${line.sku}`, quantity: line.quantity, unit_cost_cents: line.unitCostCents })),
  );
}

beforeAll(async () => {
  t = await startApiTest();
  WH = `${t.prefix}-WH`;
  CHANNEL = `${t.prefix}-web`;
  SUPPLIER = `${t.prefix}-SUP`;
  await seedProducts(t.db, [sku(1), sku(2)]);
  await seedLocation(t.db, WH);
  await receive(t.db, { sku: sku(1), locationId: WH, quantity: 100, unitCostCents: 100, when: at('2025-01-02') });
  await receive(t.db, { sku: sku(2), locationId: WH, quantity: 100, unitCostCents: 100, when: at('2025-01-02') });

  const shipped = (id: string, quantity: number) =>
    shippedOrder(t.db, { id, channel: CHANNEL, locationId: WH, createdAt: at('2025-03-01'), shippedAt: at('2025-03-02'), lines: [{ sku: sku(1), quantity, unitPriceCents: 1500 }] });
  await shipped(`${t.prefix}-o1`, 5);
  await shipped(`${t.prefix}-o2`, 3);
  await insertOrder(t, { id: `${t.prefix}-o3`, customerId: `${t.prefix}-c`, channel: CHANNEL, status: 'BACKORDERED', createdAt: new Date(), sku: sku(2) });

  const back = { orderId: `${t.prefix}-o1`, lineNo: 1, locationId: WH, unitCostCents: 100 };
  await restockedReturn(t.db, { ...back, returnId: `${t.prefix}-r1`, quantity: 2, reason: 'damaged', when: at('2025-03-10') });
  await restockedReturn(t.db, { ...back, orderId: `${t.prefix}-o2`, returnId: `${t.prefix}-r2`, quantity: 1, reason: 'changed_mind', when: at('2025-03-11') });
  // Outside the period asked for below.
  await restockedReturn(t.db, { ...back, returnId: `${t.prefix}-r3`, quantity: 1, reason: 'damaged', when: at('2025-04-01') });

  await t.db('suppliers').insert({ id: SUPPLIER, name: 'Acme, Inc.', contact: JSON.stringify({}), currency: 'USD', lead_time_days: 7, payment_terms: 'net 30', webhook_secret: 'x' });
  const now = Date.now();
  await purchaseOrder(`${t.prefix}-PO-LATE`, 'SUBMITTED', new Date(now - 5.5 * DAY_MS), [
    { sku: sku(1), quantity: 10, unitCostCents: 120 },
    { sku: sku(2), quantity: 4, unitCostCents: 200 },
  ]);
  await purchaseOrder(`${t.prefix}-PO-LATER`, 'CONFIRMED', new Date(now - 1.5 * DAY_MS), [{ sku: sku(2), quantity: 6, unitCostCents: 200 }]);
  await purchaseOrder(`${t.prefix}-PO-DUE`, 'SUBMITTED', new Date(now + 3 * DAY_MS), [{ sku: sku(1), quantity: 7, unitCostCents: 100 }]);
  await purchaseOrder(`${t.prefix}-PO-GONE`, 'CANCELLED', new Date(now - 9 * DAY_MS), [{ sku: sku(1), quantity: 7, unitCostCents: 100 }]);
});

afterAll(async () => {
  await finishApiTest(t);
});

describe('GET /v1/reports/order-pipeline', () => {
  it('counts the orders of each status and links each to the Temporal Web UI filtered to it', async () => {
    const response = await get(`/v1/reports/order-pipeline?channel=${CHANNEL}`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.total).toBe(3);
    const byStatus = Object.fromEntries(body.statuses.map((row: { status: string; count: number }) => [row.status, row]));
    expect(byStatus.DELIVERED.count).toBe(2);
    expect(byStatus.BACKORDERED.count).toBe(1);
    expect(byStatus.SHIPPED.count).toBe(0);
    const link = new URL(byStatus.BACKORDERED.temporalUrl);
    expect(`${link.origin}${link.pathname}`).toBe(`http://localhost:8233/namespaces/${t.config.temporal.namespace}/workflows`);
    expect(link.searchParams.get('query')).toBe(`OrderStatus="BACKORDERED" AND Channel="${CHANNEL}"`);
  });

  it('serves the same counts as CSV', async () => {
    const json = (await get(`/v1/reports/order-pipeline?channel=${CHANNEL}`)).json();
    const csv = await getCsv(`/v1/reports/order-pipeline?channel=${CHANNEL}`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...rows] = csvRows(csv.body);
    expect(header).toEqual(['status', 'count', 'temporal_url']);
    expect(rows.map(([status, count]) => [status, Number(count)])).toEqual(json.statuses.map((row: { status: string; count: number }) => [row.status, row.count]));
  });

  it('refuses an unknown channel and a non-ops key', async () => {
    const unknown = await get(`/v1/reports/order-pipeline?channel=${t.prefix}-nowhere`);
    expect([unknown.statusCode, unknown.json().code]).toEqual([422, 'unknown_channel']);
    const warehouse = await get('/v1/reports/order-pipeline', 'warehouse');
    expect([warehouse.statusCode, warehouse.json().code]).toEqual([403, 'forbidden']);
  });
});

describe('GET /v1/reports/returns-by-reason', () => {
  const march = () => `from=2025-03-01&to=2025-03-31&channel=${CHANNEL}`;

  it('sums the returns of the period per reason, every reason listed', async () => {
    const response = await get(`/v1/reports/returns-by-reason?${march()}`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.totalUnits).toBe(3);
    expect(body.reasons).toEqual([
      { reason: 'damaged', returns: 1, units: 2, valueCents: 3000 },
      { reason: 'wrong_item', returns: 0, units: 0, valueCents: 0 },
      { reason: 'not_as_described', returns: 0, units: 0, valueCents: 0 },
      { reason: 'changed_mind', returns: 1, units: 1, valueCents: 1500 },
      { reason: 'other', returns: 0, units: 0, valueCents: 0 },
    ]);
    const april = (await get(`/v1/reports/returns-by-reason?from=2025-04-01&to=2025-04-30&location=${WH}&sku=${sku(1)}`)).json();
    expect(april.reasons[0]).toEqual({ reason: 'damaged', returns: 1, units: 1, valueCents: 1500 });
    expect(april.totalUnits).toBe(1);
  });

  it('serves the same rows as CSV', async () => {
    const json = (await get(`/v1/reports/returns-by-reason?${march()}`)).json();
    const [header, ...rows] = csvRows((await getCsv(`/v1/reports/returns-by-reason?${march()}`)).body);
    expect(header).toEqual(['reason', 'returns', 'units', 'value_cents']);
    expect(rows).toEqual(json.reasons.map((row: Record<string, unknown>) => [row.reason, String(row.returns), String(row.units), String(row.valueCents)]));
  });

  it('refuses a reversed period and unknown filters with their codes', async () => {
    const cases: [string, number, string][] = [
      ['from=2025-03-02&to=2025-03-01', 422, 'invalid_date_range'],
      ['from=2020-01-01&to=2025-03-01', 422, 'date_range_too_long'],
      [`location=${t.prefix}-NOWHERE`, 422, 'unknown_location'],
      [`sku=${t.prefix}-NOSKU`, 422, 'unknown_sku'],
    ];
    for (const [query, status, code] of cases) {
      const response = await get(`/v1/reports/returns-by-reason?${query}`);
      expect([query, response.statusCode, response.json().code]).toEqual([query, status, code]);
    }
  });
});

describe('GET /v1/reports/late-purchase-orders', () => {
  it('lists open POs past their expected date, most overdue first, with what is still to come', async () => {
    const response = await get(`/v1/reports/late-purchase-orders?location=${WH}`);
    expect(response.statusCode).toBe(200);
    const { data } = response.json();
    expect(data.map((po: { id: string }) => po.id)).toEqual([`${t.prefix}-PO-LATE`, `${t.prefix}-PO-LATER`]);
    expect(data[0]).toMatchObject({
      supplierId: SUPPLIER,
      supplierName: 'Acme, Inc.',
      locationId: WH,
      status: 'SUBMITTED',
      daysLate: 5,
      unitsOrdered: 14,
      unitsOutstanding: 14,
      outstandingValueCents: 10 * 120 + 4 * 200,
    });
    expect(data[1]).toMatchObject({ status: 'CONFIRMED', daysLate: 1, unitsOutstanding: 6, outstandingValueCents: 1200 });
  });

  it('serves the same rows as CSV, a supplier name with a comma quoted', async () => {
    const json = (await get(`/v1/reports/late-purchase-orders?location=${WH}&supplier=${SUPPLIER}`)).json();
    const csv = (await getCsv(`/v1/reports/late-purchase-orders?location=${WH}&supplier=${SUPPLIER}`)).body.trimEnd().split('\r\n');
    expect(csv[0]).toBe('id,supplier_id,supplier_name,location_id,status,expected_at,days_late,units_ordered,units_outstanding,outstanding_value_cents');
    expect(csv.slice(1)).toEqual(
      json.data.map((po: Record<string, unknown>) =>
        [po.id, po.supplierId, '"Acme, Inc."', po.locationId, po.status, po.expectedAt, po.daysLate, po.unitsOrdered, po.unitsOutstanding, po.outstandingValueCents].join(','),
      ),
    );
  });

  it('refuses an unknown location or supplier', async () => {
    const location = await get(`/v1/reports/late-purchase-orders?location=${t.prefix}-NOWHERE`);
    expect([location.statusCode, location.json().code]).toEqual([422, 'unknown_location']);
    const supplier = await get(`/v1/reports/late-purchase-orders?supplier=${t.prefix}-NOBODY`);
    expect([supplier.statusCode, supplier.json().code]).toEqual([422, 'unknown_supplier']);
  });
});

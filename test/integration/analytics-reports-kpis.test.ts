import { type ApiTest, bearer, finishApiTest, startApiTest } from '../helpers/api';
import { at, countedTask, receive, restockedReturn, seedLocation, seedProducts, shippedOrder } from './analytics-reports.history';

/**
 * The KPI report through the HTTP API over two designed weeks (Monday 2025-06-02 to Sunday
 * 2025-06-15) of one SKU at one location, whose every figure is worked out in the comments below.
 */
let t: ApiTest;
let WH: string;
let OTHER: string;
let CHANNEL: string;
const PERIOD = 'from=2025-06-02&to=2025-06-15';
const sku = (name: string) => `${t.prefix}-${name}`;

const get = (url: string, role: 'ops' | 'warehouse' = 'ops') => t.request({ url, headers: bearer(t.keys[role]) });
const getCsv = (url: string) => t.request({ url, headers: { ...bearer(t.keys.ops), accept: 'text/csv' } });

beforeAll(async () => {
  t = await startApiTest();
  WH = `${t.prefix}-KPI`;
  OTHER = `${t.prefix}-KPI2`;
  CHANNEL = `${t.prefix}-kpi`;
  await seedProducts(t.db, [sku('K1'), sku('K2')], 500, 100);
  await seedLocation(t.db, WH);
  await seedLocation(t.db, OTHER);
  const order = (id: string, created: Date, shipped: Date, delivered: Date, quantity: number, more: object = {}) =>
    shippedOrder(t.db, {
      id: `${t.prefix}-${id}`,
      channel: CHANNEL,
      locationId: WH,
      createdAt: created,
      shippedAt: shipped,
      deliveredAt: delivered,
      lines: [{ sku: sku('K1'), quantity, unitPriceCents: 500 }],
      ...more,
    });

  // Opening: 100 K1 at 1.00.
  await receive(t.db, { sku: sku('K1'), locationId: WH, quantity: 100, unitCostCents: 100, when: at('2025-05-20') });
  // Week 1. A: 20 units, shipped in 24 h, delivered in 24 h within its deadline: perfect.
  await order('A', at('2025-06-02', '10:00:00'), at('2025-06-03', '10:00:00'), at('2025-06-04', '10:00:00'), 20);
  // B: 10 units, backordered (first allocation 5), shipped after 72 h, delivered after its deadline.
  await order('B', at('2025-06-04', '00:00:00'), at('2025-06-07', '00:00:00'), at('2025-06-08', '00:00:00'), 10, {
    backordered: true,
    deliveryDeadline: at('2025-06-07', '12:00:00'),
    lines: [{ sku: sku('K1'), quantity: 10, unitPriceCents: 500, firstAllocation: 5 }],
  });
  // Week 2: 50 more at 2.00; C: 10 units (from the 1.00 layer) by express, 2 of them back (damaged, restocked at 1.00).
  await receive(t.db, { sku: sku('K1'), locationId: WH, quantity: 50, unitCostCents: 200, when: at('2025-06-10', '00:00:00') });
  await order('C', at('2025-06-10', '12:00:00'), at('2025-06-11', '12:00:00'), at('2025-06-12', '12:00:00'), 10, { service: 'express' });
  await restockedReturn(t.db, {
    returnId: `${t.prefix}-rC`,
    orderId: `${t.prefix}-C`,
    lineNo: 1,
    locationId: WH,
    quantity: 2,
    reason: 'damaged',
    unitCostCents: 100,
    when: at('2025-06-14', '09:00:00'),
  });
  // Counts on the last evening: one exact, one 2 units short (corrected: 2 units at 1.00 out of the last closing value).
  await countedTask(t.db, { id: `${t.prefix}-c1`, sku: sku('K1'), locationId: WH, expected: 112, counted: 112, when: at('2025-06-15', '22:00:00') });
  await countedTask(t.db, { id: `${t.prefix}-c2`, sku: sku('K1'), locationId: WH, expected: 112, counted: 110, when: at('2025-06-15', '23:00:00') });

  // K2 elsewhere: sold out on 2025-06-05, out of stock for the 11 days from then to the 15th.
  await receive(t.db, { sku: sku('K2'), locationId: OTHER, quantity: 5, unitCostCents: 100, when: at('2025-05-20') });
  await shippedOrder(t.db, {
    id: `${t.prefix}-D`,
    channel: CHANNEL,
    locationId: OTHER,
    createdAt: at('2025-06-05', '08:00:00'),
    shippedAt: at('2025-06-05', '12:00:00'),
    lines: [{ sku: sku('K2'), quantity: 5, unitPriceCents: 500 }],
  });
});

afterAll(async () => {
  await finishApiTest(t);
});

describe('GET /v1/reports/kpis', () => {
  it('gives the designed stock and sales KPIs per week', async () => {
    const answer = await get(`/v1/reports/kpis?${PERIOD}&location=${WH}&interval=week`);
    expect(answer.statusCode).toBe(200);
    const report = answer.json();
    expect([report.interval, report.slaHours]).toEqual(['week', 48]);
    const [first, second] = report.series;
    expect(report.series).toHaveLength(2);
    // Week 1: closing values 100.00, then 80.00 for four days, then 70.00 for two: mean 80.00. COGS 30.00, revenue 150.00.
    expect(first).toMatchObject({
      period: '2025-06-02',
      days: 7,
      revenueCents: 15_000,
      cogsCents: 3_000,
      grossMarginCents: 12_000,
      averageInventoryValueCents: 8_000,
      inventoryTurnover: 0.38,
      daysOnHand: 18.7,
      openingUnits: 100,
      unitsReceived: 0,
      unitsShipped: 30,
      sellThroughPercent: 30,
      gmroi: 1.5,
    });
    // Week 2: 70.00, 170.00, 160.00 x 3, 162.00 (the return), 160.00 (the count) = 1042.00 / 7 = 148.86; COGS 10.00, revenue 50.00.
    expect(second).toMatchObject({
      period: '2025-06-09',
      revenueCents: 5_000,
      cogsCents: 1_000,
      averageInventoryValueCents: 14_886,
      inventoryTurnover: 0.07,
      daysOnHand: 104.2,
      openingUnits: 70,
      unitsReceived: 50,
      unitsShipped: 10,
      sellThroughPercent: 8.33,
      gmroi: 0.27,
    });
  });

  it('gives the designed order KPIs per week', async () => {
    const [first, second] = (await get(`/v1/reports/kpis?${PERIOD}&location=${WH}&interval=week`)).json().series;
    expect(first).toMatchObject({
      ordersPlaced: 2,
      ordersBackordered: 1,
      backorderRatePercent: 50,
      linesSettled: 2,
      linesFilled: 1,
      fillRatePercent: 50,
      ordersFinished: 2,
      ordersPerfect: 1,
      perfectOrderRatePercent: 50,
      ordersShipped: 2,
      ordersShippedOnTime: 1,
      onTimeShipRatePercent: 50,
      createdToShippedHours: { p50: 48, p90: 67.2 },
      shippedToDeliveredHours: { p50: 24, p90: 24 },
    });
    expect(second).toMatchObject({
      ordersPlaced: 1,
      backorderRatePercent: 0,
      fillRatePercent: 100,
      ordersFinished: 1,
      perfectOrderRatePercent: 0,
      onTimeShipRatePercent: 100,
      createdToShippedHours: { p50: 24, p90: 24 },
    });
  });

  it('gives returns, count accuracy and carrier punctuality over the period, and stock-out days per SKU', async () => {
    const report = (await get(`/v1/reports/kpis?${PERIOD}&location=${WH}`)).json();
    expect(report.interval).toBe('week');
    expect(report.returns).toEqual({
      bySku: [{ sku: sku('K1'), unitsShipped: 40, unitsReturned: 2, returnRatePercent: 5 }],
      byReason: [{ reason: 'damaged', units: 2, sharePercent: 100 }],
    });
    expect(report.inventoryAccuracy).toEqual({ tasks: 2, exact: 1, expectedUnits: 224, varianceUnits: 2, accuracyPercent: 50, unitAccuracyPercent: 99.11 });
    expect(report.carriers).toEqual([
      { carrier: 'sandbox', service: 'express', delivered: 1, onTime: 1, onTimePercent: 100 },
      { carrier: 'sandbox', service: 'ground', delivered: 2, onTime: 1, onTimePercent: 50 },
    ]);
    expect(report.stockOutDays).toEqual([]);

    const other = (await get(`/v1/reports/kpis?${PERIOD}&location=${OTHER}&interval=day`)).json();
    expect(other.stockOutDays).toEqual([{ sku: sku('K2'), locationId: OTHER, days: 11 }]);
    expect(other.series).toHaveLength(14);
  });

  it('streams the series as CSV and checks its filters', async () => {
    const json = (await get(`/v1/reports/kpis?${PERIOD}&location=${WH}&interval=month`)).json();
    expect(json.series.map((point: { period: string; days: number }) => [point.period, point.days])).toEqual([['2025-06-01', 14]]);
    const csv = await getCsv(`/v1/reports/kpis?${PERIOD}&location=${WH}&interval=month`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const [header, row] = csv.body.trimEnd().split('\r\n').map((line) => line.split(','));
    const record = Object.fromEntries(header.map((name, index) => [name, row[index]]));
    const point = json.series[0];
    expect(record).toMatchObject({
      period: point.period,
      cogs_cents: String(point.cogsCents),
      average_inventory_value_cents: String(point.averageInventoryValueCents),
      inventory_turnover: String(point.inventoryTurnover),
      fill_rate_percent: String(point.fillRatePercent),
      created_to_shipped_hours_p90: String(point.createdToShippedHours.p90),
    });
    expect((await get(`/v1/reports/kpis?${PERIOD}&interval=year`)).statusCode).toBe(400);
    expect((await get('/v1/reports/kpis?from=2025-06-15&to=2025-06-02')).json().code).toBe('invalid_date_range');
    expect((await get(`/v1/reports/kpis?${PERIOD}`, 'warehouse')).statusCode).toBe(403);
  });
});

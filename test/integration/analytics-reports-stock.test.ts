import { type ApiTest, bearer, finishApiTest, startApiTest } from '../helpers/api';
import { daysAgo, receive, restockedReturn, seedLocation, seedProducts, shippedOrder } from './analytics-reports.history';

/**
 * Dead stock and surplus through the HTTP API over a history dated back from now, whose answers are
 * known by construction (layer ages, last outbound dates, demand net of returns).
 */
let t: ApiTest;
let DEAD: string;
let SURPLUS: string;
const sku = (name: string) => `${t.prefix}-${name}`;
const DAY = 86_400_000;

const get = (url: string, role: 'ops' | 'warehouse' = 'ops') => t.request({ url, headers: bearer(t.keys[role]) });
const getCsv = (url: string) => t.request({ url, headers: { ...bearer(t.keys.ops), accept: 'text/csv' } });

function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = text.trimEnd().split('\r\n').map((line) => line.split(','));
  return rows.map((row) => Object.fromEntries(header.map((name, index) => [name, row[index]])));
}

let orderNo = 0;
const ship = (locationId: string, name: string, quantity: number, when: Date) =>
  shippedOrder(t.db, {
    id: `${t.prefix}-o${++orderNo}`,
    channel: `${t.prefix}-web`,
    locationId,
    createdAt: new Date(when.getTime() - 3_600_000),
    shippedAt: when,
    lines: [{ sku: sku(name), quantity, unitPriceCents: 1000 }],
  });

beforeAll(async () => {
  t = await startApiTest();
  DEAD = `${t.prefix}-DEAD`;
  SURPLUS = `${t.prefix}-SURP`;
  await seedProducts(t.db, ['D1', 'D2', 'D3', 'D4', 'D5', 'P1', 'P2'].map(sku));
  await seedLocation(t.db, DEAD);
  await seedLocation(t.db, SURPLUS);

  // D1: one layer from each age bucket; its last shipment was 120 days ago (5 of the oldest layer).
  await receive(t.db, { sku: sku('D1'), locationId: DEAD, quantity: 10, unitCostCents: 100, when: daysAgo(200) });
  await ship(DEAD, 'D1', 5, daysAgo(120));
  await receive(t.db, { sku: sku('D1'), locationId: DEAD, quantity: 10, unitCostCents: 200, when: daysAgo(100) });
  await receive(t.db, { sku: sku('D1'), locationId: DEAD, quantity: 10, unitCostCents: 300, when: daysAgo(40) });
  await receive(t.db, { sku: sku('D1'), locationId: DEAD, quantity: 10, unitCostCents: 400, when: daysAgo(5) });
  // D2 shipped 20 days ago: alive.
  await receive(t.db, { sku: sku('D2'), locationId: DEAD, quantity: 10, unitCostCents: 100, when: daysAgo(150) });
  await ship(DEAD, 'D2', 3, daysAgo(20));
  // D3 never left, in since 95 days: dead. D4 never left, in since 60 days: dead only at 30 days.
  await receive(t.db, { sku: sku('D3'), locationId: DEAD, quantity: 4, unitCostCents: 250, when: daysAgo(95) });
  await receive(t.db, { sku: sku('D4'), locationId: DEAD, quantity: 4, unitCostCents: 100, when: daysAgo(60) });
  // D5 sold out long ago: nothing on hand, never dead.
  await receive(t.db, { sku: sku('D5'), locationId: DEAD, quantity: 5, unitCostCents: 100, when: daysAgo(200) });
  await ship(DEAD, 'D5', 5, daysAgo(150));

  // P1: 200 in (100 at 1.00, then 100 at 1.50); 60 shipped 10 days ago (from the first layer), 6 back 5 days ago.
  await receive(t.db, { sku: sku('P1'), locationId: SURPLUS, quantity: 100, unitCostCents: 100, when: daysAgo(60) });
  await receive(t.db, { sku: sku('P1'), locationId: SURPLUS, quantity: 100, unitCostCents: 150, when: daysAgo(40) });
  await ship(SURPLUS, 'P1', 60, daysAgo(10));
  await restockedReturn(t.db, {
    returnId: `${t.prefix}-r1`,
    orderId: `${t.prefix}-o${orderNo}`,
    lineNo: 1,
    locationId: SURPLUS,
    quantity: 6,
    reason: 'changed_mind',
    unitCostCents: 100,
    when: daysAgo(5),
  });
  // P2: 30 on hand, 30 shipped in the period: exactly one cover period, no surplus. Shipped 40 days ago is outside it.
  await receive(t.db, { sku: sku('P2'), locationId: SURPLUS, quantity: 100, unitCostCents: 100, when: daysAgo(50) });
  await ship(SURPLUS, 'P2', 40, daysAgo(40));
  await ship(SURPLUS, 'P2', 30, daysAgo(3));
});

afterAll(async () => {
  await finishApiTest(t);
});

describe('GET /v1/reports/dead-stock', () => {
  it('lists stock idle for 90 days with FIFO value, last outbound date and layer ages', async () => {
    const answer = await get(`/v1/reports/dead-stock?location=${DEAD}`);
    expect(answer.statusCode).toBe(200);
    const report = answer.json();
    expect(report.days).toBe(90);
    expect(report.lines.map((line: { sku: string }) => line.sku)).toEqual([sku('D1'), sku('D3')]);
    const [d1, d3] = report.lines;
    expect(d1).toMatchObject({
      locationId: DEAD,
      units: 35,
      valueCents: 5 * 100 + 10 * 200 + 10 * 300 + 10 * 400,
      consignedUnits: 0,
      idleDays: 120,
      ages: {
        days0to30: { units: 10, valueCents: 4000 },
        days31to90: { units: 10, valueCents: 3000 },
        days91to180: { units: 10, valueCents: 2000 },
        over180: { units: 5, valueCents: 500 },
      },
    });
    expect(Math.abs(Date.parse(d1.lastOutboundAt) - daysAgo(120).getTime())).toBeLessThan(60_000);
    expect(d3).toMatchObject({ units: 4, valueCents: 1000, lastOutboundAt: null, idleDays: 95, ages: { days91to180: { units: 4, valueCents: 1000 } } });
    expect(report.totalValueCents).toBe(9500 + 1000);
  });

  it('takes days and a sku; streams the same lines as CSV; refuses unknown filters', async () => {
    const month = (await get(`/v1/reports/dead-stock?location=${DEAD}&days=30`)).json();
    expect(month.lines.map((line: { sku: string }) => line.sku)).toEqual([sku('D1'), sku('D3'), sku('D4')]);
    const one = (await get(`/v1/reports/dead-stock?location=${DEAD}&sku=${sku('D3')}`)).json();
    expect(one.lines.map((line: { sku: string }) => line.sku)).toEqual([sku('D3')]);

    const csv = await getCsv(`/v1/reports/dead-stock?location=${DEAD}`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const json = (await get(`/v1/reports/dead-stock?location=${DEAD}`)).json();
    expect(csvRecords(csv.body)).toEqual(
      json.lines.map((line: any) => ({
        sku: line.sku,
        location_id: line.locationId,
        units: String(line.units),
        value_cents: String(line.valueCents),
        consigned_units: String(line.consignedUnits),
        last_outbound_at: line.lastOutboundAt ?? '',
        idle_days: String(line.idleDays),
        units_0_30: String(line.ages.days0to30.units),
        value_0_30: String(line.ages.days0to30.valueCents),
        units_31_90: String(line.ages.days31to90.units),
        value_31_90: String(line.ages.days31to90.valueCents),
        units_91_180: String(line.ages.days91to180.units),
        value_91_180: String(line.ages.days91to180.valueCents),
        units_over_180: String(line.ages.over180.units),
        value_over_180: String(line.ages.over180.valueCents),
      })),
    );

    expect((await get(`/v1/reports/dead-stock?location=${t.prefix}-NOWHERE`)).json().code).toBe('unknown_location');
    expect((await get(`/v1/reports/dead-stock?sku=${t.prefix}-NOSKU`)).json().code).toBe('unknown_sku');
    expect((await get('/v1/reports/dead-stock?days=0')).statusCode).toBe(400);
    expect((await get(`/v1/reports/dead-stock?location=${DEAD}`, 'warehouse')).statusCode).toBe(403);
  });
});

describe('GET /v1/reports/surplus', () => {
  const last30 = () => {
    const today = new Date().toISOString().slice(0, 10);
    return `from=${new Date(Date.now() - 29 * DAY).toISOString().slice(0, 10)}&to=${today}`;
  };

  it('is on hand beyond average daily demand (shipped less returned) x cover days, valued at the newest layers', async () => {
    const answer = await get(`/v1/reports/surplus?${last30()}&location=${SURPLUS}`);
    expect(answer.statusCode).toBe(200);
    const report = answer.json();
    expect(report.coverDays).toBe(30);
    // P1: (60 - 6) / 30 days = 1.8 a day, 54 for 30 days; 146 on hand, 92 beyond: 6 returned at 1.00 and 86 at 1.50.
    // P2: 30 / 30 = 1 a day, 30 for 30 days, 30 on hand: none beyond.
    expect(report.lines).toEqual([
      { sku: sku('P1'), locationId: SURPLUS, onHand: 146, averageDailyDemand: 1.8, coverUnits: 54, demandSource: 'average', surplusUnits: 92, surplusValueCents: 600 + 86 * 150 },
    ]);
    expect(report.totalValueCents).toBe(13_500);

    const longer = (await get(`/v1/reports/surplus?${last30()}&location=${SURPLUS}&coverDays=10`)).json();
    expect(longer.lines.map((line: { sku: string; surplusUnits: number }) => [line.sku, line.surplusUnits])).toEqual([
      [sku('P1'), 146 - 18],
      [sku('P2'), 30 - 10],
    ]);
  });

  it("takes the cover period's demand from the nightly forecast where there is one", async () => {
    const daily = Array.from({ length: 60 }, (_, day) => ({ date: new Date(Date.now() + day * DAY).toISOString().slice(0, 10), mean: 2, low: 1, high: 3 }));
    await t.db('demand_forecasts').insert({
      sku: sku('P2'),
      location_id: SURPLUS,
      computed_for: daily[0].date,
      method: 'ses',
      pattern: 'smooth',
      parameters: JSON.stringify({ alpha: 0.3 }),
      daily: JSON.stringify(daily),
      accuracy: JSON.stringify({ wape: 0.1, bias: 0, holdoutDays: 7 }),
      error_std_dev: 0.5,
      total_mean: 120,
    });
    try {
      const report = (await get(`/v1/reports/surplus?${last30()}&location=${SURPLUS}&coverDays=10`)).json();
      // P2: 2 a day forecast for 10 days = 20 of its 30 on hand (the period's average, 1 a day, would keep only 10).
      expect(report.lines.find((line: { sku: string }) => line.sku === sku('P2'))).toMatchObject({ coverUnits: 20, demandSource: 'forecast', surplusUnits: 10 });
    } finally {
      await t.db('demand_forecasts').where({ sku: sku('P2'), location_id: SURPLUS }).delete();
    }
  });

  it('streams the same lines as CSV and checks its period', async () => {
    const json = (await get(`/v1/reports/surplus?${last30()}&location=${SURPLUS}&coverDays=10`)).json();
    const csv = await getCsv(`/v1/reports/surplus?${last30()}&location=${SURPLUS}&coverDays=10`);
    expect(csvRecords(csv.body)).toEqual(
      json.lines.map((line: any) => ({
        sku: line.sku,
        location_id: line.locationId,
        on_hand: String(line.onHand),
        average_daily_demand: String(line.averageDailyDemand),
        cover_units: String(line.coverUnits),
        demand_source: line.demandSource,
        surplus_units: String(line.surplusUnits),
        surplus_value_cents: String(line.surplusValueCents),
      })),
    );
    expect((await get('/v1/reports/surplus?from=2025-03-02&to=2025-03-01')).json().code).toBe('invalid_date_range');
    expect((await get('/v1/reports/surplus?from=2020-01-01&to=2025-03-01')).json().code).toBe('date_range_too_long');
  });
});

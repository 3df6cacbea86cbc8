import { MockActivityEnvironment } from '@temporalio/testing';
import { type ForecastBatchResult, forecastActivities, DEFAULT_FORECAST_SETTINGS } from '../../activities/forecasts';
import { addDays } from '../../domain/forecast';
import { forecastingScheduleId, startForecasting } from '../../infra/forecast-schedule';
import { type ApiTest, bearer, finishApiTest, startApiTest } from '../helpers/api';
import { at, daysAgo, receive, restockedReturn, seedLocation, seedProducts, shippedOrder } from './analytics-reports.history';

/**
 * Forecasts through the real activities and the HTTP API, over a ledger history designed so the
 * answers are known: a SKU shipped in a clean weekly pattern for 16 weeks (with one restocked
 * return), one shipped every ninth day, and one that never moved.
 */
let t: ApiTest;
let LOC: string;
const sku = (name: string) => `${t.prefix}-${name}`;
const dayOf = (date: Date) => date.toISOString().slice(0, 10);
const TODAY = dayOf(new Date());
/** Units shipped on each day of the week, starting 112 days (16 weeks) ago. */
const WEEK = [10, 12, 14, 16, 14, 12, 4];
const WEEKS = 16;
const W_COST = 100_000;
const RETURNED = 3;
const LEAD_TIME_DAYS = 7;

const get = (url: string, role: 'ops' | 'warehouse' = 'ops') => t.request({ url, headers: bearer(t.keys[role]) });
const post = (url: string, payload: unknown) => t.request({ method: 'POST', url, headers: bearer(t.keys.ops), payload });
const del = (url: string) => t.request({ method: 'DELETE', url, headers: bearer(t.keys.ops) });

let orderNo = 0;
const ship = (name: string, quantity: number, day: string) =>
  shippedOrder(t.db, {
    id: `${t.prefix}-o${++orderNo}`,
    channel: `${t.prefix}-web`,
    locationId: LOC,
    createdAt: at(day, '09:00:00'),
    shippedAt: at(day),
    lines: [{ sku: sku(name), quantity, unitPriceCents: 200_000 }],
  });

/** Runs the nightly batches over the whole catalog, at this test's location only, as the workflow does. */
async function runForecastBatches(): Promise<number> {
  const activities = forecastActivities(t.db, 0.95);
  const settings = { ...DEFAULT_FORECAST_SETTINGS, batchSkus: 500 };
  let afterSku: string | null = null;
  let forecasts = 0;
  do {
    const page: ForecastBatchResult = await new MockActivityEnvironment().run(activities.forecastSkuBatch, { computedFor: TODAY, afterSku, locationId: LOC, settings });
    forecasts += page.forecasts;
    afterSku = page.lastSku;
  } while (afterSku !== null);
  return forecasts;
}

beforeAll(async () => {
  t = await startApiTest();
  LOC = `${t.prefix}-WH`;
  await seedProducts(t.db, [sku('W'), sku('I'), sku('N'), sku('LATE')], 200_000, W_COST);
  await seedLocation(t.db, LOC);
  const supplierId = `${t.prefix}-sup`;
  await t.db('suppliers').insert({ id: supplierId, name: 'Weekly Goods', contact: JSON.stringify({}), currency: 'USD', lead_time_days: LEAD_TIME_DAYS, payment_terms: 'net 30', webhook_secret: 'whsec_test' });
  await t.db('supplier_products').insert({ supplier_id: supplierId, sku: sku('W'), supplier_sku: 'W', unit_cost_cents: W_COST, preferred: true });

  await receive(t.db, { sku: sku('W'), locationId: LOC, quantity: 2000, unitCostCents: W_COST, when: at(dayOf(daysAgo(120)), '08:00:00') });
  for (let ago = WEEKS * 7; ago >= 1; ago--) await ship('W', WEEK[(WEEKS * 7 - ago) % 7], dayOf(daysAgo(ago)));
  // The order shipped 30 days ago sends 3 units back, restocked 20 days ago.
  const shippedThirtyDaysAgo = `${t.prefix}-o${WEEKS * 7 - 30 + 1}`;
  await restockedReturn(t.db, { returnId: `${t.prefix}-r1`, orderId: shippedThirtyDaysAgo, lineNo: 1, locationId: LOC, quantity: RETURNED, reason: 'changed_mind', unitCostCents: W_COST, when: at(dayOf(daysAgo(20))) });

  await receive(t.db, { sku: sku('I'), locationId: LOC, quantity: 200, unitCostCents: 100, when: at(dayOf(daysAgo(111)), '08:00:00') });
  for (let ago = 110; ago >= 1; ago -= 9) await ship('I', 4, dayOf(daysAgo(ago)));
  await receive(t.db, { sku: sku('N'), locationId: LOC, quantity: 5, unitCostCents: 100, when: at(dayOf(daysAgo(50)), '08:00:00') });
  expect(await runForecastBatches()).toBe(3);
});

afterAll(async () => {
  await finishApiTest(t);
});

const stored = (name: string) => t.db('demand_forecasts').where({ sku: sku(name), location_id: LOC }).first('*', t.db.raw('computed_for::text AS computed_for'));

describe('nightly forecasts', () => {
  it('recovers the clean weekly pattern with Holt-Winters, and plans the reorder point from it', async () => {
    const row = await stored('W');
    expect(row).toMatchObject({ method: 'holt_winters', pattern: 'smooth' });
    expect(row.computed_for).toBe(TODAY);
    expect(row.daily).toHaveLength(365);
    expect(row.daily[0].date).toBe(TODAY);
    // Forecast day k falls on weekday k of the pattern (the history is whole weeks long): within 1.5 units.
    for (let day = 0; day < 14; day++) expect(Math.abs(row.daily[day].mean - WEEK[day % 7])).toBeLessThan(1.5);
    expect(row.accuracy.wape).toBeLessThan(0.1);
    expect(row.parameters).toMatchObject({ historyStart: dayOf(daysAgo(120)), historyDays: 120, serviceLevel: 0.95 });
    // Lead time 7 days: one week of demand (82 units) plus safety stock for the forecast's error.
    const week = WEEK.reduce((sum, units) => sum + units, 0);
    expect(row.reorder_point.why).toMatchObject({ method: 'holt_winters', leadTimeDays: LEAD_TIME_DAYS, serviceLevel: 0.95 });
    expect(Math.abs(row.reorder_point.why.leadTimeDemand - week)).toBeLessThan(5);
    expect(row.reorder_point.reorderPoint).toBe(Math.ceil(row.reorder_point.why.leadTimeDemand + row.reorder_point.why.safetyStockUnits));
    expect(row.reorder_point.why.safetyStockUnits).toBeCloseTo(1.645 * row.error_std_dev * Math.sqrt(LEAD_TIME_DAYS), 2);
  });

  it('uses Croston or SBA for a SKU shipped every ninth day, and a SKU without a supplier gets no reorder point', async () => {
    const row = await stored('I');
    expect(row.pattern).toBe('intermittent');
    expect(['croston', 'sba']).toContain(row.method);
    expect(Math.abs(row.daily[0].mean - 4 / 9)).toBeLessThan(0.3);
    expect(row.reorder_point).toBeNull();
    const never = await stored('N');
    expect(never.daily.every((day: { mean: number }) => day.mean === 0)).toBe(true);
  });

  it('ranks ABC classes by FIFO value shipped over the window: the dear weekly SKU is A, one that never shipped C', async () => {
    const classes = await forecastActivities(t.db).computeAbcClasses({ computedFor: TODAY, windowDays: 90 });
    expect(classes.A).toBeGreaterThanOrEqual(1);
    let units = 0;
    for (let ago = 90; ago >= 1; ago--) units += WEEK[(WEEKS * 7 - ago) % 7];
    expect(await t.db('abc_classes').where({ sku: sku('W') }).first()).toMatchObject({ class: 'A', value_cents: units * W_COST });
    expect(await t.db('abc_classes').where({ sku: sku('N') }).first()).toMatchObject({ class: 'C', value_cents: 0 });
  });
});

describe('GET /v1/forecasts/:sku', () => {
  it('reads the stored forecast, with the history net of restocked returns', async () => {
    const row = await stored('W');
    const response = await get(`/v1/forecasts/${sku('W')}?location=${LOC}&horizon=14`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ sku: sku('W'), locationId: LOC, computedFor: TODAY, method: 'holt_winters', pattern: 'smooth', reorderPoint: row.reorder_point.reorderPoint });
    expect(body.computedAt).toBe(row.computed_at.toISOString());
    expect(body.daily).toEqual(row.daily.slice(0, 14));
    expect(body.history).toHaveLength(120);
    expect(body.history[0]).toEqual({ date: dayOf(daysAgo(120)), units: 0 });
    const unitsOn = (ago: number) => body.history.find((day: { date: string }) => day.date === dayOf(daysAgo(ago))).units;
    expect(unitsOn(1)).toBe(WEEK[(WEEKS * 7 - 1) % 7]);
    expect(unitsOn(20)).toBe(WEEK[(WEEKS * 7 - 20) % 7] - RETURNED);
    expect(body.reorderPointWhy).toMatchObject({ leadTimeDays: LEAD_TIME_DAYS });
  });

  it('forecasts on the spot a pair the nightly run has not reached yet, and stores it', async () => {
    await receive(t.db, { sku: sku('LATE'), locationId: LOC, quantity: 10, unitCostCents: 100, when: at(dayOf(daysAgo(3)), '08:00:00') });
    await ship('LATE', 2, dayOf(daysAgo(2)));
    await ship('LATE', 2, dayOf(daysAgo(1)));
    expect(await stored('LATE')).toBeUndefined();
    const response = await get(`/v1/forecasts/${sku('LATE')}?location=${LOC}`);
    expect(response.statusCode).toBe(200);
    expect(response.json().daily).toHaveLength(90);
    expect(response.json().history).toEqual([
      { date: dayOf(daysAgo(3)), units: 0 },
      { date: dayOf(daysAgo(2)), units: 2 },
      { date: dayOf(daysAgo(1)), units: 2 },
    ]);
    expect(await stored('LATE')).toMatchObject({ method: response.json().method });
  });

  it('refuses bad input with a code', async () => {
    const expectCode = async (url: string, status: number, code: string) => {
      const response = await get(url);
      expect([response.statusCode, response.json().code]).toEqual([status, code]);
    };
    await expectCode(`/v1/forecasts/${sku('W')}?location=${LOC}&horizon=366`, 422, 'horizon_out_of_range');
    await expectCode(`/v1/forecasts/${sku('W')}?location=${LOC}&horizon=0`, 422, 'horizon_out_of_range');
    await expectCode(`/v1/forecasts/${sku('nope')}?location=${LOC}`, 404, 'product_not_found');
    await expectCode(`/v1/forecasts/${sku('W')}?location=${t.prefix}-nowhere`, 422, 'unknown_location');
    expect((await get(`/v1/forecasts/${sku('W')}`)).statusCode).toBe(400);
    expect((await get(`/v1/forecasts/${sku('W')}?location=${LOC}`, 'warehouse')).statusCode).toBe(403);
  });
});

describe('planned events', () => {
  const event = (overrides: Record<string, unknown> = {}) => ({
    name: 'Spring sale',
    sku: sku('W'),
    locationId: LOC,
    startDate: addDays(TODAY, 2),
    endDate: addDays(TODAY, 4),
    liftPercent: 50,
    ...overrides,
  });

  it('lift the forecast of the days they cover until removed', async () => {
    const before = (await get(`/v1/forecasts/${sku('W')}?location=${LOC}&horizon=7`)).json().daily;
    const created = await post('/v1/planned-events', event());
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: expect.stringMatching(/^pev_/), ...event(), createdBy: t.keyIds.ops });

    const lifted = (await get(`/v1/forecasts/${sku('W')}?location=${LOC}&horizon=7`)).json().daily;
    lifted.forEach((day: { mean: number; high: number }, index: number) => {
      const factor = index >= 2 && index <= 4 ? 1.5 : 1;
      expect(day.mean).toBeCloseTo(before[index].mean * factor, 6);
      expect(day.high).toBeCloseTo(before[index].high * factor, 6);
    });
    const listed = (await get(`/v1/planned-events?sku=${sku('W')}`)).json().data;
    expect(listed.map((item: { id: string }) => item.id)).toContain(created.json().id);

    expect((await del(`/v1/planned-events/${created.json().id}`)).statusCode).toBe(204);
    const after = (await get(`/v1/forecasts/${sku('W')}?location=${LOC}&horizon=7`)).json().daily;
    after.forEach((day: { mean: number }, index: number) => expect(day.mean).toBeCloseTo(before[index].mean, 6));
    expect((await get(`/v1/planned-events?sku=${sku('W')}`)).json().data.map((item: { id: string }) => item.id)).not.toContain(created.json().id);
    const again = await del(`/v1/planned-events/${created.json().id}`);
    expect([again.statusCode, again.json().code]).toEqual([404, 'planned_event_not_found']);
  });

  it('refuses bad events with a code and writes nothing', async () => {
    const expectCode = async (body: Record<string, unknown>, status: number, code: string) => {
      const response = await post('/v1/planned-events', body);
      expect([response.statusCode, response.json().code]).toEqual([status, code]);
    };
    await expectCode(event({ liftPercent: -10 }), 422, 'negative_lift');
    await expectCode(event({ startDate: addDays(TODAY, 5), endDate: addDays(TODAY, 4) }), 422, 'invalid_date_range');
    await expectCode(event({ startDate: '2025-02-30' }), 400, 'invalid_date');
    await expectCode(event({ sku: sku('nope') }), 422, 'unknown_sku');
    await expectCode(event({ locationId: `${t.prefix}-nowhere` }), 422, 'unknown_location');
    expect(await t.db('planned_events').where({ name: 'Spring sale' }).andWhere('sku', 'like', `${t.prefix}%`).count({ n: '*' })).toEqual([{ n: 0 }]);
  });
});

describe('replenishment', () => {
  it("plans the reorder point from the stored forecast and its error, and says so in the why", async () => {
    const row = await stored('W');
    const response = await get(`/v1/replenishment/suggestions?locationId=${LOC}&sku=${sku('W')}&all=true`);
    expect(response.statusCode).toBe(200);
    const { why } = response.json().data[0];
    expect(why).toMatchObject({ demandSource: 'forecast', leadTimeDays: LEAD_TIME_DAYS, serviceLevel: 0.95 });
    expect(why.forecast).toMatchObject({ method: 'holt_winters', errorStdDev: row.error_std_dev });
    expect(why.forecast.leadTimeDemand).toBeCloseTo(row.reorder_point.why.leadTimeDemand, 6);
    expect(why.reorderPoint).toBe(row.reorder_point.reorderPoint);
    // The window's average and variance would have planned another reorder point: the weekly swing reads as noise.
    expect(why.reorderPoint).toBeLessThan(Math.ceil(why.demand.averageDaily * LEAD_TIME_DAYS + 1.645 * why.demand.stdDevDaily * Math.sqrt(LEAD_TIME_DAYS)));
  });
});

describe('the forecasting Schedule', () => {
  it('is created once across replicas, runs nightly at 02:00 UTC and starts the forecasting workflow', async () => {
    const taskQueue = `forecast-test-${t.prefix}`;
    await Promise.all([startForecasting(t.temporal, taskQueue), startForecasting(t.temporal, taskQueue)]);
    const schedule = t.temporal.schedule.getHandle(forecastingScheduleId(taskQueue));
    try {
      const described = await schedule.describe();
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'forecastingWorkflow', taskQueue });
      const next = described.info.nextActionTimes.map((time) => time.toISOString());
      expect(next.length).toBeGreaterThanOrEqual(2);
      for (const time of next) expect(time).toMatch(/T02:00:00\.000Z$/);
      expect(Date.parse(next[1]) - Date.parse(next[0])).toBe(86_400_000);
    } finally {
      await schedule.delete();
    }
  });
});

import { type ApiTest, bearer, finishApiTest, startApiTest } from '../helpers/api';
import { at, receive, seedLocation, seedProducts, shippedOrder } from './analytics-reports.history';

/**
 * The analytics reports' common filters and the ABC report, through the HTTP API, over a designed
 * history whose answers are known by construction: ten SKUs at one location whose FIFO value shipped
 * in March 2025 is 408, 250, 100, 80, 60, 40, 30, 20, 12 and 8 (in units of 1.00; 1008 in all), so
 * at 80/15/5 the first four are A (75.2 % before the fourth), the next three B (92.9 % before the
 * seventh) and the last three C; in the 31 days before, the last SKU was the big seller.
 */
let t: ApiTest;
let WH: string;
let WEB: string;
let POS: string;
const skus: string[] = [];
const sku = (n: number) => skus[n - 1];
const MARCH = 'from=2025-03-01&to=2025-03-31';

const get = (url: string, role: 'ops' | 'warehouse' = 'ops') => t.request({ url, headers: bearer(t.keys[role]) });
const getCsv = (url: string) => t.request({ url, headers: { ...bearer(t.keys.ops), accept: 'text/csv' } });

/** CSV rows as objects keyed by the header, every value a string. */
function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = text.trimEnd().split('\r\n').map((line) => line.split(','));
  return rows.map((row) => Object.fromEntries(header.map((name, index) => [name, row[index]])));
}

beforeAll(async () => {
  t = await startApiTest();
  WH = `${t.prefix}-WH`;
  WEB = `${t.prefix}-web`;
  POS = `${t.prefix}-pos`;
  for (let n = 1; n <= 10; n++) skus.push(`${t.prefix}-S${String(n).padStart(2, '0')}`);
  await seedProducts(t.db, skus);
  await seedLocation(t.db, WH);

  const received = at('2025-01-10');
  // S01 ships across two layers: 300 at 0.80 then 100 of 200 at 1.60 = 400.00.
  await receive(t.db, { sku: sku(1), locationId: WH, quantity: 300, unitCostCents: 80, when: received });
  await receive(t.db, { sku: sku(1), locationId: WH, quantity: 200, unitCostCents: 160, when: at('2025-01-11') });
  for (let n = 2; n <= 10; n++) await receive(t.db, { sku: sku(n), locationId: WH, quantity: 600, unitCostCents: 100, when: received });

  let orderNo = 0;
  const ship = (n: number, quantity: number, when: Date, channel = WEB) =>
    shippedOrder(t.db, {
      id: `${t.prefix}-o${++orderNo}`,
      channel,
      locationId: WH,
      createdAt: new Date(when.getTime() - 3_600_000),
      shippedAt: when,
      lines: [{ sku: sku(n), quantity, unitPriceCents: 1000 }],
    });

  // The previous period (2025-01-29 .. 2025-02-28): S10 was the big seller, S01 a small one.
  await ship(10, 500, at('2025-02-10'));
  await ship(1, 10, at('2025-02-28', '23:59:59'));
  // S01's 10 units above came from the 0.80 layer: March takes the other 290 of it and 110 at 1.60.
  // The designed March value of S01 is therefore 290 x 80 + 110 x 160 = 40 800; the others at 1.00.
  await ship(1, 400, at('2025-03-10'));
  const units = [0, 250, 100, 80, 60, 40, 30, 20, 12];
  for (let n = 2; n <= 9; n++) await ship(n, units[n - 1], at('2025-03-12'), n === 3 ? POS : WEB);
  // S10: 5 units on the first day and 3 in the last second of the period; the unit on April 1 is outside.
  await ship(10, 5, at('2025-03-01', '00:00:00'));
  await ship(10, 3, at('2025-03-31', '23:59:59'));
  await ship(10, 1, at('2025-04-01', '00:00:00'));
});

afterAll(async () => {
  await finishApiTest(t);
});

describe('common filters', () => {
  it('refuses a reversed period, one over the maximum, a date that is not one and unknown location, channel or sku', async () => {
    const cases: [string, number, string][] = [
      ['from=2025-03-02&to=2025-03-01', 422, 'invalid_date_range'],
      ['from=2024-01-01&to=2025-01-01', 422, 'date_range_too_long'],
      ['from=2025-02-30&to=2025-03-01', 400, 'invalid_date'],
      [`${MARCH}&location=${t.prefix}-NOWHERE`, 422, 'unknown_location'],
      [`${MARCH}&channel=${t.prefix}-nochannel`, 422, 'unknown_channel'],
      [`${MARCH}&sku=${t.prefix}-NOSKU`, 422, 'unknown_sku'],
      // The period is checked before anything is read: a reversed period with an unknown location is about the period.
      [`from=2025-03-02&to=2025-03-01&location=${t.prefix}-NOWHERE`, 422, 'invalid_date_range'],
    ];
    for (const [query, status, code] of cases) {
      const answer = await get(`/v1/reports/abc?${query}`);
      expect([query, answer.statusCode, answer.json().code]).toEqual([query, status, code]);
    }
    const malformed = await get('/v1/reports/abc?from=March');
    expect(malformed.statusCode).toBe(400);
  });

  it('takes a period of exactly the maximum (366 days, both ends inclusive) and is for ops only', async () => {
    const year = await get(`/v1/reports/abc?from=2024-01-01&to=2024-12-31&location=${WH}`);
    expect(year.statusCode).toBe(200);
    expect(year.json()).toMatchObject({ from: '2024-01-01', to: '2024-12-31', lines: [] });
    expect((await get(`/v1/reports/abc?${MARCH}`, 'warehouse')).statusCode).toBe(403);
  });
});

describe('GET /v1/reports/abc', () => {
  it('classes the designed SKUs by FIFO value shipped, with units, shares and the class of the period before', async () => {
    const answer = await get(`/v1/reports/abc?${MARCH}&location=${WH}`);
    expect(answer.statusCode).toBe(200);
    const report = answer.json();
    expect(report.thresholds).toEqual({ a: 80, b: 15, c: 5 });
    const s01Value = 290 * 80 + 110 * 160;
    const total = s01Value + (250 + 100 + 80 + 60 + 40 + 30 + 20 + 12 + 8) * 100;
    expect(report.totalValueCents).toBe(total);
    expect(report.lines.map((line: { sku: string }) => line.sku)).toEqual(skus);
    expect(report.lines.map((line: { class: string }) => line.class).join('')).toBe('AAAABBBCCC');
    expect(report.lines.map((line: { previousClass: string }) => line.previousClass).join('')).toBe('CCCCCCCCCA');
    expect(report.lines[0]).toEqual({
      sku: sku(1),
      units: 400,
      valueCents: s01Value,
      sharePercent: Math.round((s01Value * 10_000) / total) / 100,
      cumulativeSharePercent: Math.round((s01Value * 10_000) / total) / 100,
      class: 'A',
      previousClass: 'C',
    });
    // Both ends of the period count; April 1 does not.
    expect(report.lines[9]).toMatchObject({ units: 8, valueCents: 800, cumulativeSharePercent: 100 });
  });

  it('takes thresholds a, b, c; narrows by channel; picks one SKU out of the whole ranking', async () => {
    const custom = (await get(`/v1/reports/abc?${MARCH}&location=${WH}&a=50&b=30&c=20`)).json();
    expect(custom.thresholds).toEqual({ a: 50, b: 30, c: 20 });
    expect(custom.lines.map((line: { class: string }) => line.class).join('')).toBe('AABBCCCCCC');

    const pos = (await get(`/v1/reports/abc?${MARCH}&channel=${POS}`)).json();
    expect(pos.lines).toEqual([
      { sku: sku(3), units: 100, valueCents: 10_000, sharePercent: 100, cumulativeSharePercent: 100, class: 'A', previousClass: 'C' },
    ]);

    const one = (await get(`/v1/reports/abc?${MARCH}&location=${WH}&sku=${sku(7)}`)).json();
    expect(one.lines).toHaveLength(1);
    expect(one.lines[0]).toMatchObject({ sku: sku(7), units: 30, class: 'B' });

    for (const query of ['a=50&b=30', 'a=50&b=30&c=30', 'a=-1&b=1&c=100']) {
      const refused = await get(`/v1/reports/abc?${MARCH}&${query}`);
      expect([query, refused.statusCode]).toEqual([query, 400]);
    }
    expect((await get(`/v1/reports/abc?${MARCH}&a=50&b=30&c=30`)).json().code).toBe('invalid_abc_thresholds');
  });

  it('streams the same lines as CSV with Accept: text/csv', async () => {
    const json = (await get(`/v1/reports/abc?${MARCH}&location=${WH}`)).json();
    const csv = await getCsv(`/v1/reports/abc?${MARCH}&location=${WH}`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csvRecords(csv.body)).toEqual(
      json.lines.map((line: Record<string, string | number>) => ({
        sku: line.sku,
        units: String(line.units),
        value_cents: String(line.valueCents),
        share_percent: String(line.sharePercent),
        cumulative_share_percent: String(line.cumulativeSharePercent),
        class: line.class,
        previous_class: line.previousClass,
      })),
    );
  });
});

describe('GET /v1/reports/sales', () => {
  const S01_COGS = 290 * 80 + 110 * 160;
  const COGS = S01_COGS + 600 * 100;

  it('sums revenue, FIFO COGS and margin by channel, tying out to the cost consumptions of the shipments', async () => {
    const answer = await get(`/v1/reports/sales?${MARCH}&location=${WH}`);
    expect(answer.statusCode).toBe(200);
    const report = answer.json();
    expect(report.groupBy).toBe('channel');
    const pos = { units: 100, revenueCents: 100_000, cogsCents: 10_000, marginCents: 90_000, marginPercent: 90 };
    const webCogs = COGS - 10_000;
    expect(report.rows).toEqual([
      { key: POS, ...pos },
      { key: WEB, units: 900, revenueCents: 900_000, cogsCents: webCogs, marginCents: 900_000 - webCogs, marginPercent: Math.round(((900_000 - webCogs) * 10_000) / 900_000) / 100 },
    ]);
    expect(report.total).toMatchObject({ units: 1000, revenueCents: 1_000_000, cogsCents: COGS, marginCents: 1_000_000 - COGS });

    const consumed = await t.db.raw(
      `SELECT sum(c.quantity * c.unit_cost_cents)::int AS cost FROM cost_consumptions c JOIN inventory_movements m ON m.id = c.movement_id
        WHERE m.kind = 'shipment' AND m.location_id = ? AND m.created_at >= '2025-03-01' AND m.created_at < '2025-04-01'`,
      [WH],
    );
    expect(consumed.rows[0].cost).toBe(report.total.cogsCents);
  });

  it('groups by sku and by week or month, with empty periods as zeros, and streams the same as CSV', async () => {
    const bySku = (await get(`/v1/reports/sales?${MARCH}&location=${WH}&groupBy=sku&sku=${sku(1)}`)).json();
    expect(bySku.rows).toEqual([
      { key: sku(1), units: 400, revenueCents: 400_000, cogsCents: S01_COGS, marginCents: 400_000 - S01_COGS, marginPercent: 89.8 },
    ]);

    const weeks = (await get(`/v1/reports/sales?${MARCH}&location=${WH}&groupBy=period&interval=week`)).json();
    expect(weeks.interval).toBe('week');
    expect(weeks.rows.map((row: { key: string; units: number }) => [row.key, row.units])).toEqual([
      ['2025-02-24', 5],
      ['2025-03-03', 0],
      ['2025-03-10', 400 + 250 + 100 + 80 + 60 + 40 + 30 + 20 + 12],
      ['2025-03-17', 0],
      ['2025-03-24', 0],
      ['2025-03-31', 3],
    ]);
    expect(weeks.rows[1]).toEqual({ key: '2025-03-03', units: 0, revenueCents: 0, cogsCents: 0, marginCents: 0, marginPercent: null });
    const month = (await get(`/v1/reports/sales?${MARCH}&location=${WH}&groupBy=period&interval=month`)).json();
    expect(month.rows.map((row: { key: string; units: number }) => [row.key, row.units])).toEqual([['2025-03-01', 1000]]);

    const csv = await getCsv(`/v1/reports/sales?${MARCH}&location=${WH}&groupBy=period&interval=week`);
    expect(csvRecords(csv.body)).toEqual(
      weeks.rows.map((row: any) => ({
        period: row.key,
        units: String(row.units),
        revenue_cents: String(row.revenueCents),
        cogs_cents: String(row.cogsCents),
        margin_cents: String(row.marginCents),
        margin_percent: row.marginPercent === null ? '' : String(row.marginPercent),
      })),
    );
    expect((await get(`/v1/reports/sales?${MARCH}&groupBy=store`)).statusCode).toBe(400);
    expect((await get(`/v1/reports/sales?${MARCH}&channel=${t.prefix}-nochannel`)).json().code).toBe('unknown_channel');
  });
});

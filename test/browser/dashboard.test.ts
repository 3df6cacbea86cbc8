import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type ApiTest, bearer, finishApiTest, insertOrder, startApiTest } from '../helpers/api';
import { at, receive, restockedReturn, seedLocation, seedProducts, shippedOrder } from '../integration/analytics-reports.history';

/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core) against the API on a
 * local port and the test database, seeded with a designed March 2025: ten SKUs whose value shipped
 * is 408, 250, 100, 80, 60, 40, 30, 20, 12 and 8 (in 1.00), so at 80/15/5 the first four are A, the
 * next three B and the last three C. Each page's tiles, charts and CSV files are checked against the
 * API's own answers; screenshots of every page at desktop and phone width go to test-artifacts/dashboard/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '../../test-artifacts/dashboard');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const browserIt = existsSync(CHROMIUM) ? it : it.skip;
if (!existsSync(CHROMIUM)) {
  console.warn(`dashboard browser tests skipped: no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

let t: ApiTest;
let browser: Browser;
let baseUrl: string;
let WH: string;
let CHANNEL: string;
const skus: string[] = [];
const sku = (n: number) => skus[n - 1];
const MARCH = { from: '2025-03-01', to: '2025-03-31' };

const api = async (url: string) => {
  const response = await t.request({ url, headers: bearer(t.keys.ops) });
  expect([url, response.statusCode]).toEqual([url, 200]);
  return response.json();
};
const apiCsv = async (url: string) => (await t.request({ url, headers: { ...bearer(t.keys.ops), accept: 'text/csv' } })).body;
const money = (cents: number) => (cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

beforeAll(async () => {
  t = await startApiTest();
  baseUrl = t.app.listeningOrigin;
  WH = `${t.prefix}-WH`;
  CHANNEL = `${t.prefix}-web`;
  for (let n = 1; n <= 10; n++) skus.push(`${t.prefix}-S${String(n).padStart(2, '0')}`);
  await seedProducts(t.db, skus);
  await seedLocation(t.db, WH);
  for (let n = 1; n <= 10; n++) await receive(t.db, { sku: sku(n), locationId: WH, quantity: n === 1 ? 420 : 300, unitCostCents: 100, when: at('2025-01-10') });
  let orderNo = 0;
  const ship = (n: number, quantity: number, day: string) =>
    shippedOrder(t.db, {
      id: `${t.prefix}-o${++orderNo}`,
      channel: CHANNEL,
      locationId: WH,
      createdAt: at(day, '08:00:00'),
      shippedAt: at(day),
      lines: [{ sku: sku(n), quantity, unitPriceCents: 250 }],
    });
  // February: S10 sold best, so its class before March differs.
  await ship(10, 200, '2025-02-10');
  const units = [408, 250, 100, 80, 60, 40, 30, 20, 12, 8];
  for (let n = 1; n <= 10; n++) await ship(n, units[n - 1], `2025-03-${String(2 + n).padStart(2, '0')}`);
  await restockedReturn(t.db, { returnId: `${t.prefix}-r1`, orderId: `${t.prefix}-o2`, lineNo: 1, locationId: WH, quantity: 3, reason: 'damaged', unitCostCents: 100, when: at('2025-03-20') });
  await insertOrder(t, { id: `${t.prefix}-o-wait`, customerId: `${t.prefix}-c`, channel: CHANNEL, status: 'BACKORDERED', createdAt: new Date(), sku: sku(2) });
  if (existsSync(CHROMIUM)) {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }
});

afterAll(async () => {
  await browser?.close();
  await finishApiTest(t);
});

/** Waits until the page the click or submit started has rendered. */
async function rendered(page: Page, action: () => Promise<unknown>, pageId?: string) {
  await page.evaluate("document.body.dataset.ready = 'false'");
  await action();
  await page.waitForSelector(`body[data-ready="true"]${pageId ? `[data-page="${pageId}"]` : ''}`);
  expect(await page.locator('#status.error').count()).toBe(0);
}

const open = (page: Page, pageId: string) => rendered(page, () => page.click(`#tabs a[data-page="${pageId}"]`), pageId);

async function filter(page: Page, values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) {
    const field = page.locator(`#filters [name="${name}"]`);
    if ((await field.evaluate((node) => node.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await rendered(page, () => page.click('#filters button[type="submit"]'));
}

type ChartData = { labels: unknown[]; datasets: { label: string; data: unknown[] }[] };
const chartData = (page: Page, name: string): Promise<ChartData> =>
  page.evaluate((chart) => {
    const instance = (globalThis as unknown as { __charts: Record<string, { data: ChartData }> }).__charts[chart];
    return { labels: [...instance.data.labels], datasets: instance.data.datasets.map((set) => ({ label: set.label, data: [...set.data] })) };
  }, name);

const tileValue = (page: Page, id: string) => page.locator(`[data-kpi="${id}"] .tile-value`).innerText();

async function downloadedCsv(page: Page, table: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-csv="${table}"]`)]);
  return readFileSync((await download.path())!, 'utf8');
}

async function screenshots(context: BrowserContext, page: Page, name: string) {
  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(150); // charts resize on the next frame
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${size}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
  expect(context.pages()).toContain(page);
}

async function signedInPage(): Promise<{ context: BrowserContext; page: Page; urls: string[] }> {
  const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
  const page = await context.newPage();
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  await page.goto(`${baseUrl}/dashboard`);
  await page.waitForSelector('#sign-in:not([hidden])');
  await page.fill('#api-key', t.keys.ops);
  await rendered(page, () => page.click('#sign-in button[type="submit"]'), 'overview');
  return { context, page, urls };
}

describe('the dashboard in a real browser', () => {
  browserIt('asks for the key once per browser session and never puts it in a URL', async () => {
    const { context, page, urls } = await signedInPage();
    await open(page, 'abc');
    await page.reload();
    await page.waitForSelector('body[data-ready="true"][data-page="abc"]');
    expect(await page.locator('#sign-in').isHidden()).toBe(true);
    expect(urls.length).toBeGreaterThan(5);
    for (const url of [...urls, page.url()]) expect(url).not.toContain(t.keys.ops);

    const wrong = await (await browser.newContext()).newPage();
    await wrong.goto(`${baseUrl}/dashboard`);
    await wrong.waitForSelector('#sign-in:not([hidden])');
    await wrong.fill('#api-key', t.keys.warehouse);
    await wrong.click('#sign-in button[type="submit"]');
    await wrong.waitForSelector('#sign-in-error:has-text("not a valid ops key")');
    expect(await wrong.locator('#app').isHidden()).toBe(true);
    await wrong.context().close();
    await context.close();
  });

  browserIt('shows KPI tiles equal to the API, with trends, that follow the filters', async () => {
    const { context, page } = await signedInPage();
    await filter(page, { ...MARCH, interval: 'week', location: WH, channel: CHANNEL, sku: '' });
    const sales = await api(`/v1/reports/sales?from=2025-03-01&to=2025-03-31&location=${WH}&channel=${CHANNEL}&groupBy=period&interval=week`);
    expect(sales.total.units).toBe(1008);
    expect(await tileValue(page, 'revenue')).toBe(money(sales.total.revenueCents));
    expect(await tileValue(page, 'cogs')).toBe(money(sales.total.cogsCents));
    expect(await tileValue(page, 'margin')).toBe(money(sales.total.marginCents));
    expect(await tileValue(page, 'units')).toBe('1,008');
    const trend = await chartData(page, 'trend-revenue');
    expect(trend.labels).toEqual(sales.rows.map((row: { key: string }) => row.key));
    expect(trend.datasets[0].data).toEqual(sales.rows.map((row: { revenueCents: number }) => row.revenueCents));
    const valuation = await api(`/v1/reports/valuation?locationId=${WH}`);
    expect(await tileValue(page, 'stock-value')).toBe(money(valuation.total.valueCents));
    const dead = await api(`/v1/reports/dead-stock?location=${WH}&days=90`);
    expect(await tileValue(page, 'dead-stock-value')).toBe(money(dead.totalValueCents));
    const kpis = await api(`/v1/reports/kpis?from=2025-03-01&to=2025-03-31&location=${WH}&channel=${CHANNEL}&interval=week`);
    const total = (field: string) => kpis.series.reduce((sum: number, point: Record<string, number>) => sum + point[field], 0);
    expect(total('ordersPlaced')).toBeGreaterThan(0);
    const backorderRate = Math.round((total('ordersBackordered') / total('ordersPlaced')) * 10_000) / 100;
    expect(await tileValue(page, 'kpi-backorder-rate')).toBe(`${backorderRate.toFixed(2)} %`);
    const shipped = total('ordersShipped');
    expect(await tileValue(page, 'kpi-on-time-ship')).toBe(shipped ? `${(Math.round((total('ordersShippedOnTime') / shipped) * 10_000) / 100).toFixed(2)} %` : '–');
    expect((await chartData(page, 'trend-kpi-fill-rate')).datasets[0].data).toEqual(kpis.series.map((point: { fillRatePercent: number | null }) => point.fillRatePercent));
    await screenshots(context, page, 'kpis');

    await filter(page, { sku: sku(2) });
    const one = await api(`/v1/reports/sales?from=2025-03-01&to=2025-03-31&location=${WH}&channel=${CHANNEL}&sku=${sku(2)}&groupBy=period&interval=week`);
    expect(one.total.units).toBe(250);
    expect(await tileValue(page, 'revenue')).toBe(money(one.total.revenueCents));
    expect(await tileValue(page, 'units')).toBe('250');
    await context.close();
  });

  browserIt('draws the ABC Pareto chart with the designed classes, follows the period, and exports the API CSV', async () => {
    const { context, page } = await signedInPage();
    await open(page, 'abc');
    await filter(page, { ...MARCH, location: WH, channel: CHANNEL, sku: '' });
    const abcUrl = `/v1/reports/abc?from=2025-03-01&to=2025-03-31&location=${WH}&channel=${CHANNEL}`;
    const report = await api(abcUrl);
    expect(report.lines.map((line: { class: string }) => line.class).join('')).toBe('AAAABBBCCC');
    const pareto = await chartData(page, 'abcPareto');
    expect(pareto.labels).toEqual(skus);
    expect(pareto.datasets.map((set) => set.label)).toEqual(['Value shipped', 'Cumulative share %']);
    expect(pareto.datasets[0].data).toEqual([408, 250, 100, 80, 60, 40, 30, 20, 12, 8]);
    expect(pareto.datasets[1].data).toEqual(report.lines.map((line: { cumulativeSharePercent: number }) => line.cumulativeSharePercent));
    expect(await downloadedCsv(page, 'abc')).toBe(await apiCsv(abcUrl));
    await screenshots(context, page, 'abc');

    await filter(page, { from: '2025-02-01', to: '2025-02-28' });
    const february = await chartData(page, 'abcPareto');
    expect(february.labels).toEqual([sku(10)]);
    expect(february.datasets[0].data).toEqual([200]);
    await context.close();
  });

  browserIt('lists stock with low levels highlighted and dead stock with values, both exported as CSV', async () => {
    const { context, page } = await signedInPage();
    await open(page, 'stock');
    await filter(page, { location: WH, sku: '', lowStock: '10' });
    const levels = (await api(`/v1/inventory/levels?locationId=${WH}&limit=200`)).data;
    const rows = page.locator('[data-table="stock-levels"] tbody tr');
    expect(await rows.count()).toBe(levels.length);
    // S01 has 420 - 408 + 3 returned = 15 left, S10 the next lowest with 300 - 200 - 8 = 92: none is low at 10, S01 alone at 15.
    expect(await page.locator('[data-table="stock-levels"] tr.low').count()).toBe(0);
    await filter(page, { lowStock: '15' });
    expect(await page.locator('[data-table="stock-levels"] tr.low td:first-child').allInnerTexts()).toEqual([sku(1)]);
    const byLocation = await chartData(page, 'stockByLocation');
    expect(byLocation.labels).toEqual([WH]);
    expect(byLocation.datasets[0].data).toEqual([levels.reduce((sum: number, level: { available: number }) => sum + level.available, 0)]);
    const stockCsv = (await downloadedCsv(page, 'stock-levels')).trimEnd().split('\r\n');
    expect(stockCsv[0].split(',').slice(0, 3)).toEqual(['sku', 'location_id', 'on_hand']);
    expect(stockCsv.slice(1).map((line) => line.split(',').slice(0, 3))).toEqual(levels.map((level: { sku: string; onHand: number }) => [level.sku, WH, String(level.onHand)]));
    await screenshots(context, page, 'stock');

    await open(page, 'dead-stock');
    await filter(page, { location: WH, sku: '', days: '90' });
    const dead = await api(`/v1/reports/dead-stock?days=90&location=${WH}`);
    expect(dead.lines).toHaveLength(10);
    expect(await page.locator('[data-table="dead-stock"] tbody tr').count()).toBe(10);
    const csv = await downloadedCsv(page, 'dead-stock');
    const fromApi = await apiCsv(`/v1/reports/dead-stock?days=90&location=${WH}`);
    // The report is as of now: compare everything but the file's moment-dependent idle days.
    const withoutIdle = (text: string) => text.split('\r\n').map((line) => line.split(',').filter((_, index) => index !== 6).join(','));
    expect(withoutIdle(csv)).toEqual(withoutIdle(fromApi));
    await screenshots(context, page, 'dead-stock');
    await context.close();
  });

  browserIt('shows the order pipeline linking to the Temporal Web UI, returns by reason, late POs and the forecast', async () => {
    const { context, page } = await signedInPage();
    await open(page, 'pipeline');
    await filter(page, { channel: CHANNEL });
    const pipeline = await api(`/v1/reports/order-pipeline?channel=${CHANNEL}`);
    const counts = await chartData(page, 'orderPipeline');
    expect(counts.datasets[0].data).toEqual(pipeline.statuses.map((row: { count: number }) => row.count));
    const backordered = pipeline.statuses.find((row: { status: string }) => row.status === 'BACKORDERED');
    expect(backordered.count).toBe(1);
    expect(await page.locator('a[data-status="BACKORDERED"]').getAttribute('href')).toBe(backordered.temporalUrl);
    await screenshots(context, page, 'orders');

    await open(page, 'returns');
    await filter(page, { ...MARCH, location: WH, channel: CHANNEL, sku: '' });
    const returns = await api(`/v1/reports/returns-by-reason?from=2025-03-01&to=2025-03-31&location=${WH}&channel=${CHANNEL}`);
    expect((await chartData(page, 'returnsByReason')).datasets[0].data).toEqual(returns.reasons.map((row: { units: number }) => row.units));
    expect(returns.reasons[0]).toMatchObject({ reason: 'damaged', units: 3 });
    expect(await downloadedCsv(page, 'returns-by-reason')).toBe(await apiCsv(`/v1/reports/returns-by-reason?from=2025-03-01&to=2025-03-31&location=${WH}&channel=${CHANNEL}`));
    await screenshots(context, page, 'returns');

    await open(page, 'late-pos');
    await filter(page, { location: WH });
    expect(await page.locator('[data-table="late-purchase-orders"] tbody tr').count()).toBe((await api(`/v1/reports/late-purchase-orders?location=${WH}`)).data.length);
    await screenshots(context, page, 'late-purchase-orders');

    await open(page, 'forecast');
    await filter(page, { sku: sku(1), location: WH, horizon: '28' });
    const forecast = await t.request({ url: `/v1/forecasts/${sku(1)}?location=${WH}&horizon=28`, headers: bearer(t.keys.ops) });
    if (forecast.statusCode === 404) {
      expect(await page.locator('[data-not-available="Forecast"]').count()).toBe(1);
    } else {
      const drawn = await chartData(page, 'forecast');
      expect(drawn.datasets.map((set) => set.label)).toEqual(['History', 'Forecast', 'Low', 'High', 'Reorder point']);
      expect(drawn.datasets[4].data[0]).toBe(forecast.json().reorderPoint);
    }
    await screenshots(context, page, 'forecast');
    await context.close();
  });
});

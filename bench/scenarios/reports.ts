/**
 * `--scenario reports`: every report of api/routes/analytics.ts and api/routes/dashboard-data.ts,
 * timed through the API in this process (buildApp().inject() with an ops key; Temporal is never
 * called) over a database of its own seeded with a year of history (reports-seed.ts: --orders
 * orders, 100,000 by default, and a ledger of about --movements rows, 1,000,000 by default).
 * Each report runs over the dashboard's default 30 days and over a year, --reads times (20 by
 * default, fewer when they would take over a minute) one at a time after a warm-up; a report that
 * has not answered in a minute (the app's statement timeout) is a miss without figures, and the
 * queries it left running are waited for. Then the year's movements stream as CSV while this
 * process's memory is sampled, with a full GC at each fifth of the rows to read the live heap.
 * Targets: every report's p95 under 1 s; the live heap flat through the stream.
 * ratio = the slowest report's p95 / 1 s.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { Client } from '@temporalio/client';
import { buildApp, type App } from '../../api/app';
import { checkInvariants } from '../../db/invariants';
import { createDb, type Db } from '../../db/knex';
import { createFreshDatabase } from '../../dev/harness/database';
import { createApiKey } from '../../infra/api-keys';
import { loadConfig } from '../../infra/config';
import { FigureCheck, fmt, mib, printFigures } from '../report';
import type { Scenario } from '../scenario';
import { ratePerSecond, summarize } from '../stats';
import {
  heapVerdict, type HeapCheckpoint, REPORT_TIMEOUT_MS, type ReportTiming, reportTiming, runsWithin, slowestRatio, TARGET_P95_MS, timingRow,
} from './reports-figures';
import { seedReportHistory } from './reports-seed';

const DAY_MS = 86_400_000;
/** The KPI report runs seven queries at once. */
const POOL = 10;
const MEMORY_SAMPLE_MS = 20;
const HEAP_MARKS = [0.2, 0.4, 0.6, 0.8, 0.99];

v8.setFlagsFromString('--expose-gc');
const fullGc = vm.runInNewContext('gc') as () => void;

interface ReportCall {
  label: string;
  url: string;
  csv?: boolean;
}

/** The body, or null when the report gave up at the statement timeout. */
type Request = (call: ReportCall) => Promise<string | null>;

export const reportsScenario: Scenario = async (context) => {
  const { orders, movements, reads: runs } = context.options;
  const fresh = await createFreshDatabase(context.databaseUrl, 'reports', POOL);
  let app: App | undefined;
  let appDb: Db | undefined;
  try {
    const { db } = fresh;
    const now = new Date();
    console.log(`\nSeeding a year: ${orders} orders and a ledger of about ${movements} movements…`);
    const seedStarted = performance.now();
    await seedReportHistory(db, { orders, movements, now });
    const seedMs = performance.now() - seedStarted;
    const stored = await storedCounts(db);
    const invariantsStarted = performance.now();
    const violations = await checkInvariants(db);
    const invariantsMs = performance.now() - invariantsStarted;
    printFigures(`Seeded in ${fmt(seedMs / 1000, 1)} s (counts from the database)`, [
      ['orders (by status)', `${stored.orders} ${JSON.stringify(stored.byStatus)}`],
      ['order lines / shipments / shipment lines', `${stored.orderLines} / ${stored.shipments} / ${stored.shipmentLines}`],
      ['inventory_movements (by kind)', `${stored.movements} ${JSON.stringify(stored.byKind)}`],
      ['cost layers / consumptions', `${stored.layers} / ${stored.consumptions}`],
      ['(sku, location) levels / units on hand', `${stored.levels} / ${stored.onHand}`],
      ['returns / open purchase orders / counted tasks', `${stored.returns} / ${stored.purchaseOrders} / ${stored.countTasks}`],
      ['database size', mib(stored.databaseBytes)],
      [`invariants (${fmt(invariantsMs / 1000, 1)} s)`, violations.length === 0 ? 'all hold' : `${violations.length} violations, first: ${violations[0]}`],
    ]);

    // The app's own connections give up on a statement after REPORT_TIMEOUT_MS; seeding and checks above had no limit.
    await db.raw(`ALTER DATABASE ?? SET statement_timeout = ${REPORT_TIMEOUT_MS}`, [new URL(fresh.url).pathname.slice(1)]);
    appDb = createDb(fresh.url, POOL);
    app = buildApp({ db: appDb, temporal: new Client(), config: loadConfig({ ...process.env, DATABASE_URL: fresh.url }), logger: false });
    await app.ready();
    const { key } = await createApiKey(db, 'bench reports', 'ops');
    const request = requester(app, key);

    const today = now.toISOString().slice(0, 10);
    const daysBack = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString().slice(0, 10);
    const periods = [
      { name: '30 days', from: daysBack(29), to: today },
      { name: 'a year', from: daysBack(364), to: today },
    ];
    const calls: ReportCall[] = [
      { label: 'dead stock (now)', url: '/v1/reports/dead-stock' },
      { label: 'order pipeline (now)', url: '/v1/reports/order-pipeline' },
      { label: 'late purchase orders (now)', url: '/v1/reports/late-purchase-orders' },
      ...periods.flatMap(({ name, from, to }) => {
        const period = `from=${from}&to=${to}`;
        return [
          { label: `ABC, ${name}`, url: `/v1/reports/abc?${period}` },
          { label: `surplus, ${name}`, url: `/v1/reports/surplus?${period}` },
          { label: `sales by channel, ${name}`, url: `/v1/reports/sales?${period}&groupBy=channel` },
          { label: `sales by SKU, ${name}`, url: `/v1/reports/sales?${period}&groupBy=sku` },
          { label: `sales by week, ${name}`, url: `/v1/reports/sales?${period}&groupBy=period&interval=week` },
          { label: `KPIs by week, ${name}`, url: `/v1/reports/kpis?${period}&interval=week` },
          { label: `accounting export, ${name}`, url: `/v1/reports/accounting-export?${period}` },
          { label: `accounting export as CSV, ${name}`, url: `/v1/reports/accounting-export?${period}`, csv: true },
          { label: `returns by reason, ${name}`, url: `/v1/reports/returns-by-reason?${period}` },
        ];
      }),
    ];

    console.log(`\nTiming ${calls.length} reports, ${runs} runs each after a warm-up (fewer past a minute), one request at a time`);
    const check = new FigureCheck();
    const timings: ReportTiming[] = [];
    const answers = new Map<string, string>();
    for (const call of calls) {
      const warmUpStarted = performance.now();
      const answer = await request(call);
      const samples: number[] = [];
      if (answer === null) {
        await untilIdle(db);
      } else {
        answers.set(call.label, answer);
        const planned = runsWithin(runs, performance.now() - warmUpStarted);
        for (let i = 0; i < planned; i += 1) {
          const started = performance.now();
          if ((await request(call)) === null) throw new Error(`${call.label} answered its warm-up but timed out on run ${i + 1}`);
          samples.push(performance.now() - started);
        }
        check.latencies(call.label, summarize(samples), planned);
      }
      const timing = reportTiming(call.label, samples, answer === null);
      timings.push(timing);
      console.log(`  ${timingRow(timing).join(': ')}`);
    }
    checkAnswers(check, answers, stored);

    const year = { from: new Date(now.getTime() - 365 * DAY_MS), to: new Date(now.getTime() + 1000) };
    const expectedRows = await movementsBetween(db, year.from, year.to);
    console.log(`\nStreaming the year's ${expectedRows} movements as CSV (GET /v1/inventory/movements, Accept: text/csv)`);
    const stream = await streamMovements(app, key, year.from, year.to, expectedRows);
    const verdict = heapVerdict(stream.checkpoints);
    const slowest = slowestRatio(timings);
    const ratio = slowest.ratio;

    printFigures(`Results: ${orders} orders, ${stored.movements} movements; target p95 < ${TARGET_P95_MS} ms`, [
      ...timings.map(timingRow),
      ['reports that miss the target', timings.filter((timing) => !timing.met).map((timing) => timing.label).join('; ') || 'none'],
      ['CSV rows streamed / in the year (SELECT count)', `${stream.rows} / ${expectedRows}`],
      ['CSV streamed', `${mib(stream.bytes)} in ${fmt(stream.elapsedMs / 1000, 1)} s (${fmt(ratePerSecond(stream.rows, stream.elapsedMs), 0)} rows/s)`],
      ['heap before / peak growth during (sampled)', `${mib(stream.heapBefore)} / +${mib(stream.peakHeap - stream.heapBefore)}`],
      ['RSS before / peak growth during (sampled)', `${mib(stream.rssBefore)} / +${mib(stream.peakRss - stream.rssBefore)}`],
      [
        `live heap after GC at ${HEAP_MARKS.map((mark) => `${Math.round(mark * 100)} %`).join(', ')}`,
        stream.checkpoints.map((point) => `${mib(point.heapBytes)}`).join(', '),
      ],
      [
        'live heap growth 20 % -> 99 % (flat: <= 4 MiB or 5 % of bytes)',
        `${fmt(verdict.growthBytes / 2 ** 20, 1)} MiB (allowed ${fmt(verdict.allowedBytes / 2 ** 20, 1)}) ${verdict.flat ? 'FLAT' : 'GROWS'}`,
      ],
      [
        `ratio slowest p95 / ${TARGET_P95_MS} ms (${slowest.label}; target < 1)`,
        `${slowest.lowerBound ? 'at least ' : ''}${fmt(ratio, 3)} ${ratio < 1 ? '(target met)' : '(ABOVE TARGET)'}`,
      ],
    ]);

    for (const [name, value] of Object.entries(stored)) if (typeof value === 'number') check.count(name, value);
    check
      .same('cost layers', stored.layers, 'receipts in the ledger', stored.byKind.receipt ?? 0)
      .same('cost consumptions', stored.consumptions, 'outbound movements', stored.movements - (stored.byKind.receipt ?? 0))
      .same('CSV rows streamed', stream.rows, 'movements in the year', expectedRows)
      .atMost('movements in the year', expectedRows, 'movements', stored.movements)
      .positive('CSV bytes streamed', stream.bytes)
      .ratio('ratio slowest p95 / target', ratio, {})
      .mustBeZero('invariant violations', violations.length);
    if (stream.checkpoints.length !== HEAP_MARKS.length) check.fail(`${stream.checkpoints.length} heap checkpoints where ${HEAP_MARKS.length} were due`);
    return { ratio, check };
  } finally {
    await app?.close();
    await appDb?.destroy();
    await fresh.drop();
  }
};

/**
 * GETs a report as ops (JSON, or CSV when asked) and returns its body, or null when it failed at the
 * statement timeout; any other answer but 200 stops the run.
 */
function requester(app: App, key: string): Request {
  return async (call) => {
    const started = performance.now();
    const response = await app.inject({
      method: 'GET',
      url: call.url,
      headers: { authorization: `Bearer ${key}`, accept: call.csv ? 'text/csv' : 'application/json' },
    });
    if (response.statusCode === 200) return response.body;
    if (response.statusCode >= 500 && performance.now() - started >= REPORT_TIMEOUT_MS) return null;
    throw new Error(`${call.url} answered ${response.statusCode}: ${response.body.slice(0, 500)}`);
  };
}

/** Waits for the queries a timed-out report left running (each ends by its own timeout at the latest). */
async function untilIdle(db: Db): Promise<void> {
  for (;;) {
    const { rows } = await db.raw(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()",
    );
    if (rows[0].n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** What the reports say that the database can confirm, or that two reports must agree on. */
/** What the reports that answered say that the database can confirm, or that two of them must agree on. */
function checkAnswers(check: FigureCheck, answers: Map<string, string>, stored: StoredCounts): void {
  const json = (label: string) => (answers.has(label) ? JSON.parse(answers.get(label)!) : undefined);
  const pipeline = json('order pipeline (now)');
  if (pipeline) check.same('order pipeline total', pipeline.total, 'orders', stored.orders);
  for (const period of ['30 days', 'a year']) {
    const [byChannel, bySku, byWeek] = ['sales by channel', 'sales by SKU', 'sales by week'].map((label) => json(`${label}, ${period}`));
    if (byChannel && bySku) check.same(`units sold by SKU, ${period}`, bySku.total.units, 'by channel', byChannel.total.units);
    if (byChannel && byWeek) check.same(`units sold by week, ${period}`, byWeek.total.units, 'by channel', byChannel.total.units);
    const journal = json(`accounting export, ${period}`) as { totals: { debitCents: number; creditCents: number }[] } | undefined;
    if (journal) {
      const debit = journal.totals.reduce((sum, total) => sum + total.debitCents, 0);
      const credit = journal.totals.reduce((sum, total) => sum + total.creditCents, 0);
      if (debit !== credit) check.fail(`the accounting export of ${period} does not balance: debits ${debit}, credits ${credit}`);
    }
    const returned = json(`returns by reason, ${period}`);
    if (returned) check.atMost(`units returned, ${period}`, returned.totalUnits, 'return lines', stored.returns);
  }
}

interface StoredCounts {
  orders: number;
  byStatus: Record<string, number>;
  orderLines: number;
  shipments: number;
  shipmentLines: number;
  movements: number;
  byKind: Record<string, number>;
  layers: number;
  consumptions: number;
  levels: number;
  onHand: number;
  returns: number;
  purchaseOrders: number;
  countTasks: number;
  databaseBytes: number;
}

async function storedCounts(db: Db): Promise<StoredCounts> {
  const count = async (table: string) => Number((await db(table).count({ n: '*' }))[0].n);
  const grouped = async (table: string, column: string) =>
    Object.fromEntries(
      ((await db(table).groupBy(column).orderBy(column).select(column, db.raw('count(*)::int AS n'))) as Record<string, string | number>[]).map(
        (row) => [row[column], Number(row.n)],
      ),
    );
  const [{ units }] = await db('inventory_levels').select(db.raw('coalesce(sum(on_hand), 0)::bigint AS units'));
  const [{ bytes }] = await db.select(db.raw('pg_database_size(current_database())::float8 AS bytes'));
  return {
    orders: await count('orders'),
    byStatus: await grouped('orders', 'status'),
    orderLines: await count('order_lines'),
    shipments: await count('shipments'),
    shipmentLines: await count('shipment_lines'),
    movements: await count('inventory_movements'),
    byKind: await grouped('inventory_movements', 'kind'),
    layers: await count('cost_layers'),
    consumptions: await count('cost_consumptions'),
    levels: await count('inventory_levels'),
    onHand: Number(units),
    returns: await count('return_lines'),
    purchaseOrders: await count('purchase_orders'),
    countTasks: await count('count_tasks'),
    databaseBytes: bytes,
  };
}

async function movementsBetween(db: Db, from: Date, to: Date): Promise<number> {
  const [{ n }] = await db('inventory_movements').where('created_at', '>=', from).andWhere('created_at', '<', to).count({ n: '*' });
  return Number(n);
}

interface StreamFigures {
  rows: number;
  bytes: number;
  elapsedMs: number;
  heapBefore: number;
  rssBefore: number;
  peakHeap: number;
  peakRss: number;
  checkpoints: HeapCheckpoint[];
}

/**
 * Reads the CSV as a client would, chunk by chunk, keeping nothing but counts; memory is sampled
 * every MEMORY_SAMPLE_MS, and the live heap is read after a full GC as the rows pass each mark.
 */
async function streamMovements(app: App, key: string, from: Date, to: Date, expectedRows: number): Promise<StreamFigures> {
  fullGc();
  const before = process.memoryUsage();
  const figures: StreamFigures = {
    rows: 0,
    bytes: 0,
    elapsedMs: 0,
    heapBefore: before.heapUsed,
    rssBefore: before.rss,
    peakHeap: before.heapUsed,
    peakRss: before.rss,
    checkpoints: [],
  };
  const sample = () => {
    const now = process.memoryUsage();
    figures.peakHeap = Math.max(figures.peakHeap, now.heapUsed);
    figures.peakRss = Math.max(figures.peakRss, now.rss);
  };
  const sampler = setInterval(sample, MEMORY_SAMPLE_MS);
  const started = performance.now();
  try {
    const response = await app.inject({
      method: 'GET',
      url: `/v1/inventory/movements?createdFrom=${from.toISOString()}&createdTo=${to.toISOString()}`,
      headers: { authorization: `Bearer ${key}`, accept: 'text/csv' },
      payloadAsStream: true,
    });
    if (response.statusCode !== 200) throw new Error(`the movements CSV answered ${response.statusCode}`);
    let lines = 0;
    for await (const chunk of response.stream() as AsyncIterable<Buffer>) {
      figures.bytes += chunk.length;
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
      // The first line is the header.
      figures.rows = Math.max(0, lines - 1);
      const mark = HEAP_MARKS[figures.checkpoints.length];
      if (mark !== undefined && figures.rows >= mark * expectedRows) {
        sample();
        fullGc();
        figures.checkpoints.push({ rows: figures.rows, bytes: figures.bytes, heapBytes: process.memoryUsage().heapUsed });
      }
    }
  } finally {
    clearInterval(sampler);
  }
  figures.elapsedMs = performance.now() - started;
  return figures;
}

/**
 * `--scenario hot-sku`: the reservation activity itself (reserveStock, built by createActivities as
 * the worker builds it, with the worker's pool of one connection per caller plus two) called
 * directly by --concurrency callers (default 50), each for one unit of one SKU stocked at three
 * locations, with exactly as much stock as there are calls: the preferred location's row is the hot
 * one until it runs dry, then the next. Next to it, the same machine's limit: as many clients
 * running only `UPDATE … SET reserved = reserved + 1 WHERE … AND on_hand - reserved >= 1` on one
 * row, measured before and after ours. Overselling is checked from the database, and a last round
 * of calls once the stock is gone must all come back short.
 * ratio = our reservations/s / the limit's updates/s (mean of the two measurements).
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import pg from 'pg';
import { createActivities } from '../../activities';
import type { ReservationResult } from '../../activities/inventory';
import { SandboxCarrierAdapter } from '../../carriers/sandbox-adapter';
import { seedProduct, seedWarehouse } from '../../dev/harness/catalog';
import { createFreshDatabase } from '../../dev/harness/database';
import type { Db } from '../../db/knex';
import { SandboxPaymentGateway } from '../../payments/sandbox-gateway';
import { SandboxSupplierAdapter } from '../../suppliers/sandbox-adapter';
import { FigureCheck, fmt, latencyRow, printFigures } from '../report';
import type { Scenario } from '../scenario';
import { Latencies, ratePerSecond, summarize, timedCalls } from '../stats';

const TARGET_RATIO = 0.5;
/** Ours runs the limit's UPDATE plus a transaction around it: faster than the bare UPDATE by this much means a broken measurement. */
const MAX_PLAUSIBLE_RATIO = 1.5;
const LOCATIONS = [
  { id: 'WH-HOT-1', priority: 10 },
  { id: 'WH-HOT-2', priority: 20 },
  { id: 'WH-HOT-3', priority: 30 },
];
/** Each limit measurement runs this long, after a short warm-up. */
const LIMIT_SECONDS = 5;
const WARM_UP_SECONDS = 1;
/** A failed attempt is retried like Temporal would retry the activity (it is idempotent). */
const MAX_ATTEMPTS = 5;
/** Connections beyond the callers, as the worker's pool has (worker/collaborators.ts). */
const HOUSEKEEPING_CONNECTIONS = 2;

export const hotSkuScenario: Scenario = async (context) => {
  const { orders: calls, concurrency: callers } = context.options;
  const fresh = await createFreshDatabase(context.databaseUrl, 'hotsku', callers + HOUSEKEEPING_CONNECTIONS);
  try {
    const { db } = fresh;
    const sku = `HOT-${randomBytes(3).toString('hex')}`;
    const limitSku = `LIMIT-${randomBytes(3).toString('hex')}`;
    const stock = await seed(db, sku, limitSku, calls, callers);

    console.log(`\nLimit: ${callers} clients, single-row UPDATE … SET reserved = reserved + 1, ${LIMIT_SECONDS} s`);
    const limitBefore = await measureLimit(fresh.url, limitSku, callers);
    console.log(`  ${fmt(limitBefore.rate, 0)} updates/s`);

    console.log(`\nOurs: ${calls} reservations of one unit of ${sku} by ${callers} concurrent callers of reserveStock`);
    const activities = createActivities({
      db,
      // reserveStock uses the database only; these collaborators are built, never called.
      carrier: new SandboxCarrierAdapter({ baseUrl: 'http://127.0.0.1:9', apiKey: 'unused' }),
      gateway: new SandboxPaymentGateway(db),
      supplier: new SandboxSupplierAdapter({ baseUrl: 'http://127.0.0.1:9', apiKey: 'unused' }),
      temporal: new Client(),
      deliveryDeadlineHours: 120,
      lostAfterHours: 240,
      lostResolution: 'refund',
    });
    let retries = 0;
    const answers: ReservationResult[] = [];
    const reserve = async (orderNo: number) => {
      for (let attempt = 1; ; attempt++) {
        try {
          answers.push(await activities.reserveStock({ orderId: orderId(orderNo), allocationNo: 1, lines: [{ lineNo: 1, sku, quantity: 1 }], allowPartial: false }));
          return;
        } catch (error) {
          if (attempt >= MAX_ATTEMPTS) throw error;
          retries += 1;
        }
      }
    };
    const ours = await timedCalls(calls, callers, reserve);
    const oursRate = ratePerSecond(calls, ours.elapsedMs);
    console.log(`  ${fmt(oursRate, 0)} reservations/s`);

    // Stock is gone: one more call per caller, each must come back short.
    const afterAnswers = answers.length;
    await timedCalls(callers, callers, (i) => reserve(calls + i));
    const lateAnswers = answers.slice(afterAnswers);

    console.log(`\nLimit again, after ours`);
    const limitAfter = await measureLimit(fresh.url, limitSku, callers);
    console.log(`  ${fmt(limitAfter.rate, 0)} updates/s`);

    const stored = await fromDatabase(db, sku);
    const limitRate = (limitBefore.rate + limitAfter.rate) / 2;
    const ratio = oursRate / limitRate;
    const reservedAnswers = answers.slice(0, afterAnswers).filter((answer) => answer.shortfall.length === 0 && units(answer) === 1).length;
    const lateReserved = lateAnswers.filter((answer) => units(answer) > 0).length;

    printFigures('Results (stock and reservations from the database)', [
      ['SKU stock (three locations)', `${stock.join(' + ')} = ${sum(stock)} units`],
      ['callers', callers],
      ['reservation calls / answered reserved', `${calls} / ${reservedAnswers}`],
      ['failed attempts retried', retries],
      ['calls after the stock ran out / reserved anything (must be 0)', `${lateAnswers.length} / ${lateReserved}`],
      ['reserved units in inventory_levels', stored.levelsReserved],
      ['active reservation rows / units', `${stored.reservationRows} / ${stored.reservationUnits}`],
      ['oversold units (must be 0)', stored.oversold],
      ['orders holding more than one reservation (must be 0)', stored.doubleReserved],
      ['ours: reservations/s', `${fmt(oursRate, 0)} (${calls} in ${fmt(ours.elapsedMs / 1000, 2)} s)`],
      latencyRow('ours: one reserveStock call', summarize(ours.latencies)),
      ['limit: updates/s, before / after ours', `${fmt(limitBefore.rate, 0)} / ${fmt(limitAfter.rate, 0)} (mean ${fmt(limitRate, 0)})`],
      latencyRow('limit: one UPDATE (before ours)', limitBefore.latencies),
      [`ratio ours/limit (target >= ${TARGET_RATIO})`, `${fmt(ratio, 3)} ${ratio >= TARGET_RATIO ? '(target met)' : '(BELOW TARGET)'}`],
    ]);

    const check = new FigureCheck()
      .same('answers', answers.length, 'calls', calls + callers)
      .same('reserved units in inventory_levels', stored.levelsReserved, 'active reservation units', stored.reservationUnits)
      .same('active reservation rows', stored.reservationRows, 'calls answered reserved', reservedAnswers + lateReserved)
      .atMost('reserved units', stored.levelsReserved, 'stock', sum(stock))
      .mustBeZero('oversold units', stored.oversold)
      .mustBeZero('locations with reserved > on_hand', stored.locationsOver)
      .mustBeZero('orders holding more than one reservation', stored.doubleReserved)
      .mustBeZero('calls that reserved after the stock ran out', lateReserved)
      .latencies('ours: one reserveStock call', summarize(ours.latencies), calls, ours.elapsedMs)
      .positive('ours: reservations/s', oursRate)
      .positive('limit before', limitBefore.rate)
      .positive('limit after', limitAfter.rate)
      .same('limit: rows the UPDATEs changed', limitBefore.changed + limitAfter.changed, 'limit: reserved in the database', stored.limitReserved)
      .ratio('ratio ours/limit', ratio, { max: MAX_PLAUSIBLE_RATIO });
    if (reservedAnswers !== calls) check.fail(`${calls - reservedAnswers} calls came back short while there was stock for every call`);
    return { ratio, check };
  } finally {
    await fresh.drop();
  }
};

async function fromDatabase(db: Db, sku: string) {
  const levels: { on_hand: number; reserved: number }[] = await db('inventory_levels').where({ sku }).select('on_hand', 'reserved');
  const [reservations] = await db('reservations')
    .where({ sku, status: 'active' })
    .select(db.raw('count(*)::int AS n'), db.raw('coalesce(sum(quantity), 0)::int AS units'));
  const [doubled] = await db
    .from(db('reservations').where({ sku }).groupBy('order_id').havingRaw('count(*) > 1').select('order_id').as('d'))
    .select(db.raw('count(*)::int AS n'));
  const [limit] = await db('inventory_levels').whereNot({ sku }).select(db.raw('coalesce(sum(reserved), 0)::int AS reserved'));
  const onHand = sum(levels.map((level) => level.on_hand));
  const reserved = sum(levels.map((level) => level.reserved));
  return {
    levelsReserved: reserved,
    reservationRows: reservations.n as number,
    reservationUnits: reservations.units as number,
    oversold: Math.max(0, reserved - onHand) + sum(levels.map((level) => Math.max(0, level.reserved - level.on_hand))),
    locationsOver: levels.filter((level) => level.reserved > level.on_hand).length,
    doubleReserved: doubled.n as number,
    limitReserved: limit.reserved as number,
  };
}

const orderId = (orderNo: number) => `ord_hot_${String(orderNo).padStart(7, '0')}`;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const units = (answer: ReservationResult) => sum(answer.allocations.flatMap((allocation) => allocation.lines.map((line) => line.quantity)));

/** Three locations sharing `calls` units of the SKU, the limit's row, and one order row per call. */
async function seed(db: Db, sku: string, limitSku: string, calls: number, callers: number): Promise<number[]> {
  for (const location of LOCATIONS) await seedWarehouse(db, { ...location, mode: 'auto', bins: [] });
  await seedProduct(db, sku, 1500);
  await seedProduct(db, limitSku, 1500);
  const stock = LOCATIONS.map((_, i) => Math.floor(calls / LOCATIONS.length) + (i < calls % LOCATIONS.length ? 1 : 0));
  await db('inventory_levels').insert(LOCATIONS.map((location, i) => ({ sku, location_id: location.id, on_hand: stock[i] })));
  await db('inventory_levels').insert({ sku: limitSku, location_id: LOCATIONS[0].id, on_hand: 2_000_000_000 });
  const address = JSON.stringify({ name: 'Ada', line1: '1 Hot Lane', city: 'Reno', region: 'NV', postalCode: '89502', country: 'US' });
  const rows = Array.from({ length: calls + callers }, (_, orderNo) => ({
    id: orderId(orderNo),
    customer_id: `cus_hot_${orderNo % 50}`,
    channel: 'web',
    status: 'ACCEPTED',
    backorder_policy: 'reject',
    currency: 'USD',
    items_cents: 1500,
    shipping_cents: 0,
    total_cents: 1500,
    payment_token: 'tok_visa',
    capture_mode: 'on_shipment',
    shipping_address: address,
  }));
  await db.batchInsert('orders', rows, 1000);
  return stock;
}

interface LimitRun {
  rate: number;
  /** Rows the timed UPDATEs changed (each 1). */
  changed: number;
  latencies: Latencies;
}

/** `clients` connections, each running the single-row UPDATE back to back (autocommit). */
async function measureLimit(url: string, sku: string, clients: number): Promise<LimitRun> {
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  const sql = `UPDATE inventory_levels SET reserved = reserved + 1 WHERE sku = $1 AND location_id = $2 AND on_hand - reserved >= 1`;
  const params = [sku, LOCATIONS[0].id];
  try {
    const run = async (seconds: number) => {
      const latencies: number[] = [];
      let changed = 0;
      const started = performance.now();
      const until = started + seconds * 1000;
      await Promise.all(
        connections.map(async (client) => {
          while (performance.now() < until) {
            const start = performance.now();
            const result = await client.query(sql, params);
            latencies.push(performance.now() - start);
            changed += result.rowCount ?? 0;
          }
        }),
      );
      return { latencies, changed, elapsedMs: performance.now() - started };
    };
    const warmUp = await run(WARM_UP_SECONDS);
    const timed = await run(LIMIT_SECONDS);
    return { rate: ratePerSecond(timed.latencies.length, timed.elapsedMs), changed: warmUp.changed + timed.changed, latencies: summarize(timed.latencies) };
  } finally {
    await Promise.all(connections.map((client) => client.end()));
  }
}

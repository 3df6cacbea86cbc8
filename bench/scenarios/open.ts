/**
 * `--scenario open [--orders 10000]`: orders left open at a manual warehouse (awaiting pick), as a
 * busy day leaves them, created through the API process in batches with --concurrency in flight.
 * Each batch waits until its orders are open before the next is sent, so the worker is never
 * handed a backlog. At 1,000 open orders and at --orders, once the worker has nothing left to do: worker and API
 * resident memory, the database's size, `GET /v1/orders/:id` and `GET /v1/orders` (first page of
 * 50) p50/p99 over --reads requests each at 10 in flight, and the create rate of the batches since
 * the previous checkpoint. ratio = read p99 at --orders / read p99 at 1,000 (the worse of the two reads).
 */
import os from 'node:os';
import { Engine } from '../../dev/harness/engine';
import { orderRequest } from '../../dev/harness/catalog';
import { EngineProcesses, openOrders, request, seedManualStock, startEngineProcesses, waitForOpen } from '../engine-processes';
import { FigureCheck, fmt, latencyRow, mib, printFigures } from '../report';
import type { Scenario } from '../scenario';
import { Latencies, ratePerSecond, summarize, timedCalls } from '../stats';
import { terminateLeftovers } from '../temporal';

const FIRST_CHECKPOINT = 1000;
const BATCH = 500;
const READ_CONCURRENCY = 10;
const READ_WARM_UP = 50;
const TARGET_READ_RATIO = 1.2;
const TARGET_WORKER_RSS = 2 ** 30;
const TARGET_WORKER_RSS_AT = 10_000;
/** Read latency growing this much from 1,000 to N orders is not a measurement anyone should read. */
const MAX_PLAUSIBLE_RATIO = 1000;
/** After the last order is open, the worker and Postgres get this long to finish what follows before reads are timed. */
const QUIET_MS = 5_000;
const PROGRESS_MS = 15_000;

interface Checkpoint {
  open: number;
  createRate: number;
  /** Orders created since the previous checkpoint over the time until all of them were open. */
  openRate: number;
  worker: { rss: number; peak: number };
  api: { rss: number; peak: number };
  databaseBytes: number;
  /** 1-minute load average when the reads started: the machine may be shared. */
  load: number;
  byId: Latencies;
  list: Latencies;
}

export const openScenario: Scenario = async (context) => {
  const { orders, concurrency, reads, timeoutSeconds } = context.options;
  const deadline = Date.now() + timeoutSeconds * 1000;
  const checkpoints = [...new Set([Math.min(FIRST_CHECKPOINT, orders), orders])];
  const temporal = await context.temporal();
  const engine = await Engine.start({
    label: 'benchopen',
    databaseUrl: context.databaseUrl,
    temporalAddress: temporal.address,
    workflowBundlePath: await context.workflowBundlePath(),
    inProcessWorker: false,
  });
  let processes: EngineProcesses | undefined;
  try {
    const sku = await seedManualStock(engine, orders);
    processes = await startEngineProcesses(engine);
    const apiUrl = processes.apiUrl;
    const auth = { authorization: `Bearer ${engine.keys.client}` };
    const ids: string[] = [];
    const results: Checkpoint[] = [];
    const check = new FigureCheck();

    console.log(`\nCreating ${orders} orders at a manual warehouse, ${concurrency} in flight, in batches of ${BATCH}`);
    let segmentStart = Date.now();
    let segmentPostMs = 0;
    let segmentCreated = 0;
    for (const target of checkpoints) {
      while (ids.length < target) {
        const size = Math.min(BATCH, target - ids.length);
        const first = ids.length;
        const batch = await timedCalls(size, concurrency, async (i) => {
          const created = (await request(`${apiUrl}/v1/orders`, {
            method: 'POST',
            headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': `bench-open-${first + i}` },
            body: JSON.stringify(orderRequest(`bench-${(first + i) % 50}`, [{ sku, quantity: 1 }])),
          }, 201)) as { id: string };
          ids.push(created.id);
        });
        segmentPostMs += batch.elapsedMs;
        segmentCreated += size;
        console.log(`  created ${ids.length}/${orders} (batch of ${size} at ${fmt(ratePerSecond(size, batch.elapsedMs), 1)}/s)`);
        // The next batch waits for this one to be open: the run measures N open orders, not a backlog the worker has yet to start.
        const opened = await waitForOpenWithProgress(engine, ids.length, deadline);
        if (opened.open < ids.length) break;
      }
      const settled = await waitForOpen(engine, target, deadline);
      const openMs = Date.now() - segmentStart;
      if (settled.open < target) {
        check.fail(`${target - settled.open} of ${target} orders were not open awaiting pick before the timeout: ${JSON.stringify(settled.byStatus)}`);
        break;
      }
      console.log(`\nCheckpoint: ${target} open orders; reading…`);
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      const load = os.loadavg()[0];
      const read = async (path: (i: number) => string) => {
        await timedCalls(READ_WARM_UP, READ_CONCURRENCY, (i) => request(`${apiUrl}${path(i)}`, { headers: auth }, 200).then(() => undefined));
        return summarize((await timedCalls(reads, READ_CONCURRENCY, (i) => request(`${apiUrl}${path(i)}`, { headers: auth }, 200).then(() => undefined))).latencies);
      };
      const randomId = () => ids[Math.floor(Math.random() * ids.length)];
      const byId = await read(() => `/v1/orders/${randomId()}`);
      const list = await read(() => `/v1/orders?limit=50`);
      const [{ bytes }] = await engine.db.select(engine.db.raw('pg_database_size(current_database())::float8 AS bytes'));
      const checkpoint: Checkpoint = {
        open: settled.open,
        createRate: ratePerSecond(segmentCreated, segmentPostMs),
        openRate: ratePerSecond(segmentCreated, openMs),
        worker: processes.worker.memory(),
        api: processes.api.memory(),
        databaseBytes: bytes,
        load,
        byId,
        list,
      };
      results.push(checkpoint);
      printCheckpoint(checkpoint);
      check
        .same(`open orders at checkpoint ${target}`, settled.open, 'orders created', ids.length)
        .latencies(`GET /v1/orders/:id at ${target}`, byId, reads)
        .latencies(`GET /v1/orders at ${target}`, list, reads)
        .positive(`worker RSS at ${target}`, checkpoint.worker.rss)
        .positive(`API RSS at ${target}`, checkpoint.api.rss)
        .positive(`database size at ${target}`, checkpoint.databaseBytes)
        .positive(`create rate at ${target}`, checkpoint.createRate);
      segmentStart = Date.now();
      segmentPostMs = 0;
      segmentCreated = 0;
    }

    const [first, last] = [results[0], results[results.length - 1]];
    const byIdRatio = last ? last.byId.p99 / first.byId.p99 : NaN;
    const listRatio = last ? last.list.p99 / first.list.p99 : NaN;
    const ratio = Math.max(byIdRatio, listRatio);
    if (last) {
      const rssNote =
        orders >= TARGET_WORKER_RSS_AT
          ? last.worker.rss <= TARGET_WORKER_RSS ? '(target met)' : '(ABOVE TARGET)'
          : `(the target is at ${TARGET_WORKER_RSS_AT} open orders)`;
      printFigures(`Results: ${checkpoints[0]} -> ${last.open} open orders`, [
        ['worker RSS (target <= 1 GiB at 10,000)', `${mib(first.worker.rss)} -> ${mib(last.worker.rss)} ${rssNote}`],
        ['API RSS', `${mib(first.api.rss)} -> ${mib(last.api.rss)}`],
        ['database size', `${mib(first.databaseBytes)} -> ${mib(last.databaseBytes)}`],
        ['GET /v1/orders/:id p99', `${fmt(first.byId.p99, 1)} -> ${fmt(last.byId.p99, 1)} ms (x${fmt(byIdRatio, 2)})`],
        ['GET /v1/orders p99', `${fmt(first.list.p99, 1)} -> ${fmt(last.list.p99, 1)} ms (x${fmt(listRatio, 2)})`],
        ['create rate (201/s)', `${fmt(first.createRate, 1)} -> ${fmt(last.createRate, 1)}`],
        [`ratio read p99 at ${last.open} / at ${first.open} (target <= ${TARGET_READ_RATIO})`, `${fmt(ratio, 2)} ${ratio <= TARGET_READ_RATIO ? '(target met)' : '(ABOVE TARGET)'}`],
      ]);
      check.ratio('ratio read p99', ratio, { max: MAX_PLAUSIBLE_RATIO });
    }
    return { ratio, check };
  } finally {
    await processes?.stop();
    await terminateLeftovers(temporal, engine.temporal, [engine.taskQueue]);
    await engine.stop();
  }
};

/** waitForOpen, printing the open count every PROGRESS_MS. */
async function waitForOpenWithProgress(engine: Engine, expected: number, deadline: number) {
  const started = Date.now();
  let last = await openOrders(engine);
  while (last.open < expected && Date.now() < deadline) {
    last = await waitForOpen(engine, expected, Math.min(deadline, Date.now() + PROGRESS_MS));
    console.log(`    open awaiting pick ${last.open}/${expected} after ${fmt((Date.now() - started) / 1000)} s`);
  }
  return last;
}

function printCheckpoint(checkpoint: Checkpoint): void {
  printFigures(`At ${checkpoint.open} open orders`, [
    ['worker RSS (peak)', `${mib(checkpoint.worker.rss)} (${mib(checkpoint.worker.peak)})`],
    ['API RSS (peak)', `${mib(checkpoint.api.rss)} (${mib(checkpoint.api.peak)})`],
    ['database size', mib(checkpoint.databaseBytes)],
    ['load average (1 min) when reading', fmt(checkpoint.load, 2)],
    latencyRow('GET /v1/orders/:id', checkpoint.byId),
    latencyRow('GET /v1/orders?limit=50', checkpoint.list),
    ['create rate: 201/s while posting', fmt(checkpoint.createRate, 1)],
    ['  orders/s from first POST to all open awaiting pick', fmt(checkpoint.openRate, 1)],
  ]);
}

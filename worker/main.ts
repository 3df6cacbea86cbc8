import { createActivities } from '../activities';
import { loadConfig } from '../infra/config';
import { connectClient, connectWorker, ensureSearchAttributes } from '../infra/temporal';
import { createCarrier, createGateway, createWorkerDb } from './collaborators';
import { createWorker } from './create-worker';
import { sweepUnstartedWork } from './sweep';

const SWEEP_EVERY_MS = 60_000;
/** Periodic sweeps leave rows younger than this to the API request that is still starting them. */
const SWEEP_GRACE_SECONDS = 30;

async function main(): Promise<void> {
  const config = loadConfig();
  const db = createWorkerDb(config);
  // An unknown CARRIER or PAYMENT_GATEWAY stops the worker here, before it connects to anything.
  const carrier = createCarrier(config);
  const gateway = createGateway(config, db);
  const temporal = await connectClient(config.temporal);
  await ensureSearchAttributes(temporal);

  const activities = createActivities({
    db,
    carrier,
    gateway,
    temporal,
    deliveryDeadlineHours: config.fulfillment.deliveryDeadlineHours,
    lostAfterHours: config.fulfillment.lostAfterHours,
    lostResolution: config.fulfillment.lostResolution,
  });
  const connection = await connectWorker(config.temporal);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities,
    workflowBundlePath: config.temporal.workflowBundlePath,
    maxConcurrentActivityTaskExecutions: config.worker.activitySlots,
  });

  const sweep = async (graceSeconds: number) => {
    const found = await sweepUnstartedWork(db, temporal, config.temporal.taskQueue, graceSeconds);
    if (found.orders || found.receipts) console.log(`sweep started ${found.orders} order(s) and ${found.receipts} receipt wake-up(s) left by a crash`);
  };
  await sweep(0);
  const timer = setInterval(() => sweep(SWEEP_GRACE_SECONDS).catch((error) => console.error('sweep failed', error)), SWEEP_EVERY_MS);

  console.log(`worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
  } finally {
    clearInterval(timer);
    await connection.close();
    await temporal.connection.close();
    await db.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

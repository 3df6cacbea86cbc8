import { createActivities } from '../activities';
import { loadConfig } from '../infra/config';
import { startSweeping } from '../infra/schedules';
import { dataConverterFor } from '../infra/payload-codec';
import { connectClient, connectWorker, ensureSearchAttributes } from '../infra/temporal';
import { createCarrier, createGateway, createWorkerDb } from './collaborators';
import { createWorker } from './create-worker';

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
    dataConverter: dataConverterFor(config.temporal.payloadKeys),
  });

  await startSweeping(temporal, config.temporal.taskQueue);

  console.log(`worker polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address}`);
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are done
  } finally {
    await connection.close();
    await temporal.connection.close();
    await db.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

/**
 * The floors `--scenario api` measures the API against, in a process of its own like the API:
 * - GET /hello: a Fastify hello-world route;
 * - POST /orders: only what an order must do, one INSERT of the request into Postgres and one
 *   workflow start on the same Temporal server (on a task queue no worker polls; the workflows time
 *   out by themselves), with the API's stack (Fastify, knex with the API's pool size, the Temporal client).
 * Environment: DATABASE_URL, TEMPORAL_ADDRESS, FLOOR_TASK_QUEUE, FLOOR_PORT, API_DB_POOL_SIZE.
 */
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { createDb } from '../../db/knex';
import { connectClient } from '../../infra/temporal';

async function main(): Promise<void> {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const taskQueue = env('FLOOR_TASK_QUEUE');
  const db = createDb(env('DATABASE_URL'), Number(process.env.API_DB_POOL_SIZE || 10));
  await db.raw('CREATE TABLE IF NOT EXISTS bench_floor_orders (id text PRIMARY KEY, body jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
  const temporal = await connectClient({ address: env('TEMPORAL_ADDRESS'), namespace: 'default', taskQueue });

  const app = Fastify({ logger: false });
  app.get('/hello', async () => ({ hello: 'world' }));
  app.post('/orders', async (request, reply) => {
    const id = `flr_${randomBytes(12).toString('hex')}`;
    await db('bench_floor_orders').insert({ id, body: JSON.stringify(request.body) });
    await temporal.workflow.start('orderWorkflow', { taskQueue, workflowId: `floor:${id}`, args: [request.body], workflowExecutionTimeout: '10 minutes' });
    return reply.status(201).send({ id });
  });

  const shutdown = async () => {
    await app.close();
    await Promise.allSettled([db.destroy(), temporal.connection.close()]);
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
  await app.listen({ host: '127.0.0.1', port: Number(env('FLOOR_PORT')) });
  console.log('floors listening');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

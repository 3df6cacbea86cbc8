import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { apiMetrics } from '../../infra/metrics';
import { startOrderWorkflow } from '../../infra/workflow-starters';
import { cancelOrderUpdate, orderStatusQuery, orderWorkflowId } from '../../workflows/definitions';
import { ApiError } from '../api-error';
import { type RouteDeps, startAfterCommit, within } from '../deps';
import { idempotently, REPLAYED_HEADER, scopeOfRequest, updateIdFor } from '../idempotency';
import { listOrders, loadOrder } from '../orders/projection';
import { writeOrder } from '../orders/write-order';
import {
  CancelOrderBody,
  CancelResult,
  CreateOrderBody,
  errorResponses,
  IdempotencyHeaders,
  ListOrdersQuery,
  LiveQuery,
  Order,
  OrderPage,
  OrderParams,
  OrderWithLive,
} from '../schemas';
import { callWorkflow, queryOrExplain } from '../temporal-errors';

export const orderRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal, config, timeouts } = deps;
  const retentionHours = config.api.idempotencyRetentionHours;
  // Every log line of a request about one order (its error, "request completed") names the order.
  app.addHook('preHandler', async (request, reply) => {
    const orderId = (request.params as { id?: string } | undefined)?.id;
    if (orderId) request.log = reply.log = request.log.child({ orderId });
  });

  const startWorkflow = (orderId: string) =>
    within(deps, timeouts.startMs, () => startOrderWorkflow(temporal, config.temporal.taskQueue, db, orderId));

  app.post(
    '/v1/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Place an order; prices come from the catalog',
        headers: IdempotencyHeaders,
        body: CreateOrderBody,
        response: { 201: Order, ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = request.caller;
      if (caller && !caller.canSeeChannel(request.body.channel)) {
        throw new ApiError(422, 'channel_not_allowed', `this API key may not place orders on channel ${request.body.channel}`);
      }
      if (caller?.customerId && request.body.customerId !== caller.customerId) {
        throw new ApiError(422, 'customer_not_allowed', `this API key may only place orders for customer ${caller.customerId}`);
      }
      const scope = scopeOfRequest(request, retentionHours);
      const { orderId, replayed } = await writeOrder(db, config, request.body, scope);
      request.log = reply.log = request.log.child({ orderId });
      if (!replayed) apiMetrics().ordersCreated.inc({ channel: request.body.channel });
      // A replay starts the workflow too: the first attempt may have died right after its commit.
      await startAfterCommit(request.log, () => startWorkflow(orderId));
      if (replayed) reply.header(REPLAYED_HEADER, 'true');
      return reply.status(201).send(await mustLoadOrder(orderId));
    },
  );

  app.get(
    '/v1/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'List orders, newest first',
        description: "A client key sees only its channels' orders (and only its customer's, when the key is bound to one).",
        querystring: ListOrdersQuery,
        response: { 200: OrderPage, ...errorResponses },
      },
    },
    async (request) =>
      listOrders(db, {
        ...request.query,
        channelIn: request.caller?.channels ?? null,
        scopeCustomerId: request.caller?.customerId ?? null,
      }),
  );

  app.get(
    '/v1/orders/:id',
    {
      schema: {
        tags: ['orders'],
        summary: "An order from the Postgres projection; with ?live=true also its workflow's live status",
        params: OrderParams,
        querystring: LiveQuery,
        response: { 200: OrderWithLive, ...errorResponses },
      },
    },
    async (request) => {
      const order = await mustLoadOrder(request.params.id);
      // Another channel's (or customer's) order does not exist for this key: 404, never 403.
      if (request.caller && !request.caller.canSeeOrder(order)) throw orderNotFound(order.id);
      if (!request.query.live) return order;
      const handle = temporal.workflow.getHandle(orderWorkflowId(order.id));
      const live = await queryOrExplain(() => within(deps, timeouts.queryMs, () => handle.query(orderStatusQuery)));
      return { ...order, ...live };
    },
  );

  app.post(
    '/v1/orders/:id/cancel',
    {
      schema: {
        tags: ['orders'],
        summary: 'Cancel what has not shipped yet',
        headers: IdempotencyHeaders,
        params: OrderParams,
        body: CancelOrderBody,
        response: { 200: CancelResult, ...errorResponses },
      },
    },
    async (request, reply) =>
      idempotently(db, request, reply, retentionHours, async () => {
        const order = await db('orders')
          .where({ id: request.params.id })
          .first('id', 'workflow_started_at', 'channel', 'customer_id');
        if (!order) throw orderNotFound(request.params.id);
        if (request.caller && !request.caller.canSeeOrder({ channel: order.channel, customerId: order.customer_id })) {
          throw orderNotFound(request.params.id);
        }
        if (!order.workflow_started_at) await startWorkflow(order.id);
        const handle = temporal.workflow.getHandle(orderWorkflowId(order.id));
        return callWorkflow(
          () =>
            within(deps, timeouts.updateMs, () =>
              handle.executeUpdate(cancelOrderUpdate, {
                args: [{ reason: request.body.reason }],
                updateId: updateIdFor('cancel', request),
              }),
            ),
          async () => {
            const { status } = await db('orders').where({ id: order.id }).first('status');
            return new ApiError(409, 'order_not_cancellable', `order ${order.id} is ${status} and its workflow has ended`);
          },
        );
      }),
  );

  async function mustLoadOrder(orderId: string) {
    const order = await loadOrder(db, orderId);
    if (!order) throw orderNotFound(orderId);
    return order;
  }
};

function orderNotFound(orderId: string): ApiError {
  return new ApiError(404, 'order_not_found', `order ${orderId} not found`);
}

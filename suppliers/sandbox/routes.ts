import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { Knex } from 'knex';
import type { TimetableName } from '../../carriers/sandbox/timetable';
import { problem, requireBearerKey } from '../../infra/sandbox-service';
import {
  addOrderEvent,
  cancelOrder,
  findOrder,
  getStock,
  orderHistory,
  placeOrder,
  setStock,
  shipOrder,
  statusAt,
  type OrderEvent,
  type StoredOrder,
} from './orders';
import { SCHEMA } from './schema';
import { DropshipOrderRequestSchema, OrderParamsSchema, SandboxEventSchema, StockBodySchema, StockParamsSchema } from './schemas';
import { planJourney } from './timetable';

const MAX_FEED_SKUS = 500;
const StockFeedQuerySchema = Type.Object({ skus: Type.String({ minLength: 1, maxLength: 40_000, description: 'Supplier SKUs, comma-separated' }) });

export interface SupplierRouteOptions {
  db: Knex;
  apiKey: string;
  clientId: string;
  timetable: TimetableName;
  stepMs?: number;
}

/**
 * The supplier's /v1 API; every route needs `Authorization: Bearer <apiKey>`. Scenario switch for
 * tests and demos: a supplier SKU containing `UNKNOWN` (case-sensitive) is one the supplier does not sell.
 */
export const supplierRoutes: FastifyPluginAsyncTypebox<SupplierRouteOptions> = async (app, options) => {
  const { db, clientId, timetable, stepMs } = options;

  app.addHook('onRequest', requireBearerKey(options.apiKey));

  app.post('/dropship-orders', { schema: { body: DropshipOrderRequestSchema } }, async (request, reply) => {
    const { idempotencyKey, reference, account, shipTo, lines } = request.body;
    const unknown = lines.filter((line) => line.supplierSku.includes('UNKNOWN')).map((line) => line.supplierSku);
    if (unknown.length > 0) {
      return reply
        .code(422)
        .send({ code: 'unknown_supplier_sku', message: `The supplier does not sell ${unknown.join(', ')}`, supplierSkus: unknown });
    }
    const now = new Date();
    const result = await placeOrder(db, {
      clientId,
      idempotencyKey,
      reference,
      account,
      shipTo,
      lines,
      now,
      plan: (acceptedAt) => planJourney({ timetable, stepMs, shipTo, from: acceptedAt, shippedNow: false }),
    });
    if (result.outcome === 'out_of_stock') {
      const message = result.shortages.map((s) => `${s.supplierSku}: ${s.requested} requested, ${s.available} in stock`).join('; ');
      return reply.code(422).send({ code: 'out_of_stock', message, lines: result.shortages });
    }
    return reply.code(result.outcome === 'placed' ? 201 : 200).send(await orderView(db, result.order, now));
  });

  app.get('/dropship-orders/:supplierOrderId', { schema: { params: OrderParamsSchema } }, async (request, reply) => {
    const order = await findOrder(db, clientId, request.params.supplierOrderId);
    if (!order) return orderNotFound(reply, request.params.supplierOrderId);
    return orderView(db, order, new Date());
  });

  app.post('/dropship-orders/:supplierOrderId/cancel', { schema: { params: OrderParamsSchema } }, async (request, reply) => {
    const { supplierOrderId } = request.params;
    const outcome = await cancelOrder(db, clientId, supplierOrderId, new Date());
    if (outcome === 'not_found') return orderNotFound(reply, supplierOrderId);
    if (outcome === 'already_shipped') {
      return problem(reply, 409, 'already_shipped', 'The supplier has shipped the order; it can no longer be cancelled');
    }
    return { status: 'cancelled' };
  });

  /** Sandbox control: the supplier ships the order now. */
  app.post('/dropship-orders/:supplierOrderId/ship', { schema: { params: OrderParamsSchema } }, async (request, reply) => {
    const { supplierOrderId } = request.params;
    const now = new Date();
    const result = await shipOrder(db, {
      clientId,
      supplierOrderId,
      now,
      plan: (shipTo, shippedAt) => planJourney({ timetable, stepMs, shipTo, from: shippedAt, shippedNow: true }),
    });
    if (result.outcome === 'not_found') return orderNotFound(reply, supplierOrderId);
    if (result.outcome === 'cancelled') return problem(reply, 409, 'order_cancelled', 'The order is cancelled; it will not ship');
    return orderView(db, result.order, now);
  });

  /** Sandbox control: something happens to a shipped order's parcel now (an exception, a return, the next step of a `manual` order). */
  app.post(
    '/dropship-orders/:supplierOrderId/events',
    { schema: { params: OrderParamsSchema, body: SandboxEventSchema } },
    async (request, reply) => {
      const { supplierOrderId } = request.params;
      const result = await addOrderEvent(db, { clientId, supplierOrderId, ...request.body, now: new Date() });
      if (result.outcome === 'not_found') return orderNotFound(reply, supplierOrderId);
      if (result.outcome === 'cancelled') return problem(reply, 409, 'order_cancelled', 'The order is cancelled; it gets no events');
      if (result.outcome === 'not_shipped') return problem(reply, 409, 'not_shipped', 'The order has not shipped yet; ship it first');
      return reply.code(201).send(eventView(result.event));
    },
  );

  app.put('/stock/:account/:supplierSku', { schema: { params: StockParamsSchema, body: StockBodySchema } }, async (request) => {
    const { account, supplierSku } = request.params;
    await setStock(db, clientId, account, supplierSku, request.body.quantity);
    return { account, supplierSku, quantity: request.body.quantity };
  });

  app.get('/stock/:account/:supplierSku', { schema: { params: StockParamsSchema } }, async (request) => {
    const { account, supplierSku } = request.params;
    return { account, supplierSku, quantity: await getStock(db, clientId, account, supplierSku) };
  });

  /** The account's stock feed, as of now: `?skus=a,b`. A SKU without stock set is unlimited (null); one it does not sell is left out. */
  app.get(
    '/stock/:account',
    { schema: { params: Type.Object({ account: StockParamsSchema.properties.account }), querystring: StockFeedQuerySchema } },
    async (request, reply) => {
      const { account } = request.params;
      const supplierSkus = [...new Set(request.query.skus.split(',').filter((sku) => sku !== ''))];
      if (supplierSkus.length > MAX_FEED_SKUS) return problem(reply, 422, 'too_many_skus', `Ask for at most ${MAX_FEED_SKUS} SKUs at once`);
      const limited: { supplier_sku: string; quantity: number }[] = await db
        .withSchema(SCHEMA)
        .table('stock')
        .where({ client_id: clientId, account })
        .whereIn('supplier_sku', supplierSkus)
        .select('supplier_sku', 'quantity');
      const reportedAt = new Date().toISOString();
      const levels = supplierSkus
        .filter((supplierSku) => !supplierSku.includes('UNKNOWN'))
        .map((supplierSku) => ({ supplierSku, quantity: limited.find((row) => row.supplier_sku === supplierSku)?.quantity ?? null, reportedAt }));
      return { account, levels };
    },
  );
};

function orderNotFound(reply: FastifyReply, supplierOrderId: string): FastifyReply {
  return problem(reply, 404, 'order_not_found', `No dropship order ${supplierOrderId}`);
}

/** The tracking number and carrier show once the order has shipped. */
async function orderView(db: Knex, order: StoredOrder, now: Date) {
  const status = statusAt(order, now);
  return {
    supplierOrderId: order.supplierOrderId,
    status,
    reference: order.reference,
    account: order.account,
    shipTo: order.shipTo,
    lines: order.lines.map(({ supplierSku, quantity }) => ({ supplierSku, quantity })),
    ...(status === 'shipped' ? { trackingNumber: order.trackingNumber, carrier: order.carrier, shippedAt: order.shipsAt!.toISOString() } : {}),
    ...(order.cancelledAt ? { cancelledAt: order.cancelledAt.toISOString() } : {}),
    createdAt: order.createdAt.toISOString(),
    events: (await orderHistory(db, order.supplierOrderId, now)).map(eventView),
  };
}

function eventView(event: OrderEvent) {
  return { id: event.id, type: event.type, status: event.status, description: event.description, occurredAt: event.occurredAt.toISOString() };
}

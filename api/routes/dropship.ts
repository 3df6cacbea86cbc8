import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ApiError } from '../api-error';
import { decodeCursor, encodeCursor, isKeyText } from '../cursor';
import type { RouteDeps } from '../deps';
import { iso } from '../iso-date-time';
import { errorResponses, IdempotencyHeaders, Nullable, SkuParams, Text } from '../schemas';

const DropshipSetting = Type.Object({
  sku: Type.String(),
  channels: Type.Array(Type.String(), { description: 'Empty: dropshipped at every channel' }),
  supplierId: Type.String({ description: 'The preferred supplier its orders go to' }),
});

const DropshipBody = Type.Object(
  { channels: Type.Optional(Type.Array(Text(40), { maxItems: 50, uniqueItems: true })) },
  { additionalProperties: false },
);

const DropshipOrder = Type.Object({
  shipmentId: Type.String(),
  orderId: Type.String(),
  supplierId: Type.String(),
  supplierOrderId: Nullable(Type.String()),
  status: Type.String(),
  refusalCode: Nullable(Type.String()),
  carrier: Nullable(Type.String()),
  trackingNumber: Nullable(Type.String()),
  createdAt: Type.String(),
  shippedAt: Nullable(Type.String()),
});

const Payable = Type.Object({
  shipmentId: Type.String(),
  orderId: Type.String(),
  amountCents: Type.Integer(),
  currency: Type.String(),
  status: Type.String(),
  lines: Type.Array(Type.Object({ sku: Type.String(), supplierSku: Type.String(), quantity: Type.Integer(), unitCostCents: Type.Integer() })),
  createdAt: Type.String(),
});

const DROPSHIP_ORDER_STATUSES = ['PLACING', 'PLACED', 'REFUSED', 'SHIPPED', 'CANCELLED'] as const;

/**
 * Dropshipping (ops): which products (at every channel or at some) their preferred supplier ships,
 * the orders placed with suppliers, and what is owed to each supplier for what it shipped.
 */
export const dropshipRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.put(
    '/v1/products/:sku/dropship',
    {
      schema: {
        tags: ['purchasing'],
        summary: "Sell a product as dropship (at every channel, or only at `channels`): its orders go to its preferred supplier, never to our stock",
        description: '404 product_not_found; 422 dropship_without_supplier (no active preferred supplier), kit_not_dropshippable.',
        headers: IdempotencyHeaders,
        params: SkuParams,
        body: DropshipBody,
        response: { 200: DropshipSetting, ...errorResponses },
      },
    },
    async (request) => {
      const { sku } = request.params;
      const product = await db('products').where({ sku }).first('sku', 'kind');
      if (!product) throw new ApiError(404, 'product_not_found', `product ${sku} not found`);
      if (product.kind === 'kit') throw new ApiError(422, 'kit_not_dropshippable', `${sku} is a kit: its components are what ships`);
      const supplier = await db('supplier_products as sp')
        .join('suppliers as s', 's.id', 'sp.supplier_id')
        .where({ 'sp.sku': sku, 'sp.preferred': true, 's.active': true })
        .first('s.id');
      if (!supplier) {
        throw new ApiError(422, 'dropship_without_supplier', `${sku} has no active preferred supplier to ship it; set one with PUT /v1/suppliers/:id/products/${sku}`);
      }
      const channels = request.body.channels ?? [];
      await db('dropship_products')
        .insert({ sku, channels })
        .onConflict('sku')
        .merge({ channels, updated_at: db.fn.now() });
      return { sku, channels, supplierId: supplier.id };
    },
  );

  app.delete(
    '/v1/products/:sku/dropship',
    {
      schema: {
        tags: ['purchasing'],
        summary: 'Stop dropshipping a product: new orders reserve it from our stock (orders already accepted keep their supplier)',
        params: SkuParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const deleted = await db('dropship_products').where({ sku: request.params.sku }).delete();
      if (deleted === 0) throw new ApiError(404, 'not_dropshipped', `product ${request.params.sku} is not dropshipped`);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/dropship-orders',
    {
      schema: {
        tags: ['purchasing'],
        summary: 'Orders placed with dropship suppliers, in shipment id order (descending)',
        querystring: Type.Object({
          supplierId: Type.Optional(Text(40)),
          status: Type.Optional(Type.Union(DROPSHIP_ORDER_STATUSES.map((status) => Type.Literal(status)))),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          cursor: Type.Optional(Type.String({ maxLength: 200 })),
        }),
        response: { 200: Type.Object({ items: Type.Array(DropshipOrder), nextCursor: Nullable(Type.String()) }), ...errorResponses },
      },
    },
    async (request) => {
      const { supplierId, status, cursor } = request.query;
      const limit = request.query.limit ?? 50;
      const query = db('dropship_orders').orderBy('shipment_id', 'desc').limit(limit + 1);
      if (supplierId) query.where({ supplier_id: supplierId });
      if (status) query.where({ status });
      if (cursor) query.where('shipment_id', '<', decodeCursor<[string]>(cursor, [isKeyText])[0]);
      const rows = await query;
      const page = rows.slice(0, limit);
      return {
        items: page.map((row) => ({
          shipmentId: row.shipment_id,
          orderId: row.order_id,
          supplierId: row.supplier_id,
          supplierOrderId: row.supplier_order_id,
          status: row.status,
          refusalCode: row.refusal_code,
          carrier: row.carrier,
          trackingNumber: row.tracking_number,
          createdAt: iso(row.created_at),
          shippedAt: row.shipped_at ? iso(row.shipped_at) : null,
        })),
        nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].shipment_id]) : null,
      };
    },
  );

  app.get(
    '/v1/suppliers/:id/payables',
    {
      schema: {
        tags: ['purchasing'],
        summary: "What we owe a supplier for the dropship shipments it sent, at its unit costs, with the total per currency",
        params: Type.Object({ id: Text(40) }),
        querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal('OWED'), Type.Literal('PAID')])) }),
        response: {
          200: Type.Object({ supplierId: Type.String(), totals: Type.Array(Type.Object({ currency: Type.String(), amountCents: Type.Integer() })), items: Type.Array(Payable) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const supplier = await db('suppliers').where({ id }).first('id');
      if (!supplier) throw new ApiError(404, 'supplier_not_found', `supplier ${id} not found`);
      const query = db('supplier_payables').where({ supplier_id: id }).orderBy('id');
      if (request.query.status) query.where({ status: request.query.status });
      const rows = await query;
      const totals = new Map<string, number>();
      for (const row of rows) totals.set(row.currency, (totals.get(row.currency) ?? 0) + Number(row.amount_cents));
      return {
        supplierId: id,
        totals: [...totals].map(([currency, amountCents]) => ({ currency, amountCents })),
        items: rows.map((row) => ({
          shipmentId: row.shipment_id,
          orderId: row.order_id,
          amountCents: Number(row.amount_cents),
          currency: row.currency,
          status: row.status,
          lines: row.lines,
          createdAt: iso(row.created_at),
        })),
      };
    },
  );
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { recordSupplierStock } from '../../db/supplier-stock';
import { ApiError } from '../api-error';
import type { RouteDeps } from '../deps';
import { DateTime, errorResponses, MAX_INT, Nullable, Text } from '../schemas';
import { keepRawDropshipBodies, verifyDropshipSignature } from './dropship-signature';

const StockFeedBody = Type.Object({
  id: Text(100, { description: 'The event id, for the supplier service\'s logs; a repeat changes nothing, its reports being no newer' }),
  type: Type.Literal('supplier.stock'),
  account: Text(40, { description: "The engine's supplier id the stock is kept for" }),
  levels: Type.Array(
    Type.Object({
      supplierSku: Text(64),
      quantity: Nullable(Type.Integer({ minimum: 0, maximum: MAX_INT, description: 'Null: the supplier sets no limit' })),
      reportedAt: DateTime('When the level was true; a report older than the stored one changes nothing'),
    }),
    { minItems: 1, maxItems: 1000 },
  ),
});

const FeedRulesBody = Type.Object(
  {
    requireFreshSupplierStock: Type.Boolean({
      description: "Refuse dropship lines whose supplier's stock report is older than the supplier's feedMaxAgeMinutes",
    }),
  },
  { additionalProperties: false },
);

/**
 * A dropship supplier service pushes an account's stock levels, signed like its other webhooks. Its
 * own plugin: the body is parsed from the raw bytes the signature covers.
 */
const stockFeedWebhookRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, config }) => {
  keepRawDropshipBodies(app);
  app.post(
    '/v1/webhooks/dropship/:adapter/stock',
    {
      attachValidation: true,
      bodyLimit: config.api.webhookBodyLimitBytes,
      schema: {
        tags: ['webhooks'],
        summary: "A dropship supplier service reports an account's stock levels; signed with the service's secret",
        description:
          '401 invalid_signature, stale_timestamp or missing_signature; 404 supplier_not_found; 422 unknown_supplier_sku when a level ' +
          'names a product the supplier does not list for us (nothing is stored then). Each level is stored only if newer than the one stored.',
        security: [],
        params: Type.Object({ adapter: Text(32) }),
        body: StockFeedBody,
        response: {
          200: Type.Object({
            status: Type.Literal('accepted'),
            updated: Type.Array(Type.String(), { description: 'SKUs whose stored level changed' }),
            unchanged: Type.Array(Type.String(), { description: 'SKUs whose stored report was as new or newer' }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      verifyDropshipSignature(request, config, request.params.adapter);
      if (request.body === undefined) throw new ApiError(400, 'invalid_json', 'body is not valid JSON');
      if (request.validationError) throw request.validationError;
      const { account, levels } = request.body;

      const supplier = await db('suppliers').where({ id: account }).first('id');
      if (!supplier) throw new ApiError(404, 'supplier_not_found', `supplier ${account} not found`);
      const products: { sku: string; supplier_sku: string }[] = await db('supplier_products')
        .where({ supplier_id: account })
        .whereIn('supplier_sku', levels.map((level) => level.supplierSku))
        .select('sku', 'supplier_sku');
      const skuOf = new Map(products.map((product) => [product.supplier_sku, product.sku]));
      const unknown = [...new Set(levels.filter((level) => !skuOf.has(level.supplierSku)).map((level) => level.supplierSku))];
      if (unknown.length > 0) {
        throw new ApiError(422, 'unknown_supplier_sku', `supplier ${account} lists no product as ${unknown.join(', ')}`, { supplierSkus: unknown });
      }

      const reports = levels.map((level) => ({
        sku: skuOf.get(level.supplierSku)!,
        supplierSku: level.supplierSku,
        quantity: level.quantity,
        reportedAt: new Date(level.reportedAt),
      }));
      const updated = await recordSupplierStock(db, account, reports);
      const unchanged = [...new Set(reports.map((report) => report.sku))].filter((sku) => !updated.includes(sku));
      return { status: 'accepted' as const, updated, unchanged };
    },
  );
};

/**
 * Supplier stock feeds: pushed by a supplier service (above) or polled by the Schedule
 * (activities/supplier-feeds.ts), both stored the same way; and which channels sell dropship
 * products only against a fresh report.
 */
export const supplierFeedRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db } = deps;
  await app.register(stockFeedWebhookRoutes, deps);

  app.put(
    '/v1/channels/:id/feed-rules',
    {
      schema: {
        tags: ['channels'],
        summary: "Whether the channel sells dropship products only while their supplier's stock report is fresh",
        params: Type.Object({ id: Text(64) }),
        body: FeedRulesBody,
        response: { 200: Type.Object({ channel: Type.String(), requireFreshSupplierStock: Type.Boolean() }), ...errorResponses },
      },
    },
    async (request) => {
      const channel = request.params.id;
      const { requireFreshSupplierStock } = request.body;
      await db('channel_feed_rules')
        .insert({ channel, require_fresh_supplier_stock: requireFreshSupplierStock })
        .onConflict('channel')
        .merge({ require_fresh_supplier_stock: requireFreshSupplierStock, updated_at: db.fn.now() });
      return { channel, requireFreshSupplierStock };
    },
  );
};

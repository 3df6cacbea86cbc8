import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { verifyWebhook } from '../../domain/webhook-signature';
import { startPurchaseOrderWorkflow } from '../../infra/workflow-starters';
import { confirmPurchaseOrderUpdate, PurchaseOrderRefusal, purchaseOrderWorkflowId } from '../../workflows/purchase-order-definitions';
import { ApiError } from '../api-error';
import { type RouteDeps, within } from '../deps';
import { errorResponses, Text } from '../schemas';
import { callWorkflow } from '../temporal-errors';
import { SupplierWebhookBody } from './schemas';

const SIGNATURE_FAILURES = {
  missing_signature: 'X-Supplier-Timestamp and X-Supplier-Signature headers are required',
  stale_timestamp: 'X-Supplier-Timestamp is outside the accepted window',
  bad_signature: 'X-Supplier-Signature does not match the body',
} as const;

/**
 * A supplier's confirmation of a PO, signed with the secret it was given when created (HMAC-SHA256 of
 * "<timestamp>.<raw body>", like carrier webhooks). The signature is checked before anything else;
 * then the confirmation goes to the PO's workflow as its `confirm` update, once per event id.
 * Its own plugin: the body is parsed from the raw bytes the signature covers.
 */
export const supplierWebhookRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal, config, timeouts } = deps;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    (request as FastifyRequest & { rawSupplierBody?: Buffer }).rawSupplierBody = body as Buffer;
    try {
      done(null, JSON.parse((body as Buffer).toString('utf8')));
    } catch {
      done(null, undefined);
    }
  });

  app.post(
    '/v1/webhooks/suppliers/:supplierId',
    {
      attachValidation: true,
      bodyLimit: config.api.webhookBodyLimitBytes,
      schema: {
        tags: ['webhooks'],
        summary: 'A supplier confirms a purchase order (quantities and dates), signed with its webhook secret',
        description:
          '401 invalid_signature, stale_timestamp or missing_signature; then the confirm update\'s refusals (line_not_on_purchase_order…). ' +
          'An event id already applied is answered duplicate and goes no further.',
        security: [],
        params: Type.Object({ supplierId: Text(40) }),
        body: SupplierWebhookBody,
        response: { 200: Type.Object({ status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate')]), purchaseOrderId: Type.String() }), ...errorResponses },
      },
    },
    async (request) => {
      const supplier = await db('suppliers').where({ id: request.params.supplierId }).first('id', 'webhook_secret');
      // An unknown supplier fails like a bad signature: a forger learns nothing about which ids exist.
      const check = verifyWebhook({
        secret: supplier?.webhook_secret ?? '',
        timestampHeader: request.headers['x-supplier-timestamp'] as string | undefined,
        signatureHeader: request.headers['x-supplier-signature'] as string | undefined,
        rawBody: (request as FastifyRequest & { rawSupplierBody?: Buffer }).rawSupplierBody ?? Buffer.alloc(0),
        nowSeconds: Math.floor(Date.now() / 1000),
        toleranceSeconds: config.purchasing.supplierWebhookToleranceSeconds,
      });
      if (!supplier || !check.valid) {
        const reason = check.valid ? 'bad_signature' : check.reason;
        throw new ApiError(401, reason === 'bad_signature' ? 'invalid_signature' : reason, SIGNATURE_FAILURES[reason]);
      }
      if (request.body === undefined) throw new ApiError(400, 'invalid_json', 'body is not valid JSON');
      if (request.validationError) throw request.validationError;
      const body = request.body;
      const po = await db('purchase_orders').where({ id: body.purchaseOrderId, supplier_id: supplier.id }).first('id', 'workflow_started_at');
      if (!po) throw new ApiError(404, 'purchase_order_not_found', `purchase order ${body.purchaseOrderId} not found for this supplier`);
      const lines: { sku: string; supplier_sku: string }[] = await db('purchase_order_lines').where({ purchase_order_id: po.id }).select('sku', 'supplier_sku');
      const strangers = body.lines.filter((line) => !lines.some((known) => known.supplier_sku === line.supplierSku)).map((line) => line.supplierSku);
      if (strangers.length > 0) {
        throw new ApiError(422, PurchaseOrderRefusal.lineNotOnPurchaseOrder, `not on purchase order ${po.id}: ${strangers.join(', ')}`, { supplierSkus: strangers });
      }
      const confirmation = {
        lines: body.lines.map((line) => ({
          sku: lines.find((known) => known.supplier_sku === line.supplierSku)!.sku,
          quantity: line.quantity,
          ...(line.expectedDate ? { expectedDate: line.expectedDate } : {}),
        })),
        ...(body.expectedAt ? { expectedAt: body.expectedAt } : {}),
        by: `supplier:${supplier.id}`,
      };
      const claim = await claimEvent(db, { supplierId: supplier.id, eventId: body.id, purchaseOrderId: po.id, payload: body });
      if (claim.alreadyApplied) return { status: 'duplicate' as const, purchaseOrderId: claim.purchaseOrderId };
      if (!po.workflow_started_at) await within(deps, timeouts.startMs, () => startPurchaseOrderWorkflow(temporal, config.temporal.taskQueue, db, po.id));
      await callWorkflow(
        () =>
          within(deps, timeouts.updateMs, () =>
            temporal.workflow
              .getHandle(purchaseOrderWorkflowId(po.id))
              // The event id as the update id: a repeated delivery is applied once.
              .executeUpdate(confirmPurchaseOrderUpdate, { args: [confirmation], updateId: `supplier-confirm:${supplier.id}:${body.id}` }),
          ),
        async () => new ApiError(409, PurchaseOrderRefusal.notConfirmable, `purchase order ${po.id} has ended`),
      );
      await db('supplier_webhook_events').where({ id: claim.id }).update({ applied_at: db.fn.now() });
      return { status: 'accepted' as const, purchaseOrderId: po.id };
    },
  );
};

/**
 * Claims the supplier's event id once its signature is verified. A repeat whose first delivery never
 * reached the workflow (refused by it, or the process died before) is sent on again; the update id
 * keeps that from confirming twice.
 */
async function claimEvent(
  db: Knex,
  event: { supplierId: string; eventId: string; purchaseOrderId: string; payload: unknown },
): Promise<{ id: number; purchaseOrderId: string; alreadyApplied: boolean }> {
  const inserted = await db('supplier_webhook_events')
    .insert({ supplier_id: event.supplierId, event_id: event.eventId, purchase_order_id: event.purchaseOrderId, payload: JSON.stringify(event.payload) })
    .onConflict(['supplier_id', 'event_id'])
    .ignore()
    .returning('id');
  if (inserted.length > 0) return { id: Number(inserted[0].id), purchaseOrderId: event.purchaseOrderId, alreadyApplied: false };
  const existing = await db('supplier_webhook_events').where({ supplier_id: event.supplierId, event_id: event.eventId }).first('id', 'purchase_order_id', 'applied_at');
  return { id: Number(existing.id), purchaseOrderId: existing.purchase_order_id, alreadyApplied: Boolean(existing.applied_at) };
}

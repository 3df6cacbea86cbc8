import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { createDraftPurchaseOrder } from '../../activities/purchase-orders';
import { startPurchaseOrderWorkflow } from '../../infra/workflow-starters';
import {
  approvePurchaseOrderUpdate,
  cancelPurchaseOrderUpdate,
  closePurchaseOrderUpdate,
  confirmPurchaseOrderUpdate,
  PurchaseOrderRefusal,
  purchaseOrderWorkflowId,
  receivePurchaseOrderUpdate,
  type PurchaseOrderView,
} from '../../workflows/purchase-order-definitions';
import { ApiError } from '../api-error';
import { pageByCreation } from '../cursor';
import { type RouteDeps, startAfterCommit, within } from '../deps';
import { idempotently, REPLAYED_HEADER, scopeOfRequest, storeAnswer, storedAnswer, updateIdFor } from '../idempotency';
import { renderPurchaseOrderHtml, renderPurchaseOrderPdf, type DocumentParties } from '../purchasing/purchase-order-document';
import { refuseBelowMinimumOrderValue } from '../purchasing/minimum-order-value';
import { loadPurchaseOrder } from '../purchasing/purchase-order-view';
import {
  ConfirmPurchaseOrderBody,
  CreatePurchaseOrderBody,
  DocumentQuery,
  EmptyBody,
  EndPurchaseOrderBody,
  ListPurchaseOrdersQuery,
  PurchaseOrder,
  PurchaseOrderPage,
  PurchaseOrderParams,
  ReceivePurchaseOrderBody,
} from '../purchasing/schemas';
import { errorResponses, IdempotencyHeaders } from '../schemas';
import { callWorkflow } from '../temporal-errors';

/** What each update answers once the PO's workflow has ended (closed or cancelled). */
const WHEN_ENDED = {
  approve: PurchaseOrderRefusal.notAwaitingApproval,
  confirm: PurchaseOrderRefusal.notConfirmable,
  receive: PurchaseOrderRefusal.notReceivable,
  cancel: PurchaseOrderRefusal.notCancellable,
  close: PurchaseOrderRefusal.notClosable,
} as const;

/**
 * Purchase orders, each run by its workflow `po:<id>`: drafted by ops (or replenishment), approved
 * (or submitted at once with submit auto), read by the supplier through the document link, confirmed
 * (here by ops or by the supplier's signed webhook), received at the dock by the PO location's
 * warehouse in part or in full, closed when everything expected arrived; or closed short, or cancelled.
 */
export const purchaseOrderRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal, config, timeouts } = deps;
  const retentionHours = config.api.idempotencyRetentionHours;
  const startWorkflow = (id: string) => within(deps, timeouts.startMs, () => startPurchaseOrderWorkflow(temporal, config.temporal.taskQueue, db, id));

  app.post(
    '/v1/purchase-orders',
    {
      schema: {
        tags: ['purchasing'],
        summary: 'Draft a purchase order; submit auto sends it at once, approval (the default) waits for POST …/approve',
        description:
          'Refusals (nothing written): supplier_not_found, supplier_inactive, location_not_found, location_inactive, duplicate_line, ' +
          'unknown_sku, product_inactive, kit_not_purchasable, not_supplied (the supplier has no terms for the SKU), not_pack_multiple ' +
          'and below_minimum_order_quantity (a line with packOverrideReason orders it anyway); with submit auto, ' +
          'below_minimum_order_value (the lines total less than the supplier\'s minimumOrderCents).',
        headers: IdempotencyHeaders,
        body: CreatePurchaseOrderBody,
        response: { 201: PurchaseOrder, ...errorResponses },
      },
    },
    async (request, reply) => {
      const scope = scopeOfRequest(request, retentionHours);
      const earlier = scope ? await storedAnswer(db, scope) : undefined;
      let id = earlier?.resourceId ?? undefined;
      if (!id) {
        id = await db.transaction(async (trx) => {
          const { purchaseOrderId } = await createDraftPurchaseOrder(trx, {
            ...request.body,
            source: 'manual',
            createdBy: request.caller?.keyId ?? null,
            tolerancePercent: config.purchasing.receiptTolerancePercent,
          });
          // Thrown inside the transaction: a refused auto submission writes nothing.
          if (request.body.submit === 'auto') await refuseBelowMinimumOrderValue(trx, purchaseOrderId);
          // The key with the PO: a concurrent request with it waits here, then finds it taken and rolls back.
          if (scope && !(await storeAnswer(trx, scope, { statusCode: 201, body: null, resourceId: purchaseOrderId }))) return undefined;
          return purchaseOrderId;
        });
        if (!id) id = (await storedAnswer(db, scope!))!.resourceId!;
      }
      await startAfterCommit(request.log, () => startWorkflow(id!));
      if (earlier) reply.header(REPLAYED_HEADER, 'true');
      return reply.status(201).send((await loadPurchaseOrder(db, id))!);
    },
  );

  app.get(
    '/v1/purchase-orders',
    {
      schema: {
        tags: ['purchasing'],
        summary: 'Purchase orders, newest first, a page at a time (a warehouse key sees its locations\')',
        description: 'Filters: status, supplierId, locationId, late. nextCursor (null on the last page) continues the list. Refusals: invalid_cursor (400).',
        querystring: ListPurchaseOrdersQuery,
        response: { 200: PurchaseOrderPage, ...errorResponses },
      },
    },
    async (request) => {
      const { status, supplierId, locationId, late, limit, cursor } = request.query;
      const locations = request.caller?.locationIds;
      const page = await pageByCreation(db, 'purchase_orders', { limit, cursor }, (query) => {
        if (status) query.where({ status });
        if (supplierId) query.where({ supplier_id: supplierId });
        if (locationId) query.where({ location_id: locationId });
        if (late !== undefined) query.where({ late });
        if (locations) query.whereIn('location_id', locations);
      });
      const data = await Promise.all(page.rows.map((row) => loadPurchaseOrder(db, row.id)));
      return { data: data.filter((po) => po !== undefined), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/purchase-orders/:id',
    {
      schema: {
        tags: ['purchasing'],
        summary: 'A purchase order: lines ordered, confirmed, received and still incoming, its due time, late flag and timeline',
        params: PurchaseOrderParams,
        response: { 200: PurchaseOrder, ...errorResponses },
      },
    },
    async (request) => mustFindPurchaseOrder(request, request.params.id),
  );

  const updateRoute = (
    path: keyof typeof WHEN_ENDED,
    summary: string,
    description: string,
    body: typeof EmptyBody | typeof ConfirmPurchaseOrderBody | typeof ReceivePurchaseOrderBody | typeof EndPurchaseOrderBody,
    send: (request: FastifyRequest, handle: ReturnType<typeof temporal.workflow.getHandle>) => Promise<PurchaseOrderView>,
  ) =>
    app.post(
      `/v1/purchase-orders/:id/${path}`,
      {
        schema: { tags: ['purchasing'], summary, description, headers: IdempotencyHeaders, params: PurchaseOrderParams, body, response: { 200: PurchaseOrder, ...errorResponses } },
      },
      async (request, reply) =>
        idempotently(db, request, reply, retentionHours, async () => {
          const found = await mustFindPurchaseOrder(request, (request.params as { id: string }).id);
          await updatePurchaseOrder(found.id, WHEN_ENDED[path], (handle) => send(request, handle));
          return (await loadPurchaseOrder(db, found.id))!;
        }),
    );

  updateRoute(
    'approve',
    'Approve a draft: it is submitted to the supplier',
    'Refusals: purchase_order_not_awaiting_approval (409), below_minimum_order_value (422: the draft keeps waiting).',
    EmptyBody,
    async (request, handle) => {
      const id = (request.params as { id: string }).id;
      const { status } = await db('purchase_orders').where({ id }).first('status');
      if (status === 'DRAFT') await refuseBelowMinimumOrderValue(db, id);
      return handle.executeUpdate(approvePurchaseOrderUpdate, { args: [{ by: request.caller?.keyId }], updateId: updateIdFor('po-approve', request) });
    },
  );
  updateRoute(
    'confirm',
    'Record the supplier\'s confirmation (quantities per line, dates) on its behalf',
    'Refusals: purchase_order_not_confirmable (409: not submitted, or receipts began), line_not_on_purchase_order, duplicate_line, confirmed_exceeds_ordered (422).',
    ConfirmPurchaseOrderBody,
    (request, handle) =>
      handle.executeUpdate(confirmPurchaseOrderUpdate, {
        args: [{ ...(request.body as typeof ConfirmPurchaseOrderBody.static), by: request.caller?.keyId }],
        updateId: updateIdFor('po-confirm', request),
      }),
  );
  updateRoute(
    'receive',
    'Receive a PO\'s units at the dock, in part or in full: into stock at the PO\'s unit cost, waking backorders oldest first',
    'For a warehouse key holding the PO\'s location. Refusals: purchase_order_not_receivable (409: a draft, closed or cancelled PO), ' +
      'line_not_on_purchase_order, duplicate_line, over_receipt (422: past ordered + PURCHASE_RECEIPT_TOLERANCE_PERCENT).',
    ReceivePurchaseOrderBody,
    (request, handle) =>
      handle.executeUpdate(receivePurchaseOrderUpdate, {
        args: [{ lines: (request.body as typeof ReceivePurchaseOrderBody.static).lines, by: request.caller?.keyId }],
        updateId: updateIdFor('po-receive', request),
      }),
  );
  updateRoute('cancel', 'Cancel a PO nothing was received on', 'Refusals: purchase_order_not_cancellable (409).', EndPurchaseOrderBody, (request, handle) =>
    handle.executeUpdate(cancelPurchaseOrderUpdate, { args: [{ ...(request.body as { reason: string }), by: request.caller?.keyId }], updateId: updateIdFor('po-cancel', request) }),
  );
  updateRoute('close', 'Close a partly received PO short: the rest is no longer expected', 'Refusals: purchase_order_not_closable (409).', EndPurchaseOrderBody, (request, handle) =>
    handle.executeUpdate(closePurchaseOrderUpdate, { args: [{ ...(request.body as { reason: string }), by: request.caller?.keyId }], updateId: updateIdFor('po-close', request) }),
  );

  for (const format of ['html', 'pdf'] as const) {
    app.get(
      `/v1/purchase-orders/:id/document${format === 'pdf' ? '.pdf' : ''}`,
      {
        schema: {
          tags: ['purchasing'],
          summary: `The PO as the supplier reads it (${format.toUpperCase()}), through the link with its token; no API key`,
          security: [],
          params: PurchaseOrderParams,
          querystring: DocumentQuery,
        },
      },
      async (request, reply) => {
        const row = await db('purchase_orders as po')
          .join('suppliers as s', 's.id', 'po.supplier_id')
          .join('locations as loc', 'loc.id', 'po.location_id')
          .where('po.id', request.params.id)
          .first('po.document_token', 's.name as supplier_name', 's.payment_terms', 'loc.name as location_name', 'loc.address');
        const given = Buffer.from(request.query.token);
        const known = row?.document_token ? Buffer.from(row.document_token) : undefined;
        if (!known || known.length !== given.length || !timingSafeEqual(known, given)) {
          throw new ApiError(404, 'purchase_order_not_found', `purchase order ${request.params.id} not found`);
        }
        const po = (await loadPurchaseOrder(db, request.params.id))!;
        const parties: DocumentParties = { supplierName: row.supplier_name, paymentTerms: row.payment_terms, shipTo: { name: row.location_name, address: row.address } };
        if (format === 'pdf') return reply.type('application/pdf').send(renderPurchaseOrderPdf(po, parties));
        return reply.type('text/html; charset=utf-8').send(renderPurchaseOrderHtml(po, parties));
      },
    );
  }

  /** Sends an update to the PO's workflow (started first if a crash left it unstarted). */
  async function updatePurchaseOrder(id: string, whenEnded: string, send: (handle: ReturnType<typeof temporal.workflow.getHandle>) => Promise<PurchaseOrderView>) {
    const row = await db('purchase_orders').where({ id }).first('workflow_started_at');
    if (!row.workflow_started_at) await startWorkflow(id);
    const handle = temporal.workflow.getHandle(purchaseOrderWorkflowId(id));
    return callWorkflow(
      () => within(deps, timeouts.updateMs, () => send(handle)),
      async () => {
        const { status } = await db('purchase_orders').where({ id }).first('status');
        return new ApiError(409, whenEnded, `purchase order ${id} is ${status} and its workflow has ended`);
      },
    );
  }

  /** The PO of the route's :id; one at a location the key does not hold does not exist for it (404, never 403). */
  async function mustFindPurchaseOrder(request: FastifyRequest, id: string) {
    const found = await loadPurchaseOrder(db, id);
    if (!found || (request.caller && !request.caller.canSeeLocation(found.locationId))) {
      throw new ApiError(404, 'purchase_order_not_found', `purchase order ${id} not found`);
    }
    return found;
  }
};

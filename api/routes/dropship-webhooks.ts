import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Knex } from 'knex';
import type { CarrierEvent, CarrierEventStatus } from '../../domain/types';
import { carrierEventSignal, dropshipShippedSignal, shipmentWorkflowId } from '../../workflows/definitions';
import { ApiError } from '../api-error';
import { type RouteDeps, within } from '../deps';
import { errorResponses, Text } from '../schemas';
import { keepRawDropshipBodies, verifyDropshipSignature } from './dropship-signature';

const DROPSHIP_STATUSES = ['shipped', 'in_transit', 'out_for_delivery', 'delivered', 'exception', 'returned'] as const;
type DropshipStatus = (typeof DROPSHIP_STATUSES)[number];

/** The supplier's words for a parcel's progress, in the engine's tracking vocabulary. */
const AS_CARRIER_STATUS: Record<DropshipStatus, CarrierEventStatus> = {
  shipped: 'picked_up',
  in_transit: 'in_transit',
  out_for_delivery: 'out_for_delivery',
  delivered: 'delivered',
  exception: 'exception',
  // Coming back to the supplier: a problem for ops, like any carrier exception.
  returned: 'exception',
};

const DropshipWebhookBody = Type.Object({
  id: Text(100, { description: 'The event id; the same id again changes nothing' }),
  type: Type.Union([Type.Literal('dropship.shipped'), Type.Literal('dropship.tracking')]),
  supplierOrderId: Text(64),
  reference: Text(48, { description: "The engine's shipment id the order was placed with" }),
  trackingNumber: Text(64),
  carrier: Text(32),
  status: Type.Union(DROPSHIP_STATUSES.map((status) => Type.Literal(status))),
  description: Type.Optional(Type.String({ maxLength: 500 })),
  occurredAt: Type.String({ format: 'date-time' }),
});

/**
 * A dropship supplier service's webhooks, signed with its secret (HMAC-SHA256 of
 * "<timestamp>.<raw body>", X-Supplier-* headers): `dropship.shipped` reaches the shipment workflow
 * as the supplier's shipment, `dropship.tracking` as a carrier event, like our own parcels'. Each
 * event id is applied once. Its own plugin: the body is parsed from the raw bytes the signature covers.
 */
export const dropshipWebhookRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal, config, timeouts } = deps;
  keepRawDropshipBodies(app);

  app.post(
    '/v1/webhooks/dropship/:adapter',
    {
      attachValidation: true,
      bodyLimit: config.api.webhookBodyLimitBytes,
      schema: {
        tags: ['webhooks'],
        summary: "A dropship supplier reports that it shipped an order, or its parcel's progress; signed with the supplier service's secret",
        description:
          "401 invalid_signature, stale_timestamp or missing_signature; 404 dropship_order_not_found. An event id already applied is answered " +
          'duplicate; an event for a shipment whose workflow has ended is ignored.',
        security: [],
        params: Type.Object({ adapter: Text(32) }),
        body: DropshipWebhookBody,
        response: {
          200: Type.Object({
            status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('ignored')]),
            shipmentId: Type.String(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { adapter } = request.params;
      verifyDropshipSignature(request, config, adapter);
      if (request.body === undefined) throw new ApiError(400, 'invalid_json', 'body is not valid JSON');
      if (request.validationError) throw request.validationError;
      const body = request.body;

      const order = await db('dropship_orders as d')
        .join('shipments as s', 's.id', 'd.shipment_id')
        .where({ 'd.adapter': adapter, 'd.shipment_id': body.reference })
        .first('d.shipment_id', 's.order_id', 's.shipment_no');
      if (!order) throw new ApiError(404, 'dropship_order_not_found', `no dropship order ${body.reference} placed with ${adapter}`);

      const claim = await claimEvent(db, { adapter, eventId: body.id, shipmentId: order.shipment_id, payload: body });
      if (claim.alreadyApplied) return { status: 'duplicate' as const, shipmentId: order.shipment_id };

      const handle = temporal.workflow.getHandle(shipmentWorkflowId(order.order_id, order.shipment_no));
      try {
        if (body.type === 'dropship.shipped') {
          await within(deps, timeouts.updateMs, () =>
            handle.signal(dropshipShippedSignal, { trackingNumber: body.trackingNumber, carrier: body.carrier }),
          );
        } else {
          const event: CarrierEvent = {
            carrier: `dropship:${adapter}`,
            eventId: body.id,
            trackingNumber: body.trackingNumber,
            status: AS_CARRIER_STATUS[body.status],
            occurredAt: new Date(body.occurredAt).toISOString(),
            description: body.description ?? body.status,
          };
          await within(deps, timeouts.updateMs, () => handle.signal(carrierEventSignal, event));
        }
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        await markApplied(db, claim.id);
        return { status: 'ignored' as const, shipmentId: order.shipment_id };
      }
      await markApplied(db, claim.id);
      return { status: 'accepted' as const, shipmentId: order.shipment_id };
    },
  );
};

/** Claims the event id once verified; a repeat whose first delivery never reached the workflow is sent on again. */
async function claimEvent(
  db: Knex,
  event: { adapter: string; eventId: string; shipmentId: string; payload: unknown },
): Promise<{ id: number; alreadyApplied: boolean }> {
  const inserted = await db('dropship_webhook_events')
    .insert({ adapter: event.adapter, event_id: event.eventId, shipment_id: event.shipmentId, payload: JSON.stringify(event.payload) })
    .onConflict(['adapter', 'event_id'])
    .ignore()
    .returning('id');
  if (inserted.length > 0) return { id: Number(inserted[0].id), alreadyApplied: false };
  const existing = await db('dropship_webhook_events').where({ adapter: event.adapter, event_id: event.eventId }).first('id', 'applied_at');
  return { id: Number(existing.id), alreadyApplied: Boolean(existing.applied_at) };
}

async function markApplied(db: Knex, id: number): Promise<void> {
  await db('dropship_webhook_events').where({ id }).update({ applied_at: db.fn.now() });
}

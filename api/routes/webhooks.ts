import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Knex } from 'knex';
import type { CarrierEvent } from '../../domain/types';
import { verifyWebhook } from '../../domain/webhook-signature';
import { carrierEventSignal, shipmentWorkflowId } from '../../workflows/definitions';
import { ApiError } from '../api-error';
import { type RouteDeps, within } from '../deps';
import { CarrierEventBody, CarrierHeaders, CarrierParams, errorResponses, WebhookResult } from '../schemas';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received; carrier signatures are computed over these bytes. */
    rawBody?: Buffer;
  }
}

const SIGNATURE_FAILURES = {
  missing_signature: 'X-Carrier-Timestamp and X-Carrier-Signature headers are required',
  stale_timestamp: 'X-Carrier-Timestamp is outside the accepted window',
  bad_signature: 'X-Carrier-Signature does not match the body',
} as const;

/**
 * Carrier tracking events. The signature is checked before anything else (a forged request learns
 * nothing about validation), every attempt is stored, each verified event id is accepted once, and
 * the event becomes a signal to the shipment's workflow, which orders and dedupes what it applies.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal, config, timeouts } = deps;

  app.decorateRequest('rawBody', undefined);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    done(null, parseJson(request.rawBody));
  });

  app.post(
    '/v1/webhooks/carriers/:carrier',
    {
      // Validation results wait for the handler, which checks the signature first.
      attachValidation: true,
      schema: {
        tags: ['webhooks'],
        summary: 'A tracking event from a carrier, signed with its webhook secret',
        security: [],
        params: CarrierParams,
        headers: CarrierHeaders,
        body: CarrierEventBody,
        response: { 200: WebhookResult, 202: WebhookResult, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { carrier } = request.params;
      const secret = Object.hasOwn(config.carrier.webhookSecrets, carrier) ? config.carrier.webhookSecrets[carrier] : undefined;
      if (!secret) throw new ApiError(404, 'unknown_carrier', `no webhook secret is configured for carrier ${carrier}`);

      const payload: unknown = request.body;
      const check = verifyWebhook({
        secret,
        timestampHeader: request.headers['x-carrier-timestamp'],
        signatureHeader: request.headers['x-carrier-signature'],
        rawBody: request.rawBody ?? Buffer.alloc(0),
        nowSeconds: Math.floor(Date.now() / 1000),
        toleranceSeconds: config.carrier.webhookToleranceSeconds,
      });
      if (!check.valid) {
        await db('webhook_events').insert({
          carrier,
          event_id: eventIdOf(payload),
          signature_valid: false,
          payload: payload === undefined ? null : JSON.stringify(payload),
        });
        const code = check.reason === 'bad_signature' ? 'invalid_signature' : check.reason;
        throw new ApiError(401, code, SIGNATURE_FAILURES[check.reason]);
      }
      if (payload === undefined) throw new ApiError(400, 'invalid_json', 'body is not valid JSON');
      if (request.validationError) throw request.validationError;

      const body = request.body;
      const event: CarrierEvent = {
        carrier,
        eventId: body.id,
        trackingNumber: body.trackingNumber,
        status: body.status,
        occurredAt: new Date(body.occurredAt).toISOString(),
        description: body.description,
      };
      const stored = await storeVerifiedEvent(db, event, payload);
      if (stored.alreadySignalled) return { status: 'duplicate' as const };

      const shipment = await db('shipments').where({ tracking_number: event.trackingNumber }).first();
      if (!shipment) {
        // The label may not be recorded yet; the shipment's label step picks up unmatched events.
        return stored.duplicate ? { status: 'duplicate' as const } : reply.status(202).send({ status: 'unmatched' });
      }
      const handle = temporal.workflow.getHandle(shipmentWorkflowId(shipment.order_id, shipment.shipment_no));
      try {
        await within(deps, timeouts.updateMs, () => handle.signal(carrierEventSignal, event));
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        await db('webhook_events').where({ id: stored.id }).update({ shipment_id: shipment.id });
        return { status: 'ignored' as const, reason: `the workflow of shipment ${shipment.id} (${shipment.status}) has ended` };
      }
      await db('webhook_events').where({ id: stored.id }).update({ shipment_id: shipment.id, signalled_at: db.fn.now() });
      return { status: 'accepted' as const };
    },
  );
};

/**
 * Claims the event id for verified events. A repeat whose first delivery never reached the
 * workflow (unmatched then, or the process died before the signal) is delivered again.
 */
async function storeVerifiedEvent(
  db: Knex,
  event: CarrierEvent,
  payload: unknown,
): Promise<{ id: number; duplicate: boolean; alreadySignalled: boolean }> {
  const inserted = await db.raw(
    `INSERT INTO webhook_events (carrier, event_id, tracking_number, signature_valid, payload)
     VALUES (?, ?, ?, true, ?::jsonb)
     ON CONFLICT (carrier, event_id) WHERE signature_valid DO NOTHING
     RETURNING id`,
    [event.carrier, event.eventId, event.trackingNumber, JSON.stringify(payload)],
  );
  if (inserted.rows.length > 0) return { id: inserted.rows[0].id, duplicate: false, alreadySignalled: false };
  const existing = await db('webhook_events')
    .where({ carrier: event.carrier, event_id: event.eventId, signature_valid: true })
    .first('id', 'signalled_at', 'applied_at');
  return { id: existing.id, duplicate: true, alreadySignalled: Boolean(existing.signalled_at || existing.applied_at) };
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function eventIdOf(payload: unknown): string | null {
  const id = (payload as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' && id.length <= 128 ? id : null;
}

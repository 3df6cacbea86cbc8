import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Knex } from 'knex';
import { isWithCarrier } from '../../domain/status';
import { applyCarrierEvent } from '../../domain/tracking';
import { type CarrierEvent, FINAL_RETURN_STATUSES, type ShipmentStatus } from '../../domain/types';
import { recordWebhookFailure, type WebhookFailureReason } from '../../db/webhook-failures';
import { verifyWebhook } from '../../domain/webhook-signature';
import { carrierEventSignal, returnWorkflowId, shipmentWorkflowId } from '../../workflows/definitions';
import { ApiError } from '../api-error';
import { type RouteDeps, within } from '../deps';
import { jsonDepth, MAX_JSON_DEPTH } from '../json-depth';
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
 * the event becomes a signal to the workflow of the shipment or return whose label it tracks, which
 * orders and dedupes what it applies.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { db, temporal, config, timeouts } = deps;

  app.decorateRequest('rawBody', undefined);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    request.rawBody = body as Buffer;
    done(null, parseJson(request.rawBody));
  });
  const failed = (request: FastifyRequest, carrier: string, reason: WebhookFailureReason) =>
    recordWebhookFailure(db, { carrier, sourceAddress: request.ip, reason, body: request.rawBody });

  app.post(
    '/v1/webhooks/carriers/:carrier',
    {
      // Validation results wait for the handler, which checks the signature first.
      attachValidation: true,
      // Its own limits: tracking events are small, and carriers are limited per source address.
      bodyLimit: config.api.webhookBodyLimitBytes,
      config: { rateLimit: { max: config.api.webhookRateLimitPerMinute, keyGenerator: (request: FastifyRequest) => `webhook:${request.ip}` } },
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
      if (!secret) {
        await failed(request, carrier, 'unknown_carrier');
        throw new ApiError(404, 'unknown_carrier', `no webhook secret is configured for carrier ${carrier}`);
      }

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
        // Metadata only: an unverified body is never stored.
        await failed(request, carrier, check.reason);
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

      const target = (await shipmentTarget(db, event)) ?? (await returnTarget(db, event));
      if (!target) {
        // The label may not be recorded yet; the shipment's label step picks up unmatched events.
        return stored.duplicate ? { status: 'duplicate' as const } : reply.status(202).send({ status: 'unmatched' });
      }
      const linkEvent = (fields: object = {}) => db('webhook_events').where({ id: stored.id }).update({ ...target.link, ...fields });
      if (target.ignoreReason) {
        await linkEvent();
        return { status: 'ignored' as const, reason: target.ignoreReason };
      }
      const handle = temporal.workflow.getHandle(target.workflowId);
      try {
        await within(deps, timeouts.updateMs, () => handle.signal(carrierEventSignal, event));
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        await linkEvent();
        return { status: 'ignored' as const, reason: `the workflow of ${target.name} has ended` };
      }
      await linkEvent({ signalled_at: db.fn.now() });
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

/** Where a verified event goes: the workflow of the shipment or return whose label it tracks. */
interface SignalTarget {
  workflowId: string;
  /** The webhook_events column that links the event to its shipment or return. */
  link: { shipment_id: string } | { return_id: string };
  /** For answers, e.g. "shipment S (IN_TRANSIT)". */
  name: string;
  /** Set when the event cannot change anything, so it is not signalled and never grows a history. */
  ignoreReason?: string;
}

// Both look-ups are bound to the carrier: an event signed with one carrier's secret never finds another carrier's parcel.

async function shipmentTarget(db: Knex, event: CarrierEvent): Promise<SignalTarget | undefined> {
  const shipment = await db('shipments').where({ carrier: event.carrier, tracking_number: event.trackingNumber }).first();
  if (!shipment) return undefined;
  const name = `shipment ${shipment.id} (${shipment.status})`;
  return {
    workflowId: shipmentWorkflowId(shipment.order_id, shipment.shipment_no),
    link: { shipment_id: shipment.id },
    name,
    ignoreReason: canAdvance(shipment.status, event) ? undefined : `a ${event.status} event cannot move ${name}`,
  };
}

/** A return label's parcel; the return workflow orders and dedupes the events itself, as shipments do. */
async function returnTarget(db: Knex, event: CarrierEvent): Promise<SignalTarget | undefined> {
  const found = await db('returns').where({ carrier: event.carrier, tracking_number: event.trackingNumber }).first('id', 'status');
  if (!found) return undefined;
  const name = `return ${found.id} (${found.status})`;
  return {
    workflowId: returnWorkflowId(found.id),
    link: { return_id: found.id },
    name,
    ignoreReason: FINAL_RETURN_STATUSES.includes(found.status) ? `${name} is finished` : undefined,
  };
}

function parseJson(raw: Buffer): unknown {
  try {
    if (jsonDepth(raw.toString('utf8')) > MAX_JSON_DEPTH) return undefined;
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Whether an event could still move a shipment in this status (domain/tracking.ts decides for real
 * in the workflow); events that cannot are not signalled, so they never grow its history.
 */
function canAdvance(status: ShipmentStatus, event: CarrierEvent): boolean {
  if (!isWithCarrier(status) && status !== 'LABELLED') return true; // not yet shipped: the workflow decides
  if (status === 'DELIVERED') return false;
  if (event.status === 'exception') return true;
  const state = { status, progress: PROGRESS_OF_STATUS[status] ?? -1, appliedEventIds: [] };
  return applyCarrierEvent(state, event).apply;
}

/** The least progress (domain/tracking.ts) a shipment in each status with the carrier has made. */
const PROGRESS_OF_STATUS: Partial<Record<ShipmentStatus, number>> = {
  SHIPPED: -1,
  LABELLED: -1,
  IN_TRANSIT: 1,
  EXCEPTION: -1,
  OUT_FOR_DELIVERY: 3,
};

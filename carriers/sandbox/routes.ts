import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { describeBreach, limitBreach } from '../../domain/packing';
import { problem, requireBearerKey } from '../../infra/sandbox-service';
import type { Parcel } from '../adapter';
import { renderLabelPdf } from './label-document';
import { addTrackingEvent, findLabel, purchaseLabel, trackingHistory, voidLabel, type StoredLabel } from './labels';
import { SANDBOX_PARCEL_LIMITS } from './limits';
import { isService, quoteRate, quoteRates } from './rates';
import {
  LabelDocumentQuerySchema,
  LabelParamsSchema,
  LabelRequestSchema,
  RateRequestSchema,
  SandboxEventSchema,
  TrackingParamsSchema,
} from './schemas';
import { isUndeliverable, planTrackingEvents, type TimetableName } from './timetable';

export interface CarrierRouteOptions {
  db: Knex;
  apiKey: string;
  accountId: string;
  timetable: TimetableName;
  stepMs?: number;
  /** Base of label document URLs; without it the request's own protocol and host are used. */
  publicUrl?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's URL is its own permission (no API key). */
    capabilityUrl?: boolean;
  }
}

/**
 * The carrier's /v1 API. Every route needs `Authorization: Bearer <apiKey>`, except label
 * documents: like a real carrier's label link, the unguessable URL is the permission, so the
 * warehouse can print from the labelUrl the engine shows.
 */
export const carrierRoutes: FastifyPluginAsyncTypebox<CarrierRouteOptions> = async (app, options) => {
  const { db, accountId } = options;

  const requireApiKey = requireBearerKey(options.apiKey);
  app.addHook('onRequest', async (request, reply) => {
    if (!request.routeOptions.config.capabilityUrl) return requireApiKey(request, reply);
  });

  app.post('/rates', { schema: { body: RateRequestSchema } }, async (request, reply) => {
    const { from, to, parcels } = request.body;
    const refusal = overLimits(parcels);
    if (refusal) return problem(reply, 422, refusal.code, refusal.message);
    return { rates: quoteRates(from, to, parcels) };
  });

  app.post('/labels', { schema: { body: LabelRequestSchema } }, async (request, reply) => {
    const idempotencyKey = request.headers['idempotency-key'];
    if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 200) {
      return problem(reply, 400, 'idempotency_key_required', 'Send an Idempotency-Key header (1 to 200 characters)');
    }
    const { from, to, parcels, reference, return: isReturn = false } = request.body;
    const service = request.body.service ?? 'ground';
    if (!isService(service)) {
      return problem(reply, 422, 'unknown_service', `Unknown service "${service}"; use ground, express or overnight`);
    }
    const refusal = overLimits(parcels);
    if (refusal) return problem(reply, 422, refusal.code, refusal.message);
    if (isUndeliverable(to)) {
      return problem(reply, 422, 'address_undeliverable', 'The carrier does not deliver to this recipient address');
    }

    const rate = quoteRate(service, from, to, parcels);
    const createdAt = new Date();
    const { label, created } = await purchaseLabel(db, {
      accountId,
      idempotencyKey,
      service,
      costCents: rate.costCents,
      currency: rate.currency,
      reference,
      from,
      to,
      isReturn,
      parcels,
      createdAt,
      events: planTrackingEvents({
        timetable: options.timetable,
        stepMs: options.stepMs,
        route: { from, to, isReturn },
        labelCreatedAt: createdAt,
      }),
    });
    return reply.code(created ? 201 : 200).send(labelResponse(label, documentUrl(request, options.publicUrl, label.labelId)));
  });

  app.get(
    '/labels/:labelId/document',
    { schema: { params: LabelParamsSchema, querystring: LabelDocumentQuerySchema }, config: { capabilityUrl: true } },
    async (request, reply) => {
      const label = await findLabel(db, request.params.labelId);
      if (!label) return problem(reply, 404, 'label_not_found', `No label ${request.params.labelId}`);
      const { piece } = request.query;
      const pieces = piece === undefined ? label.pieces : label.pieces.filter((p) => p.pieceNo === piece);
      if (pieces.length === 0) return problem(reply, 404, 'piece_not_found', `Label ${label.labelId} has no piece ${piece}`);
      return reply
        .type('application/pdf')
        .header('Content-Disposition', `inline; filename="${pieces.length === 1 ? pieces[0].trackingNumber : label.trackingNumber}.pdf"`)
        .send(renderLabelPdf({ ...label, pieceCount: label.pieces.length, pieces }));
    },
  );

  app.post('/labels/:labelId/void', { schema: { params: LabelParamsSchema } }, async (request, reply) => {
    const outcome = await voidLabel(db, accountId, request.params.labelId, new Date());
    if (outcome === 'not_found') return problem(reply, 404, 'label_not_found', `No label ${request.params.labelId}`);
    if (outcome === 'in_use') {
      return problem(reply, 409, 'label_in_use', 'The parcel has been picked up; its label can no longer be voided');
    }
    return { status: 'voided' };
  });

  app.get('/tracking/:trackingNumber', { schema: { params: TrackingParamsSchema } }, async (request, reply) => {
    const { trackingNumber } = request.params;
    const history = await trackingHistory(db, accountId, trackingNumber, new Date());
    if (!history) return problem(reply, 404, 'tracking_number_not_found', `No parcel ${trackingNumber}`);
    const latest = history.events.at(-1);
    return {
      trackingNumber,
      service: history.label.service,
      status: history.label.voidedAt ? 'voided' : latest?.status,
      events: history.events,
    };
  });

  /** Sandbox only: makes something happen to a parcel now (an exception, or the next step of a `manual` parcel). */
  app.post(
    '/sandbox/tracking/:trackingNumber/events',
    { schema: { params: TrackingParamsSchema, body: SandboxEventSchema } },
    async (request, reply) => {
      const { trackingNumber } = request.params;
      const result = await addTrackingEvent(db, { accountId, trackingNumber, ...request.body, now: new Date() });
      if (result.outcome === 'not_found') return problem(reply, 404, 'tracking_number_not_found', `No parcel ${trackingNumber}`);
      if (result.outcome === 'voided') return problem(reply, 409, 'label_voided', 'The label is void; its parcel gets no more events');
      return reply.code(201).send(result.event);
    },
  );
};

/** The first parcel over the carrier's limits, as the refusal it gets. */
function overLimits(parcels: Parcel[]): { code: string; message: string } | undefined {
  for (const [index, parcel] of parcels.entries()) {
    const breach = limitBreach(parcel, SANDBOX_PARCEL_LIMITS);
    if (breach) return { code: breach.code, message: `Parcel ${index + 1}: ${describeBreach(breach, "the carrier's limit")}` };
  }
  return undefined;
}

function documentUrl(request: FastifyRequest, publicUrl: string | undefined, labelId: string): string {
  const base = publicUrl?.replace(/\/+$/, '') ?? `${request.protocol}://${request.host}`;
  return `${base}/v1/labels/${encodeURIComponent(labelId)}/document`;
}

function labelResponse(label: StoredLabel, labelUrl: string) {
  return {
    labelId: label.labelId,
    trackingNumber: label.trackingNumber,
    service: label.service,
    costCents: label.costCents,
    currency: label.currency,
    return: label.isReturn,
    labelUrl,
    pieces: label.pieces.map((piece) => ({
      pieceNo: piece.pieceNo,
      trackingNumber: piece.trackingNumber,
      labelUrl: `${labelUrl}?piece=${piece.pieceNo}`,
      weightGrams: piece.parcel.weightGrams,
    })),
    createdAt: label.createdAt.toISOString(),
  };
}

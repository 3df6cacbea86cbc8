import type { FastifyError, FastifyPluginCallback } from 'fastify';
import { RequestRefused } from '../../activities/refused';
import { ApiError, errorBody } from '../api-error';
import { apiErrorFromTemporal } from '../temporal-errors';
import { unencapsulated } from './unencapsulated';

/** Fastify's own request errors, by their FST_ code. */
const FASTIFY_ERRORS: Record<string, { statusCode: number; code: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { statusCode: 400, code: 'invalid_json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { statusCode: 400, code: 'invalid_json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { statusCode: 413, code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { statusCode: 415, code: 'unsupported_media_type' },
};

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof RequestRefused) return new ApiError(error.statusCode, error.code, error.message, error.details);
  const fastifyError = error as Partial<FastifyError> & { validationContext?: string };
  if (fastifyError.validation) {
    const [first] = fastifyError.validation;
    const field = `${fastifyError.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
    return new ApiError(400, 'validation_error', `${field}: ${first?.message ?? 'is invalid'}`, {
      in: fastifyError.validationContext,
      path: first?.instancePath,
    });
  }
  const known = fastifyError.code && FASTIFY_ERRORS[fastifyError.code];
  if (known) return new ApiError(known.statusCode, known.code, fastifyError.message ?? known.code);
  if (isPostgresDataException(error)) {
    // The schemas keep values in range; this catches what only Postgres can judge (e.g. an unpaired surrogate).
    // The driver's message stays in the log (under the request id), never in the answer.
    return new ApiError(400, 'validation_error', 'a value could not be stored');
  }
  const temporal = apiErrorFromTemporal(error);
  if (temporal) return temporal;
  const statusCode = fastifyError.statusCode;
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    // Fastify's own 4xx messages are about the request; anything else gets a generic message.
    const message = fastifyError.code?.startsWith('FST_') ? (fastifyError.message ?? 'bad request') : 'bad request';
    return new ApiError(statusCode, 'bad_request', message);
  }
  return new ApiError(500, 'internal_error', 'internal error');
}

/** Postgres SQLSTATE class 22: data exception (value out of range, invalid text, ...). */
function isPostgresDataException(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code) && 'severity' in (error as object);
}

/** One error shape for every route, including unknown routes; unexpected errors are logged with their stack. */
export const errorHandling: FastifyPluginCallback = unencapsulated((app, _options, done) => {
  // Every answer names its request, so a client's report can be matched to the log.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code === 'internal_error') request.log.error({ err: error, requestId: request.id }, 'request failed');
    else if (apiError.statusCode >= 500 || !(error instanceof ApiError)) {
      request.log.warn({ err: error, requestId: request.id }, apiError.message);
    }
    return reply.status(apiError.statusCode).send(errorBody(apiError, request.id));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      code: 'not_found',
      message: `no route for ${request.method} ${request.url.split('?')[0]}`,
      requestId: request.id,
    }),
  );
  done();
});

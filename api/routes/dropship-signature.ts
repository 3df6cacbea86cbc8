import type { FastifyInstance, FastifyRequest } from 'fastify';
import { verifyWebhook } from '../../domain/webhook-signature';
import type { Config } from '../../infra/config';
import { ApiError } from '../api-error';

const SIGNATURE_FAILURES = {
  missing_signature: 'X-Supplier-Timestamp and X-Supplier-Signature headers are required',
  stale_timestamp: 'X-Supplier-Timestamp is outside the accepted window',
  bad_signature: 'X-Supplier-Signature does not match the body',
} as const;

type WithRawBody = FastifyRequest & { rawDropshipBody?: Buffer };

/**
 * For a plugin of signed dropship webhooks: every body is kept as the raw bytes the signature covers
 * and parsed from them (an unparsable one arrives as undefined, refused once the signature holds).
 */
export function keepRawDropshipBodies(app: Pick<FastifyInstance, 'removeAllContentTypeParsers' | 'addContentTypeParser'>): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    (request as WithRawBody).rawDropshipBody = body as Buffer;
    try {
      done(null, JSON.parse((body as Buffer).toString('utf8')));
    } catch {
      done(null, undefined);
    }
  });
}

/**
 * Checks a dropship supplier service's signature (HMAC-SHA256 of "<timestamp>.<raw body>" with the
 * service's secret, X-Supplier-* headers): a 401 invalid_signature, stale_timestamp or
 * missing_signature otherwise. An unknown service fails like a bad signature: a forger learns nothing.
 */
export function verifyDropshipSignature(request: FastifyRequest, config: Pick<Config, 'supplier'>, adapter: string): void {
  const secrets = config.supplier.webhookSecrets;
  const secret = Object.prototype.hasOwnProperty.call(secrets, adapter) ? secrets[adapter] : '';
  const check = verifyWebhook({
    secret,
    timestampHeader: request.headers['x-supplier-timestamp'] as string | undefined,
    signatureHeader: request.headers['x-supplier-signature'] as string | undefined,
    rawBody: (request as WithRawBody).rawDropshipBody ?? Buffer.alloc(0),
    nowSeconds: Math.floor(Date.now() / 1000),
    toleranceSeconds: config.supplier.webhookToleranceSeconds,
  });
  if (secret && check.valid) return;
  const reason = check.valid ? 'bad_signature' : check.reason;
  throw new ApiError(401, reason === 'bad_signature' ? 'invalid_signature' : reason, SIGNATURE_FAILURES[reason]);
}

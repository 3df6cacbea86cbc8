import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Carrier webhooks carry `X-Carrier-Timestamp` (unix seconds) and
 * `X-Carrier-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`.
 */
export function signWebhook(secret: string, timestamp: number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `v1=${mac}`;
}

export type SignatureCheck = { valid: true } | { valid: false; reason: 'missing_signature' | 'stale_timestamp' | 'bad_signature' };

export function verifyWebhook(input: {
  secret: string;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  rawBody: string | Buffer;
  nowSeconds: number;
  toleranceSeconds: number;
}): SignatureCheck {
  const { timestampHeader, signatureHeader } = input;
  if (!timestampHeader || !signatureHeader || !/^\d+$/.test(timestampHeader)) {
    return { valid: false, reason: 'missing_signature' };
  }
  const timestamp = Number(timestampHeader);
  if (Math.abs(input.nowSeconds - timestamp) > input.toleranceSeconds) return { valid: false, reason: 'stale_timestamp' };
  const expected = Buffer.from(signWebhook(input.secret, timestamp, input.rawBody));
  const given = Buffer.from(signatureHeader);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: 'bad_signature' };
  return { valid: true };
}

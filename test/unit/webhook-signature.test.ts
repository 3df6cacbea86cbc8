import { signWebhook, verifyWebhook } from '../../domain/webhook-signature';

const secret = 'whsec-test';
const body = JSON.stringify({ id: 'evt_1', type: 'tracking.updated', trackingNumber: 'SBX100000000001', status: 'delivered' });
const now = 1_700_000_000;

function check(overrides: Partial<Parameters<typeof verifyWebhook>[0]> = {}) {
  return verifyWebhook({
    secret,
    timestampHeader: String(now),
    signatureHeader: signWebhook(secret, now, body),
    rawBody: body,
    nowSeconds: now,
    toleranceSeconds: 300,
    ...overrides,
  });
}

describe('carrier webhook signatures', () => {
  it('accepts a signature over the timestamp and the exact raw body', () => {
    expect(signWebhook(secret, now, body)).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(check()).toEqual({ valid: true });
    expect(check({ rawBody: Buffer.from(body) })).toEqual({ valid: true });
  });

  it('rejects a body changed after signing', () => {
    expect(check({ rawBody: body.replace('delivered', 'exception') })).toEqual({ valid: false, reason: 'bad_signature' });
  });

  it('rejects a signature made with another secret', () => {
    expect(check({ signatureHeader: signWebhook('another-secret', now, body) })).toEqual({ valid: false, reason: 'bad_signature' });
  });

  it('rejects a signature whose timestamp header was swapped for a fresh one', () => {
    expect(check({ timestampHeader: String(now + 10) })).toEqual({ valid: false, reason: 'bad_signature' });
  });

  it('accepts timestamps at the edge of the window and rejects older or future ones beyond it', () => {
    const signedAt = (timestamp: number) => ({ timestampHeader: String(timestamp), signatureHeader: signWebhook(secret, timestamp, body) });
    expect(check(signedAt(now - 300))).toEqual({ valid: true });
    expect(check(signedAt(now + 300))).toEqual({ valid: true });
    expect(check(signedAt(now - 301))).toEqual({ valid: false, reason: 'stale_timestamp' });
    expect(check(signedAt(now + 301))).toEqual({ valid: false, reason: 'stale_timestamp' });
  });

  it('rejects a request without timestamp or signature headers', () => {
    expect(check({ timestampHeader: undefined })).toEqual({ valid: false, reason: 'missing_signature' });
    expect(check({ signatureHeader: undefined })).toEqual({ valid: false, reason: 'missing_signature' });
    expect(check({ timestampHeader: '', signatureHeader: '' })).toEqual({ valid: false, reason: 'missing_signature' });
  });

  it('rejects a timestamp that is not a whole number of seconds', () => {
    expect(check({ timestampHeader: 'yesterday' })).toEqual({ valid: false, reason: 'missing_signature' });
    expect(check({ timestampHeader: `${now}.5` })).toEqual({ valid: false, reason: 'missing_signature' });
    expect(check({ timestampHeader: `-${now}` })).toEqual({ valid: false, reason: 'missing_signature' });
  });

  it('rejects a truncated signature without throwing', () => {
    expect(check({ signatureHeader: signWebhook(secret, now, body).slice(0, 20) })).toEqual({ valid: false, reason: 'bad_signature' });
  });
});

import { createHash } from 'node:crypto';
import { ApiError } from './api-error';

/** SHA-256 of the body as canonical JSON (keys sorted), so key order never makes two requests differ. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The earlier request under this key must have had the same body; anything else is a client bug. */
export function assertSameRequest(storedHash: string | null, hash: string, idempotencyKey: string): void {
  if (storedHash !== hash) {
    throw new ApiError(
      409,
      'idempotency_key_reused',
      `Idempotency-Key "${idempotencyKey}" was already used with a different request body`,
    );
  }
}

export const REPLAYED_HEADER = 'idempotency-replayed';

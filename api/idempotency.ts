import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { ApiError, errorBody } from './api-error';

/**
 * Idempotency-Key handling. A key belongs to the API key that sent it (two callers may use the
 * same key) and is remembered in `idempotency_keys` until it expires
 * (IDEMPOTENCY_KEY_RETENTION_HOURS after its first use); an expired key is treated as new.
 * Within that time the same key with the same request replays the first answer, with the
 * `idempotency-replayed: true` header; with any other request it is refused with 422.
 */
export const REPLAYED_HEADER = 'idempotency-replayed';

/** SHA-256 of the value as canonical JSON (keys sorted), so key order never makes two requests differ. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
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

/** One use of an Idempotency-Key: whose key, which request, and how long to remember it. */
export interface IdempotencyScope {
  apiKeyId: string;
  key: string;
  /** Method and route pattern, e.g. `POST /v1/orders/:id/cancel`. */
  route: string;
  /** Hash of the route, its path parameters and its body. */
  hash: string;
  retentionHours: number;
}

/** What a key's first request answered. */
export interface StoredAnswer {
  statusCode: number;
  /** The body to replay; null when the answer is rebuilt from `resourceId`. */
  body: unknown;
  /** The order or receipt created under the key. */
  resourceId: string | null;
}

export function idempotencyScope(request: {
  apiKeyId: string;
  key: string;
  method: string;
  route: string;
  params: unknown;
  body: unknown;
  retentionHours: number;
}): IdempotencyScope {
  const route = `${request.method} ${request.route}`;
  return {
    apiKeyId: request.apiKeyId,
    key: request.key,
    route,
    hash: requestHash({ route, params: request.params ?? {}, body: request.body ?? null }),
    retentionHours: request.retentionHours,
  };
}

/** The scope of this request's Idempotency-Key, or undefined when it sent none. */
export function scopeOfRequest(request: FastifyRequest, retentionHours: number): IdempotencyScope | undefined {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '') return undefined;
  if (!request.caller) throw new Error(`${request.method} ${request.routeOptions.url} takes an Idempotency-Key but has no caller`);
  return idempotencyScope({
    apiKeyId: request.caller.keyId,
    key,
    method: request.method,
    route: request.routeOptions.url ?? request.url,
    params: request.params,
    body: request.body,
    retentionHours,
  });
}

/**
 * The answer stored under the scope's key, if the key is in use and unexpired. A key in use for
 * another request (other body, other route or other path parameters) is a client bug: 422.
 */
export async function storedAnswer(db: Knex, scope: IdempotencyScope): Promise<StoredAnswer | undefined> {
  const row = await db('idempotency_keys')
    .where({ api_key_id: scope.apiKeyId, key: scope.key })
    .where('expires_at', '>', db.fn.now())
    .first('request_hash', 'status_code', 'response_body', 'resource_id');
  if (!row) return undefined;
  if (row.request_hash !== scope.hash) {
    throw new ApiError(
      422,
      'idempotency_key_reused',
      `Idempotency-Key "${scope.key}" was already used with a different request`,
    );
  }
  return { statusCode: row.status_code, body: row.response_body, resourceId: row.resource_id };
}

/**
 * Records the key's answer. An expired row under the same key is replaced; an unexpired one is
 * kept and false returned: another request with this key got there first. Run it inside the
 * transaction that writes what the answer describes, and the answer is committed with it or not at all.
 */
export async function storeAnswer(db: Knex, scope: IdempotencyScope, answer: StoredAnswer): Promise<boolean> {
  const expiresAt = db.raw(`now() + make_interval(hours => ?)`, [scope.retentionHours]);
  const row = {
    api_key_id: scope.apiKeyId,
    key: scope.key,
    route: scope.route,
    request_hash: scope.hash,
    status_code: answer.statusCode,
    // JSON text: knex would send a top-level array as a Postgres array literal.
    response_body: answer.body === null || answer.body === undefined ? null : JSON.stringify(answer.body),
    resource_id: answer.resourceId,
    created_at: db.fn.now(),
    expires_at: expiresAt,
  };
  const written = await db('idempotency_keys')
    .insert(row)
    .onConflict(['api_key_id', 'key'])
    .merge()
    .where('idempotency_keys.expires_at', '<=', db.fn.now())
    .returning('key');
  return written.length > 0;
}

/**
 * The updateId a workflow update is sent with, so Temporal runs it once per Idempotency-Key even
 * when the key's answer was never stored (a 504, a crash). Scoped by API key like the key itself:
 * two callers' equal keys must not merge their updates (two scanners' scans, say).
 */
export function updateIdFor(kind: string, request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '' || !request.caller) return undefined;
  return `${kind}:${request.caller.keyId}:${key}`;
}

/** Sends a stored answer again, marked as a replay. */
export function replay(reply: FastifyReply, answer: StoredAnswer): FastifyReply {
  return reply.header(REPLAYED_HEADER, 'true').status(answer.statusCode).send(answer.body);
}

/**
 * Runs a route's work once per Idempotency-Key: a retry with the same key and request gets the
 * stored answer without running it again. Successful answers and 4xx refusals are stored; 5xx
 * (a timeout, Temporal unreachable) are not, so the client's retry runs the work again, which is
 * safe because updates carry an updateId Temporal deduplicates.
 *
 * Concurrent first requests with one key may both run; the first to finish stores its answer.
 */
export async function idempotently<T>(
  db: Knex,
  request: FastifyRequest,
  reply: FastifyReply,
  retentionHours: number,
  run: () => Promise<T>,
): Promise<T | FastifyReply> {
  const scope = scopeOfRequest(request, retentionHours);
  if (!scope) return run();
  const stored = await storedAnswer(db, scope);
  if (stored) return replay(reply, stored);
  // Storing is best effort: the work is done either way, and a retry of it is deduplicated by Temporal.
  const store = (answer: StoredAnswer) =>
    storeAnswer(db, scope, answer).catch((error: unknown) => {
      request.log.error({ err: error }, 'could not store the answer of an Idempotency-Key');
    });
  let result: T;
  try {
    result = await run();
  } catch (error) {
    if (error instanceof ApiError && error.statusCode >= 400 && error.statusCode < 500) {
      await store({ statusCode: error.statusCode, body: errorBody(error, request.id), resourceId: null });
    }
    throw error;
  }
  await store({ statusCode: reply.statusCode, body: result, resourceId: null });
  return result;
}

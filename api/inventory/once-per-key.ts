import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { ApiError, errorBody } from '../api-error';
import { replay, scopeOfRequest, storeAnswer, storedAnswer } from '../idempotency';

/** Thrown inside the transaction when another request with the same key committed first. */
class KeyTaken extends Error {}

/**
 * Runs a write and records its Idempotency-Key answer in one transaction, so the key is stored
 * exactly when the write commits: a retry replays the answer, and of two concurrent requests with
 * one key the second rolls its write back and replays the first's. Refusals (4xx) are stored too,
 * outside the (rolled back) write.
 */
export async function writeOncePerKey<T>(
  db: Knex,
  request: FastifyRequest,
  reply: FastifyReply,
  retentionHours: number,
  statusCode: number,
  write: (trx: Knex.Transaction) => Promise<T>,
): Promise<T | FastifyReply> {
  const scope = scopeOfRequest(request, retentionHours);
  if (!scope) return reply.status(statusCode).send(await db.transaction(write));
  const stored = await storedAnswer(db, scope);
  if (stored) return replay(reply, stored);
  try {
    const result = await db.transaction(async (trx) => {
      const written = await write(trx);
      if (!(await storeAnswer(trx, scope, { statusCode, body: written, resourceId: null }))) throw new KeyTaken();
      return written;
    });
    return reply.status(statusCode).send(result);
  } catch (error) {
    if (error instanceof KeyTaken) {
      const first = await storedAnswer(db, scope);
      if (first) return replay(reply, first);
    }
    if (error instanceof ApiError && error.statusCode < 500) {
      await storeAnswer(db, scope, { statusCode: error.statusCode, body: errorBody(error, request.id), resourceId: null });
    }
    throw error;
  }
}

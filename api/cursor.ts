import type { Knex } from 'knex';
import { ApiError } from './api-error';
import { isIsoDateTime } from './iso-date-time';

/** Opaque page cursors: base64url JSON of the last row's sort key. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a cursor whose parts must pass `accept`, one check per part; anything else is invalid_cursor. */
export function decodeCursor<T extends unknown[]>(
  cursor: string,
  accept: { [K in keyof T]: (part: unknown) => part is T[K] },
): T {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  const valid =
    Array.isArray(parts) && parts.length === accept.length && parts.every((part, index) => accept[index](part));
  if (!valid) throw new ApiError(400, 'invalid_cursor', 'cursor is not one this API returned');
  return parts as T;
}

/** A short string without control characters, as ids and SKUs are. */
export const isKeyText = (part: unknown): part is string =>
  typeof part === 'string' && part.length > 0 && part.length <= 64 && !/[\x00-\x1f\x7f]/.test(part);

export const isPositiveInteger = (part: unknown): part is number =>
  typeof part === 'number' && Number.isSafeInteger(part) && part > 0;

/** A timestamp to the microsecond, as `cursorAt` writes it. */
export const isCursorTime = (part: unknown): part is string =>
  typeof part === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(part) && isIsoDateTime(part);

/**
 * SQL selecting a timestamptz column as UTC text to the microsecond, for a cursor: a JS Date
 * would round it to the millisecond and a page would skip or repeat rows.
 */
export const cursorAt = (column: string, alias = 'cursor_at') =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ${alias}`;

/**
 * One page of a table by (created_at to the microsecond, id), newest first (or oldest first): the
 * cursor continues after the previous page's last row, so rows written meanwhile never shift a page.
 * `narrow` adds the caller's filters and scope.
 */
export async function pageByCreation(
  db: Knex,
  table: string,
  page: { limit?: number; cursor?: string; oldestFirst?: boolean },
  narrow: (query: Knex.QueryBuilder) => void,
): Promise<{ rows: any[]; nextCursor: string | null }> {
  const limit = page.limit ?? 50;
  const order = page.oldestFirst ? 'asc' : 'desc';
  const query = db(table)
    .select('*', db.raw(cursorAt('created_at')))
    .orderBy([{ column: 'created_at', order }, { column: 'id', order }])
    .limit(limit + 1);
  narrow(query);
  if (page.cursor) {
    const [at, id] = decodeCursor<[string, string]>(page.cursor, [isCursorTime, isKeyText]);
    query.whereRaw(`(created_at, id) ${page.oldestFirst ? '>' : '<'} (?::timestamptz, ?)`, [at, id]);
  }
  const rows = await query;
  const last = rows[limit - 1];
  return { rows: rows.slice(0, limit), nextCursor: rows.length > limit ? encodeCursor([last.cursor_at, last.id]) : null };
}

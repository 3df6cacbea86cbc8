import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { decodeCursor, encodeCursor, isPositiveInteger } from '../cursor';
import { iso } from '../iso-date-time';
import type { MovementsQuery } from '../schemas';

type MovementFilter = Omit<MovementsQuery, 'limit' | 'cursor'> & {
  /** Only these locations (a warehouse key's); null or absent for all. */
  locationIds?: readonly string[] | null;
};

/** Rows per query while streaming CSV: memory stays flat whatever the date range. */
const CSV_PAGE_ROWS = 1000;

const CSV_COLUMNS = ['id', 'createdAt', 'sku', 'locationId', 'kind', 'quantity', 'reasonCode', 'referenceType', 'referenceId'] as const;

/** The ledger rows the filter matches, newest first; `beforeId` continues after the last row read. */
function movementsQuery(db: Knex, filter: MovementFilter, beforeId: number | undefined, limit: number) {
  const query = db('inventory_movements').orderBy('id', 'desc').limit(limit);
  if (filter.sku) query.where({ sku: filter.sku });
  if (filter.locationId) query.where({ location_id: filter.locationId });
  if (filter.locationIds) query.whereIn('location_id', filter.locationIds);
  if (filter.createdFrom) query.where('created_at', '>=', filter.createdFrom);
  if (filter.createdTo) query.where('created_at', '<', filter.createdTo);
  if (beforeId !== undefined) query.where('id', '<', beforeId);
  return query;
}

// knex rows are untyped; this is where a movement takes the API's shape.
function movementFromRow(row: any) {
  return {
    id: Number(row.id),
    sku: row.sku as string,
    locationId: row.location_id as string,
    quantity: row.quantity as number,
    kind: row.kind as string,
    reasonCode: row.reason_code as string | null,
    referenceType: row.reference_type as string,
    referenceId: row.reference_id as string,
    createdAt: iso(row.created_at),
  };
}

export async function listMovements(db: Knex, filter: MovementFilter & { limit?: number; cursor?: string }) {
  const limit = filter.limit ?? 50;
  const beforeId = filter.cursor ? decodeCursor<[number]>(filter.cursor, [isPositiveInteger])[0] : undefined;
  const rows = await movementsQuery(db, filter, beforeId, limit + 1);
  const page = rows.slice(0, limit).map(movementFromRow);
  return { data: page, nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].id]) : null };
}

/**
 * Every matching movement as CSV, newest first, read in keyset pages of CSV_PAGE_ROWS: no
 * connection is held between pages and a long range never sits in memory.
 */
export function movementsCsv(db: Knex, filter: MovementFilter): Readable {
  async function* lines() {
    yield `${CSV_COLUMNS.join(',')}\n`;
    let beforeId: number | undefined;
    for (;;) {
      const rows = (await movementsQuery(db, filter, beforeId, CSV_PAGE_ROWS)).map(movementFromRow);
      if (rows.length > 0) yield rows.map((row) => `${CSV_COLUMNS.map((column) => csvField(row[column])).join(',')}\n`).join('');
      if (rows.length < CSV_PAGE_ROWS) return;
      beforeId = rows[rows.length - 1].id;
    }
  }
  return Readable.from(lines());
}

/**
 * RFC 4180 quoting; text a spreadsheet would run as a formula (=, +, -, @ first) is prefixed with '.
 * Numbers are written as they are, negative quantities included.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { csvStream } from './csv';

export const wantsCsv = (request: FastifyRequest) => /\btext\/csv\b/i.test(request.headers.accept ?? '');

/** Rows already in memory as the async source csvStream reads. */
export async function* each<T>(rows: readonly T[]): AsyncGenerator<T> {
  yield* rows;
}

/** Streams a CSV attachment named `<name>.csv`. */
export function sendCsv<T>(
  reply: FastifyReply,
  name: string,
  header: readonly string[],
  rows: AsyncIterable<T>,
  toFields: (row: T) => (string | number | null)[],
) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name}.csv"`)
    .send(csvStream(header, rows, toFields));
}

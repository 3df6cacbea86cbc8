import { Readable } from 'node:stream';

/** One CSV field: quoted when it holds a comma, quote or line break; a leading formula character is defused. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV document streamed row by row: the header, then each row as the source yields it. */
export function csvStream<T>(header: readonly string[], rows: AsyncIterable<T>, toFields: (row: T) => (string | number | null)[]): Readable {
  async function* lines() {
    yield `${header.join(',')}\r\n`;
    for await (const row of rows) yield `${toFields(row).map(csvField).join(',')}\r\n`;
  }
  return Readable.from(lines());
}

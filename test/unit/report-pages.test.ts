import { csvField } from '../../api/reports/csv';
import { inPages } from '../../api/reports/pages';

describe('inPages', () => {
  it('reads page after page from the last row until a short page, and yields every row once', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => i + 1);
    const asked: (number | undefined)[] = [];
    const read = async (after: number | undefined, limit: number) => {
      asked.push(after);
      return rows.filter((row) => after === undefined || row > after).slice(0, limit);
    };
    const seen: number[] = [];
    for await (const row of inPages(read, 3)) seen.push(row);
    expect(seen).toEqual(rows);
    expect(asked).toEqual([undefined, 3, 6]);
  });

  it('asks once more after a full last page and stops on the empty one', async () => {
    const asked: (number | undefined)[] = [];
    const read = async (after: number | undefined) => {
      asked.push(after);
      return after === undefined ? [1, 2] : [];
    };
    const seen: number[] = [];
    for await (const row of inPages(read, 2)) seen.push(row);
    expect(seen).toEqual([1, 2]);
    expect(asked).toEqual([undefined, 2]);
  });
});

describe('csvField', () => {
  it('quotes commas, quotes and line breaks, and defuses a leading formula character', () => {
    expect(csvField('MUG-1')).toBe('MUG-1');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvField(-5)).toBe('-5');
    expect(csvField(null)).toBe('');
  });
});

import { csvField } from '../../api/inventory/movements';

describe('CSV fields of the movements export', () => {
  it('writes plain text and numbers as they are, null as nothing', () => {
    expect(csvField('receipt')).toBe('receipt');
    expect(csvField(-3)).toBe('-3');
    expect(csvField(null)).toBe('');
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvField('found, "behind" the rack')).toBe('"found, ""behind"" the rack"');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('keeps a spreadsheet from running text as a formula', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('-1+1')).toBe("'-1+1");
  });
});

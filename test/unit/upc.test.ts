import { isValidUpcA, upcA, upcCheckDigit } from '../../domain/upc';

describe('UPC-A', () => {
  it('computes the check digit of a known barcode', () => {
    expect(upcCheckDigit('03600029145')).toBe(2);
    expect(isValidUpcA('036000291452')).toBe(true);
  });

  it('rejects a wrong check digit, letters and wrong lengths', () => {
    expect(isValidUpcA('036000291453')).toBe(false);
    expect(isValidUpcA('03600029145X')).toBe(false);
    expect(isValidUpcA('03600029145')).toBe(false);
  });

  it('completes 11 digits into a valid code', () => {
    const code = upcA('81234500001');
    expect(code).toHaveLength(12);
    expect(isValidUpcA(code)).toBe(true);
  });
});

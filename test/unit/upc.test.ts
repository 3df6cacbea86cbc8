import { gtin13, isValidBarcode, isValidEan13, isValidUpcA, upcA, upcCheckDigit } from '../../domain/upc';

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

describe('EAN-13', () => {
  it('accepts known barcodes', () => {
    expect(isValidEan13('4006381333931')).toBe(true);
    expect(isValidEan13('5901234123457')).toBe(true);
  });

  it('rejects every wrong check digit, letters and wrong lengths', () => {
    for (let digit = 0; digit <= 9; digit++) {
      if (digit !== 7) expect(isValidEan13(`590123412345${digit}`)).toBe(false);
    }
    expect(isValidEan13('590123412345X')).toBe(false);
    expect(isValidEan13('590123412345')).toBe(false);
    expect(isValidEan13('59012341234570')).toBe(false);
  });

  it('is a UPC-A with a leading zero: both forms are valid and name one barcode', () => {
    expect(isValidEan13('0036000291452')).toBe(true);
    expect(gtin13('036000291452')).toBe('0036000291452');
    expect(gtin13('0036000291452')).toBe('0036000291452');
  });
});

describe('product barcodes', () => {
  it('take UPC-A or EAN-13 and nothing else', () => {
    expect(isValidBarcode('036000291452')).toBe(true);
    expect(isValidBarcode('4006381333931')).toBe(true);
    expect(isValidBarcode('4006381333932')).toBe(false);
    expect(isValidBarcode('96385074')).toBe(false);
    expect(isValidBarcode('')).toBe(false);
  });
});

/**
 * Barcodes: UPC-A (12 digits) and EAN-13 (13 digits), each ending in a check digit over the others.
 * Both are GTINs: weighting from the right, the digit next to the check digit weighs 3, the next 1,
 * and so on. A UPC-A is the EAN-13 with a leading 0, so the two name one product.
 */
export function gtinCheckDigit(body: string): number {
  const sum = [...body].reverse().reduce((total, digit, i) => total + Number(digit) * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10;
}

/** UPC-A: 12 digits, the last a check digit over the first 11 (odd positions weigh 3). */
export function upcCheckDigit(first11: string): number {
  return gtinCheckDigit(first11);
}

export function isValidUpcA(code: string): boolean {
  return /^\d{12}$/.test(code) && gtinCheckDigit(code.slice(0, 11)) === Number(code[11]);
}

export function isValidEan13(code: string): boolean {
  return /^\d{13}$/.test(code) && gtinCheckDigit(code.slice(0, 12)) === Number(code[12]);
}

/** A barcode a product may carry: UPC-A or EAN-13 with a correct check digit. */
export function isValidBarcode(code: string): boolean {
  return isValidUpcA(code) || isValidEan13(code);
}

/** The 13-digit form both kinds share (a UPC-A gains a leading 0): what "the same barcode" means. */
export function gtin13(code: string): string {
  return code.padStart(13, '0');
}

/** Completes an 11-digit product code into a valid UPC-A (used for the demo catalog). */
export function upcA(first11: string): string {
  if (!/^\d{11}$/.test(first11)) throw new Error(`UPC-A needs 11 digits before the check digit, got "${first11}"`);
  return first11 + gtinCheckDigit(first11);
}

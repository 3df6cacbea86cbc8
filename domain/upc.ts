/** UPC-A: 12 digits, the last a check digit over the first 11 (odd positions weigh 3). */
export function upcCheckDigit(first11: string): number {
  const digits = [...first11].map(Number);
  const odd = digits.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0);
  const even = digits.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0);
  return (10 - ((odd * 3 + even) % 10)) % 10;
}

export function isValidUpcA(code: string): boolean {
  return /^\d{12}$/.test(code) && upcCheckDigit(code.slice(0, 11)) === Number(code[11]);
}

/** Completes an 11-digit product code into a valid UPC-A (used for the demo catalog). */
export function upcA(first11: string): string {
  if (!/^\d{11}$/.test(first11)) throw new Error(`UPC-A needs 11 digits before the check digit, got "${first11}"`);
  return first11 + upcCheckDigit(first11);
}

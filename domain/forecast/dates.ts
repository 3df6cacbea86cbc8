/** Calendar days as ISO dates (YYYY-MM-DD), counted in UTC so no time zone or DST shifts a day. */
import { ForecastInputError } from './errors';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** True for a real calendar date in YYYY-MM-DD form (2025-02-30 is not). */
export function isIsoDate(value: string): boolean {
  return ISO_DATE.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
}

/** The ISO date `days` days after `date`. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function assertIsoDate(value: string, field: string): void {
  if (typeof value !== 'string' || !isIsoDate(value)) throw new ForecastInputError('invalid_date', `${field} must be a date as YYYY-MM-DD, got ${String(value)}`);
}

import type { Knex } from 'knex';
import { ApiError } from '../api-error';

const DAY_MS = 86_400_000;

/**
 * The period and filters every analytics report takes. Days are UTC calendar days and both ends are
 * inclusive: `from=2024-01-01&to=2024-01-31` covers January whole, i.e. [from 00:00, to + 1 day 00:00).
 */
export interface ReportFilter {
  from: string;
  to: string;
  /** The period as instants: start inclusive, end exclusive. */
  start: Date;
  end: Date;
  days: number;
  locationId?: string;
  channel?: string;
  sku?: string;
}

export interface ReportFilterQuery {
  from?: string;
  to?: string;
  location?: string;
  channel?: string;
  sku?: string;
}

/** Without `to` the period ends today; without `from` it is 30 days long. */
export const DEFAULT_PERIOD_DAYS = 30;

const dayOf = (date: Date): string => date.toISOString().slice(0, 10);

function parseDay(name: string, value: string): Date {
  const date = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(date.getTime()) || dayOf(date) !== value) {
    throw new ApiError(400, 'invalid_date', `${name} ${value} is not a calendar date (YYYY-MM-DD)`);
  }
  return date;
}

/** The period of a request, checked against the longest range allowed; reads nothing. */
export function periodOf(query: ReportFilterQuery, maxRangeDays: number, now = new Date()): ReportFilter {
  const toDay = query.to ? parseDay('to', query.to) : parseDay('to', dayOf(now));
  const fromDay = query.from ? parseDay('from', query.from) : new Date(toDay.getTime() - (DEFAULT_PERIOD_DAYS - 1) * DAY_MS);
  if (toDay.getTime() < fromDay.getTime()) {
    throw new ApiError(422, 'invalid_date_range', `to ${dayOf(toDay)} is before from ${dayOf(fromDay)}`);
  }
  const days = Math.round((toDay.getTime() - fromDay.getTime()) / DAY_MS) + 1;
  if (days > maxRangeDays) {
    throw new ApiError(422, 'date_range_too_long', `the period covers ${days} days; reports cover at most ${maxRangeDays}`, { maxRangeDays });
  }
  return {
    from: dayOf(fromDay),
    to: dayOf(toDay),
    start: fromDay,
    end: new Date(toDay.getTime() + DAY_MS),
    days,
    locationId: query.location,
    channel: query.channel,
    sku: query.sku,
  };
}

/** The period of equal length just before this one, for comparisons. */
export function previousPeriod(filter: ReportFilter): ReportFilter {
  const start = new Date(filter.start.getTime() - filter.days * DAY_MS);
  return { ...filter, from: dayOf(start), to: dayOf(new Date(filter.start.getTime() - DAY_MS)), start, end: filter.start };
}

/**
 * Refuses a location, channel or SKU the engine has never heard of (422), before any report runs:
 * a typo must not read as "nothing happened". A channel is known once an order has used it.
 */
export async function assertKnownFilters(db: Knex, filter: Pick<ReportFilter, 'locationId' | 'channel' | 'sku'>): Promise<void> {
  if (filter.locationId && !(await db('locations').where({ id: filter.locationId }).first('id'))) {
    throw new ApiError(422, 'unknown_location', `location ${filter.locationId} does not exist`);
  }
  if (filter.channel && !(await db('orders').where({ channel: filter.channel }).first('id'))) {
    throw new ApiError(422, 'unknown_channel', `no order was ever placed through channel ${filter.channel}`);
  }
  if (filter.sku && !(await db('products').where({ sku: filter.sku }).first('sku'))) {
    throw new ApiError(422, 'unknown_sku', `sku ${filter.sku} does not exist`);
  }
}

import type { Knex } from 'knex';
import type { ReportFilter } from './filters';

export const INTERVALS = ['day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

/**
 * The UTC day that starts the day, week (Monday) or month a timestamp column falls in, as SQL text
 * (YYYY-MM-DD). `interval` is one of INTERVALS, checked by the route schema, so it is safe to inline.
 */
export const bucketSql = (interval: Interval, column: string) =>
  `to_char(date_trunc('${interval}', ${column} AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`;

/** Every bucket the period touches, first to last (the first may start before `from`). */
export async function bucketsOf(db: Knex, filter: Pick<ReportFilter, 'start' | 'end'>, interval: Interval): Promise<string[]> {
  const result = await db.raw(
    `SELECT to_char(b, 'YYYY-MM-DD') AS bucket
       FROM generate_series(date_trunc('${interval}', ?::timestamptz AT TIME ZONE 'UTC'),
                            (?::timestamptz AT TIME ZONE 'UTC') - interval '1 day', interval '1 ${interval}') b`,
    [filter.start, filter.end],
  );
  return result.rows.map((row: { bucket: string }) => row.bucket);
}

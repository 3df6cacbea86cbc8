import type { Knex } from 'knex';
import { computeAvailability, loadPolicies } from '../activities/availability';
import { kitsContaining } from './kits';

/**
 * 11. Channel availability: a published number is never above what the channel's policy allows for
 * the stock as it is now. Published numbers lag by design, so only SKUs without a dirty mark are
 * compared (nor kits of a marked component): every committed change of theirs has been published.
 * One repeatable-read snapshot for every read.
 */
export async function publishedAvailabilityWithinPolicy(db: Knex): Promise<string[]> {
  return db.transaction(
    async (trx) => {
      const marked: string[] = await trx('availability_dirty').distinct('sku').pluck('sku');
      const lagging = new Set([...marked, ...(await kitsContaining(trx, marked))]);
      const published: { channel: string; sku: string; available: number }[] = (
        await trx('channel_availability').orderBy(['channel', 'sku']).select('channel', 'sku', 'available')
      ).filter((row: { sku: string }) => !lagging.has(row.sku));
      if (published.length === 0) return [];
      const allowed = new Map(
        (await computeAvailability(trx, await loadPolicies(trx), [...new Set(published.map((row) => row.sku))])).map((row) => [
          `${row.channel}|${row.sku}`,
          row.available,
        ]),
      );
      return published
        .filter((row) => row.available > (allowed.get(`${row.channel}|${row.sku}`) ?? 0))
        .map(
          (row) =>
            `invariant 11 (channel availability): ${row.sku} is published at ${row.available} on ${row.channel}, ` +
            `but its policy allows ${allowed.get(`${row.channel}|${row.sku}`) ?? 0} for the stock now`,
        );
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}

import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import { incomingUnits } from '../api/purchasing/incoming';
import { kitsContaining, loadKitRecipes } from '../db/kits';
import { availableToSell, type ChannelStockPolicy, kitLocations, type LocationStock, type SupplierStock } from '../domain/availability';
import { supplierStockFor, type SupplierStockReport } from '../db/supplier-stock';
import { stockedComponents } from '../domain/kits';
import { emitEvent } from './outbound-events';

/** Dirty marks taken per transaction, and transactions per run: a backlog is worked off over runs. */
const BATCH = 500;
const BATCHES_PER_RUN = 20;
/**
 * One publisher at a time, so a later publication never reads older stock than an earlier one.
 * Readers take it shared for the moment they fix their `asOf` (api/routes/channels.ts).
 */
export const PUBLISHER_LOCK = 240_024;

export interface PublishedAvailability {
  skus: number;
  changed: number;
}

export function availabilityActivities(db: Knex) {
  return {
    /**
     * Run by the webhook dispatcher before it dispatches: takes the SKUs marked dirty since the last
     * run, publishes each channel's new ATS and emits one `inventory.available_changed` per changed
     * (channel, sku). However often a SKU changed since the last run, it is published once.
     */
    async publishChannelAvailability(): Promise<PublishedAvailability> {
      const published: PublishedAvailability = { skus: 0, changed: 0 };
      for (let batch = 0; batch < BATCHES_PER_RUN; batch += 1) {
        const { marks, skus, changed } = await publishBatch(db);
        published.skus += skus;
        published.changed += changed;
        Context.current().heartbeat();
        if (marks < BATCH) break;
      }
      return published;
    },
  };
}

/**
 * One transaction: deletes every mark of the oldest marks' SKUs, then reads their stock (a mark
 * commits with its change, so every change whose mark is deleted here is read) and publishes it.
 * Rolled back on failure, marks included.
 */
async function publishBatch(db: Knex): Promise<{ marks: number; skus: number; changed: number }> {
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(?)', [PUBLISHER_LOCK]);
    // Stamped after the lock, so every change is later than the asOf of any reader before it.
    const { rows: [{ at }] } = await trx.raw('SELECT clock_timestamp()::text AS at');
    const { rows } = await trx.raw(
      `DELETE FROM availability_dirty WHERE sku IN (SELECT sku FROM availability_dirty ORDER BY id LIMIT ?) RETURNING sku`,
      [BATCH],
    );
    const marked = [...new Set((rows as { sku: string }[]).map((row) => row.sku))];
    if (marked.length === 0) return { marks: 0, skus: 0, changed: 0 };
    const skus = [...new Set([...marked, ...(await kitsContaining(trx, marked))])].sort();
    return { marks: rows.length, skus: skus.length, changed: await publish(trx, skus, at) };
  });
}

/** Writes the ATS of these SKUs at every channel with a policy; answers how many numbers changed. */
async function publish(trx: Knex.Transaction, skus: string[], at: string): Promise<number> {
  const policies = await loadPolicies(trx);
  if (policies.size === 0) return 0;
  const computed = await computeAvailability(trx, policies, skus);
  const previous = new Map<string, { available: number; version: number }>(
    (await trx('channel_availability').whereIn('sku', skus).select('channel', 'sku', 'available', 'version')).map((row: any) => [
      `${row.channel}|${row.sku}`,
      { available: row.available, version: row.version },
    ]),
  );
  const changes = computed.filter((row) => previous.get(`${row.channel}|${row.sku}`)?.available !== row.available);
  if (changes.length === 0) return 0;
  const written = changes.map((row) => {
    const before = previous.get(`${row.channel}|${row.sku}`);
    return { ...row, previous: before?.available ?? 0, version: (before?.version ?? 0) + 1 };
  });
  await trx('channel_availability')
    .insert(written.map(({ channel, sku, available, version }) => ({ channel, sku, available, version, changed_at: at })))
    .onConflict(['channel', 'sku'])
    .merge(['available', 'version', 'changed_at']);
  // A SKU first published at 0 was not on offer before either: nothing to announce.
  for (const row of written.filter((row) => row.available !== row.previous)) {
    await emitEvent(trx, {
      type: 'inventory.available_changed',
      key: `available_changed:${row.channel}:${row.sku}:${row.version}:${row.available}`,
      data: { channel: row.channel, sku: row.sku, available: row.available, previous: row.previous, version: row.version },
    });
  }
  return written.length;
}

export async function loadPolicies(db: Knex, channels?: string[]): Promise<Map<string, ChannelStockPolicy>> {
  const query = db('channel_stock_policies').orderBy('channel');
  if (channels) query.whereIn('channel', channels);
  return new Map((await query).map((row: any) => [row.channel, policyOf(row)]));
}

export function policyOf(row: any): ChannelStockPolicy {
  return {
    locationIds: row.location_ids,
    bufferUnits: row.buffer_units,
    bufferPercent: Number(row.buffer_percent),
    capUnits: row.cap_units,
    includeIncoming: row.include_incoming,
    includeDropship: row.include_dropship,
    requireFreshSupplierStock: row.require_fresh_supplier_stock,
  };
}

/**
 * ATS of these SKUs under each policy, from the stock as it is now: inactive products sell nothing,
 * kits sell whole kits of their components.
 */
export async function computeAvailability(
  db: Knex,
  policies: ReadonlyMap<string, ChannelStockPolicy>,
  skus: readonly string[],
): Promise<{ channel: string; sku: string; available: number }[]> {
  const products: { sku: string; kind: string; active: boolean }[] = await db('products').whereIn('sku', skus).select('sku', 'kind', 'active');
  const recipes = await loadKitRecipes(db, products.filter((product) => product.kind === 'kit').map((product) => product.sku));
  const components = new Map(products.map((product) => [product.sku, stockedComponents(product.sku, recipes)]));
  const stocked = [...new Set([...components.values()].flat().map((component) => component.sku))];
  const locations = await locationStock(db, stocked);
  const dropshipAt = new Map<string, string[]>(
    (await db('dropship_products').whereIn('sku', skus).select('sku', 'channels')).map((row: any) => [row.sku, row.channels]),
  );
  const reported = await supplierStockFor(db, [...dropshipAt.keys()], new Date());
  const rows: { channel: string; sku: string; available: number }[] = [];
  for (const product of products) {
    const parts = components.get(product.sku)!;
    const stock =
      product.kind === 'kit'
        ? kitLocations(parts.map((part) => ({ quantity: part.quantity, locations: locations.get(part.sku) ?? [] })))
        : (locations.get(product.sku) ?? []);
    const dropshipChannels = dropshipAt.get(product.sku);
    for (const [channel, policy] of policies) {
      const dropship = dropshipChannels !== undefined && (dropshipChannels.length === 0 || dropshipChannels.includes(channel));
      const supplierStock = dropship ? asSupplierStock(reported.get(product.sku)) : undefined;
      const available = product.active ? availableToSell(policy, { dropship, locations: stock, supplierStock }) : 0;
      rows.push({ channel, sku: product.sku, available });
    }
  }
  return rows;
}

/** A supplier without a limit offers this many, unless the channel's cap is lower. */
export const UNLIMITED_SUPPLIER_UNITS = 1_000_000;

/** A product its supplier never reported offers nothing. */
function asSupplierStock(report: SupplierStockReport | undefined): SupplierStock | undefined {
  if (!report?.reportedAt) return undefined;
  return { units: report.quantity ?? UNLIMITED_SUPPLIER_UNITS, fresh: report.fresh };
}

/** Each SKU's stock per location, with the location's kind and whether it is active. */
async function locationStock(db: Knex, skus: string[]): Promise<Map<string, LocationStock[]>> {
  if (skus.length === 0) return new Map();
  const [levels, incoming] = await Promise.all([
    db('inventory_levels as l')
      .join('locations as loc', 'loc.id', 'l.location_id')
      .whereIn('l.sku', skus)
      .orderBy(['l.sku', 'l.location_id'])
      .select('l.sku', 'l.location_id', 'l.on_hand', 'l.reserved', 'loc.kind', 'loc.active'),
    incomingUnits(db, skus),
  ]);
  const bySku = new Map<string, LocationStock[]>();
  for (const level of levels as any[]) {
    const stock: LocationStock = {
      locationId: level.location_id,
      kind: level.kind,
      active: level.active,
      onHand: level.on_hand,
      reserved: level.reserved,
      incoming: incoming.get(`${level.sku}|${level.location_id}`) ?? 0,
    };
    bySku.set(level.sku, [...(bySku.get(level.sku) ?? []), stock]);
  }
  return bySku;
}

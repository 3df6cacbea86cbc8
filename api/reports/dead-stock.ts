import type { Knex } from 'knex';
import { rawWithoutJit } from './without-jit';

export interface DeadStockFilter {
  /** Stock with no outbound movement for this many days. */
  days: number;
  now: Date;
  locationId?: string;
  sku?: string;
}

export interface AgeBucket {
  units: number;
  valueCents: number;
}

export interface DeadStockLine {
  sku: string;
  locationId: string;
  /** On hand: our own units and consigned ones. */
  units: number;
  /** Our own units at the cost of the layers they remain in; consigned units count for nothing. */
  valueCents: number;
  consignedUnits: number;
  /** The last shipment or transfer out of this SKU here; null when it never left. */
  lastOutboundAt: Date | null;
  /** Days since the last outbound movement, or since the first movement in when nothing ever left. */
  idleDays: number;
  /** What remains of the layers by their receipt date. */
  ages: { days0to30: AgeBucket; days31to90: AgeBucket; days91to180: AgeBucket; over180: AgeBucket };
}

const AGE_DAYS = 'floor(extract(epoch FROM (:now::timestamptz - c.received_at)) / 86400)';

/** Remaining units (own and consigned) and own value of the layers whose age in days meets `condition`. */
const ageBucket = (name: string, condition: string) =>
  `coalesce(sum(c.remaining) FILTER (WHERE ${AGE_DAYS} ${condition}), 0)::int AS units_${name},
   coalesce(sum(c.remaining::bigint * c.unit_cost_cents) FILTER (WHERE c.owner_id IS NULL AND ${AGE_DAYS} ${condition}), 0)::bigint AS value_${name}`;

/**
 * Stock on hand (SKU per location) that nothing has taken out (shipment or transfer out) for
 * `days` days: idle since its last outbound movement or, when nothing ever left, since stock first
 * came in. Value and ages come from the cost layers' remaining units, so they match the valuation.
 */
export async function deadStockLines(db: Knex, filter: DeadStockFilter): Promise<DeadStockLine[]> {
  const result = await rawWithoutJit(db, 
    `SELECT l.sku, l.location_id, l.on_hand AS units, o.last_outbound_at,
            floor(extract(epoch FROM (:now::timestamptz - coalesce(o.last_outbound_at, f.first_in_at))) / 86400)::int AS idle_days,
            v.*
       FROM inventory_levels l
       LEFT JOIN LATERAL (SELECT max(m.created_at) AS last_outbound_at FROM inventory_movements m
                           WHERE m.sku = l.sku AND m.location_id = l.location_id AND m.kind IN ('shipment', 'transfer_out')
                             AND m.created_at <= :now) o ON true
       LEFT JOIN LATERAL (SELECT min(m.created_at) AS first_in_at FROM inventory_movements m
                           WHERE m.sku = l.sku AND m.location_id = l.location_id AND m.quantity > 0) f ON true
       LEFT JOIN LATERAL (
         SELECT coalesce(sum(c.remaining::bigint * c.unit_cost_cents) FILTER (WHERE c.owner_id IS NULL), 0)::bigint AS value_cents,
                coalesce(sum(c.remaining) FILTER (WHERE c.owner_id IS NOT NULL), 0)::int AS consigned_units,
                ${ageBucket('0_30', '<= 30')},
                ${ageBucket('31_90', 'BETWEEN 31 AND 90')},
                ${ageBucket('91_180', 'BETWEEN 91 AND 180')},
                ${ageBucket('over_180', '> 180')}
           FROM cost_layers c
          WHERE c.sku = l.sku AND c.location_id = l.location_id AND c.remaining > 0) v ON true
      WHERE l.on_hand > 0
        AND coalesce(o.last_outbound_at, f.first_in_at) <= :now::timestamptz - make_interval(days => :days)
        ${filter.locationId ? 'AND l.location_id = :locationId' : ''}
        ${filter.sku ? 'AND l.sku = :sku' : ''}
      ORDER BY value_cents DESC, l.sku, l.location_id`,
    { now: filter.now, days: filter.days, locationId: filter.locationId ?? null, sku: filter.sku ?? null },
  );
  return result.rows.map((row: Record<string, string | number | Date | null>): DeadStockLine => {
    const age = (units: string, value: string) => ({ units: Number(row[units]), valueCents: Number(row[value]) });
    return {
      sku: row.sku as string,
      locationId: row.location_id as string,
      units: Number(row.units),
      valueCents: Number(row.value_cents),
      consignedUnits: Number(row.consigned_units),
      lastOutboundAt: row.last_outbound_at as Date | null,
      idleDays: Number(row.idle_days),
      ages: {
        days0to30: age('units_0_30', 'value_0_30'),
        days31to90: age('units_31_90', 'value_31_90'),
        days91to180: age('units_91_180', 'value_91_180'),
        over180: age('units_over_180', 'value_over_180'),
      },
    };
  });
}

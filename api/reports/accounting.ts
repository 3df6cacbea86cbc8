import type { Knex } from 'knex';
import type { ValueMovement } from '../../domain/accounting';
import type { ReportFilter } from './filters';
import { rawWithoutJit } from './without-jit';

/**
 * The value that moved in or out of stock in the period, per UTC day, ledger kind, direction and
 * consignment owner: cost layers received (in) and cost consumptions taken (out), the same rows the
 * valuation report folds, so the inventory asset account moves exactly as the valuation does.
 * Consigned layers coming in are worth nothing to us and are left out here.
 */
export async function valueMovements(db: Knex, filter: Pick<ReportFilter, 'start' | 'end' | 'locationId'>): Promise<ValueMovement[]> {
  const atLocation = filter.locationId ? 'AND l.location_id = :locationId' : '';
  const result = await rawWithoutJit(db, 
    `SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, kind, direction, owner_id, sum(value) AS value
       FROM (
         SELECT l.received_at AS at, coalesce(m.kind, 'opening') AS kind, 'in' AS direction, l.owner_id,
                l.quantity::bigint * l.unit_cost_cents AS value
           FROM cost_layers l LEFT JOIN inventory_movements m ON m.id = l.movement_id
          WHERE l.owner_id IS NULL AND l.received_at >= :start AND l.received_at < :end ${atLocation}
         UNION ALL
         SELECT c.consumed_at, m.kind, 'out', c.owner_id, c.quantity::bigint * c.unit_cost_cents
           FROM cost_consumptions c
           JOIN inventory_movements m ON m.id = c.movement_id
           JOIN cost_layers l ON l.id = c.layer_id
          WHERE c.consumed_at >= :start AND c.consumed_at < :end ${atLocation}
       ) moved
      GROUP BY 1, 2, 3, 4
      ORDER BY 1, 2, 3, 4 NULLS FIRST`,
    { start: filter.start, end: filter.end, locationId: filter.locationId ?? null },
  );
  return result.rows.map((row: { day: string; kind: string; direction: 'in' | 'out'; owner_id: string | null; value: string }) => ({
    day: row.day,
    kind: row.kind,
    direction: row.direction,
    ownerId: row.owner_id,
    valueCents: Number(row.value),
  }));
}

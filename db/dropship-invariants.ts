import type { Knex } from 'knex';
import { hasShipped } from '../domain/status';
import { SHIPMENT_STATUSES } from '../domain/types';

/** A dropship shipment counts as sent by its supplier from SHIPPED on (LOST included: it was sent and is owed). */
const SENT_STATUSES = SHIPMENT_STATUSES.filter(hasShipped);

/**
 * 10. Dropship. A supplier's shipment never holds our stock (no reservation, no ledger row); every
 *     one it sent has exactly one payable and no other has any; a payable's lines are the shipment's
 *     lines and its amount is their quantity times unit cost.
 */
export async function dropshipShipmentsMatchPayables(db: Knex): Promise<string[]> {
  const found: string[] = [];
  const holding = await db.raw(
    `SELECT s.id, count(DISTINCT r.id) AS reservations, count(DISTINCT m.id) AS movements
       FROM shipments s
       LEFT JOIN reservations r ON r.shipment_id = s.id
       LEFT JOIN inventory_movements m ON m.reference_type = 'shipment' AND m.reference_id = s.id
      WHERE s.supplier_id IS NOT NULL
      GROUP BY s.id
     HAVING count(DISTINCT r.id) > 0 OR count(DISTINCT m.id) > 0`,
  );
  for (const row of holding.rows as { id: string; reservations: string; movements: string }[]) {
    found.push(`invariant 10 (dropship): shipment ${row.id} is a supplier's but holds ${row.reservations} reservation(s) and ${row.movements} ledger row(s)`);
  }

  const shipments: { id: string; status: string; payable_amount: string | null; payable_lines: PayableLine[] | null; lines: ShipmentLine[] }[] = (
    await db.raw(
      `SELECT s.id, s.status, p.amount_cents AS payable_amount, p.lines AS payable_lines,
              (SELECT coalesce(json_agg(json_build_object('sku', sl.sku, 'quantity', sl.quantity)), '[]') FROM shipment_lines sl WHERE sl.shipment_id = s.id) AS lines
         FROM shipments s LEFT JOIN supplier_payables p ON p.shipment_id = s.id
        WHERE s.supplier_id IS NOT NULL OR p.id IS NOT NULL`,
    )
  ).rows;
  for (const shipment of shipments) {
    const sent = (SENT_STATUSES as string[]).includes(shipment.status);
    if (sent !== (shipment.payable_amount !== null)) {
      found.push(`invariant 10 (dropship): shipment ${shipment.id} is ${shipment.status} but has ${shipment.payable_amount === null ? 'no' : 'a'} payable`);
      continue;
    }
    if (!shipment.payable_lines) continue;
    const owed = shipment.payable_lines.reduce((sum, line) => sum + line.quantity * line.unitCostCents, 0);
    if (owed !== Number(shipment.payable_amount)) {
      found.push(`invariant 10 (dropship): payable of shipment ${shipment.id} is ${shipment.payable_amount} cents but its lines come to ${owed}`);
    }
    const units = (lines: { sku: string; quantity: number }[]) => lines.map((line) => `${line.sku}x${line.quantity}`).sort().join(',');
    if (units(shipment.payable_lines) !== units(shipment.lines)) {
      found.push(`invariant 10 (dropship): payable of shipment ${shipment.id} owes for ${units(shipment.payable_lines)} but it carried ${units(shipment.lines)}`);
    }
  }
  return found;
}

interface PayableLine {
  sku: string;
  quantity: number;
  unitCostCents: number;
}

interface ShipmentLine {
  sku: string;
  quantity: number;
}

import type { Knex } from 'knex';
import type { LostResolution } from '../domain/types';
import type { StockWaker } from './backorders';
import { releaseActive, reservedSkus } from './inventory';
import { writeShipmentStatus } from './shipments';

/**
 * How a shipment ends without being delivered. Each gives back the stock it still holds (waking the
 * orders waiting for it) and is safe to repeat: the row's status decides whether anything is left to do.
 */
export function shipmentEndingActivities(db: Knex, wake: StockWaker) {
  async function endBeforeShipping(
    input: { shipmentId: string; orderId: string },
    status: 'CANCELLED' | 'FAILED',
    detail: Record<string, unknown>,
  ): Promise<void> {
    await db.transaction(async (trx) => {
      await releaseActive(trx, input.orderId, input.shipmentId);
      await writeShipmentStatus(trx, input, status, detail);
    });
    await wake(`release:${input.shipmentId}`, await reservedSkus(db, { shipment_id: input.shipmentId }));
  }

  return {
    /** Cancelled before it left: its stock goes back to available. */
    async cancelShipment(input: { shipmentId: string; orderId: string; reason: string }): Promise<void> {
      await endBeforeShipping(input, 'CANCELLED', { reason: input.reason });
    },

    /** Refused for good (carrier, payment) or its carrier unreachable past the bound. */
    async failShipment(input: { shipmentId: string; orderId: string; reason: string; detail?: string }): Promise<void> {
      await db('shipments').where({ id: input.shipmentId }).update({ failure_reason: input.reason });
      await endBeforeShipping(input, 'FAILED', { reason: input.reason, ...(input.detail ? { detail: input.detail } : {}) });
    },

    /**
     * The parcel will not arrive: its units stop counting as shipped (qty_lost instead), so a
     * replacement can ship them again and invariant 3 still holds. Once per shipment.
     */
    async markShipmentLost(input: { shipmentId: string; orderId: string; resolution: LostResolution; reason: string }): Promise<void> {
      await db.transaction(async (trx) => {
        const shipment = await trx('shipments').where({ id: input.shipmentId }).forUpdate().first('status');
        if (shipment.status === 'LOST') return;
        const lines = await trx('shipment_lines').where({ shipment_id: input.shipmentId }).orderBy('line_no');
        for (const line of lines) {
          await trx('order_lines')
            .where({ order_id: input.orderId, line_no: line.line_no })
            .update({ qty_shipped: trx.raw('qty_shipped - ?', [line.quantity]), qty_lost: trx.raw('qty_lost + ?', [line.quantity]) });
        }
        await trx('shipments').where({ id: input.shipmentId }).update({ lost_resolution: input.resolution });
        await writeShipmentStatus(trx, input, 'LOST', { reason: input.reason, resolution: input.resolution });
      });
    },
  };
}

import { ApplicationFailure } from '@temporalio/common';
import type { DropshipShipmentInput } from '../../workflows/definitions';
import { BusinessFailure } from '../../workflows/definitions';

/** How the fake supplier answers: every placement refused until `refusals` runs out, then accepted. */
export interface FakeSupplier {
  refusals: number;
  /** A cancel finds the parcel already shipped. */
  alreadyShipped: boolean;
  deliveryWithinHours: number;
}

export function fakeSupplier(overrides: Partial<FakeSupplier> = {}): FakeSupplier {
  return { refusals: 0, alreadyShipped: false, deliveryWithinHours: 48, ...overrides };
}

/** In-memory dropship activities for workflow tests: the supplier's answers come from the FakeSupplier. */
export function fakeDropshipActivities(
  supplier: FakeSupplier,
  record: (name: 'placeDropshipOrder' | 'cancelDropshipOrder' | 'recordDropshipShipped', input: unknown) => Promise<void>,
) {
  return {
    async placeDropshipOrder(input: DropshipShipmentInput) {
      await record('placeDropshipOrder', input);
      if (supplier.refusals > 0) {
        supplier.refusals -= 1;
        throw ApplicationFailure.create({ type: BusinessFailure.supplierRefused, nonRetryable: true, message: 'out of stock' });
      }
      return { supplierOrderId: `so-${input.shipmentId}`, deliveryWithinHours: supplier.deliveryWithinHours, lostAfterHours: 72, lostResolution: 'refund' as const };
    },
    async cancelDropshipOrder(input: { shipmentId: string }) {
      await record('cancelDropshipOrder', input);
      return supplier.alreadyShipped ? ('shipped' as const) : ('cancelled' as const);
    },
    async recordDropshipShipped(input: { shipmentId: string; orderId: string; supplierId: string; trackingNumber: string; carrier: string }) {
      await record('recordDropshipShipped', input);
    },
  };
}

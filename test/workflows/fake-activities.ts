import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { ReservationResult, ReserveStockInput } from '../../activities/inventory';
import { allocate } from '../../domain/allocation';
import type { FulfillmentMode } from '../../domain/types';

/**
 * In-memory stand-ins for the activities, for workflow tests on the time-skipping server:
 * the workflow logic is under test here; the real activities are covered by integration tests.
 */
export interface FakeWorld {
  /** locationId -> sku -> available units */
  stock: Record<string, Record<string, number>>;
  modes: Record<string, FulfillmentMode>;
  declineTokens: boolean;
  deliveryWithinHours: number;
  /** The carrier already picked the parcel up, so its label cannot be voided. */
  carrierHasParcel: boolean;
  /** How the carrier answers label purchases: ok, refuses the parcel for good, or is unreachable. */
  carrier: 'ok' | 'refuses' | 'down';
  /** The gateway declines every capture (an expired authorization). */
  declineCaptures: boolean;
  lostAfterHours: number;
  /** Activity name -> arguments of each call, in order. */
  calls: Record<string, unknown[]>;
  /** Activity name -> promise the activity waits for before it returns (to stage races). */
  gates: Record<string, Promise<void>>;
}

export function fakeWorld(overrides: Partial<FakeWorld> = {}): FakeWorld {
  return {
    stock: { 'WH-A': {} },
    modes: { 'WH-A': 'auto' },
    declineTokens: false,
    deliveryWithinHours: 48,
    carrierHasParcel: false,
    carrier: 'ok',
    declineCaptures: false,
    lostAfterHours: 72,
    calls: {},
    gates: {},
    ...overrides,
  };
}

export function callsOf<T = Record<string, unknown>>(world: FakeWorld, name: keyof Activities): T[] {
  return (world.calls[name] ?? []) as T[];
}

export function fakeActivities(world: FakeWorld): Activities {
  const record = async (name: keyof Activities, input: unknown) => {
    (world.calls[name] ??= []).push(input);
    await world.gates[name];
  };
  const reservations = new Map<string, ReservationResult>();

  const activities: Activities = {
    async reserveStock(input: ReserveStockInput) {
      await record('reserveStock', input);
      const key = `${input.orderId}:${input.allocationNo}`;
      const previous = reservations.get(key);
      if (previous) return previous;
      const stock = Object.entries(world.stock).map(([locationId, available], index) => ({
        locationId,
        priority: index,
        available,
      }));
      const plan = allocate(input.lines, stock, input.allowPartial);
      for (const allocation of plan.allocations) {
        for (const line of allocation.lines) world.stock[allocation.locationId][line.sku] -= line.quantity;
      }
      const result: ReservationResult = {
        shortfall: plan.shortfall,
        allocations: plan.allocations.map((allocation) => ({
          locationId: allocation.locationId,
          fulfillmentMode: world.modes[allocation.locationId] ?? 'auto',
          lines: allocation.lines.map((line) => ({ ...line, upc: upcOf(line.sku), name: line.sku, bin: 'A-01-01' })),
        })),
      };
      reservations.set(key, result);
      return result;
    },
    async releaseReservations(input) {
      await record('releaseReservations', input);
      return 0;
    },
    async recordOrderStatus(input) {
      await record('recordOrderStatus', input);
    },
    async authorizePayment(input) {
      await record('authorizePayment', input);
      return world.declineTokens
        ? { approved: false, declineCode: 'card_declined', message: 'payment declined: card_declined' }
        : { approved: true, authorizationId: `auth_${input.orderId}`, amountCents: input.amountCents };
    },
    async capturePayment(input) {
      await record('capturePayment', input);
      return world.declineCaptures ? { approved: false, declineCode: 'authorization_expired' } : { approved: true };
    },
    async refundShipment(input) {
      await record('refundShipment', input);
    },
    async settlePayment(input) {
      await record('settlePayment', input);
      return { voidedCents: 0, refundedCents: 0 };
    },
    async createShipment(input) {
      await record('createShipment', input);
      return { lostAfterHours: world.lostAfterHours, lostResolution: 'refund' };
    },
    async recordShipmentStatus(input) {
      await record('recordShipmentStatus', input);
    },
    async buyLabel(input) {
      await record('buyLabel', input);
      if (world.carrier === 'refuses') {
        throw ApplicationFailure.create({ type: 'carrier_refused', message: 'parcel_too_heavy', nonRetryable: true });
      }
      if (world.carrier === 'down') throw new Error('connect ECONNREFUSED carrier');
      return {
        trackingNumber: `SBX-${input.shipmentId}`,
        labelUrl: `https://labels.invalid/${input.shipmentId}`,
        deliveryWithinHours: world.deliveryWithinHours,
        earlyEvents: [],
      };
    },
    async voidLabel(input) {
      await record('voidLabel', input);
      return world.carrierHasParcel ? 'in_use' : 'voided';
    },
    async shipShipment(input) {
      await record('shipShipment', input);
    },
    async cancelShipment(input) {
      await record('cancelShipment', input);
    },
    async failShipment(input) {
      await record('failShipment', input);
    },
    async markShipmentLost(input) {
      await record('markShipmentLost', input);
    },
    async recordTrackingEvents(input) {
      await record('recordTrackingEvents', input);
    },
    async markShipmentOverdue(input) {
      await record('markShipmentOverdue', input);
    },
    async wakeBackorderedOrders(input) {
      await record('wakeBackorderedOrders', input);
      return { woken: 0 };
    },
    async sweepUnstartedWork(input) {
      await record('sweepUnstartedWork', input);
      return { orders: 0, receipts: 0 };
    },
  };
  return activities;
}

/** A stable fake barcode per SKU, so scans can be addressed in tests. */
export function upcOf(sku: string): string {
  let hash = 0;
  for (const char of sku) hash = (hash * 31 + char.charCodeAt(0)) % 100_000_000_000;
  return String(hash).padStart(12, '0');
}

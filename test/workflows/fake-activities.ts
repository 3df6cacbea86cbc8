import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { ReplacementLine } from '../../activities/exchanges';
import type { ReservationResult, ReserveStockInput } from '../../activities/inventory';
import type { ReceiveReturnInput } from '../../activities/return-receipt';
import type { ExchangedUnits } from '../../activities/return-refunds';
import type { ReturnStatusChange } from '../../activities/returns';
import { allocate } from '../../domain/allocation';
import type { CarrierEvent, FulfillmentMode } from '../../domain/types';
import type { OrderInput } from '../../workflows/definitions';
import { fakeDropshipActivities, type FakeSupplier, fakeSupplier } from './fake-dropship-activities';
import { fakeForecastActivities } from './fake-forecast-activities';
import { fakePurchaseOrderActivities } from './fake-purchase-order-activities';
import { fakeReplenishmentActivities } from './fake-replenishment-activities';
import { fakeSupplierFeedActivities } from './fake-supplier-feed-activities';
import { fakeTransferActivities } from './fake-transfer-activities';
import { fakeWebhookActivities } from './fake-webhook-activities';

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
  /** Returns: return line -> today's price of its exchange SKU; what a refund comes to; whether the gateway refuses it. */
  exchangePrices: Record<number, number>;
  refundCents: number;
  refusesRefunds: boolean;
  /** Applying an approved adjustment finds the stock below reserved. */
  adjustmentBelowReserved?: boolean;
  /** The dropship supplier. */
  supplier: FakeSupplier;
  /** Carrier events that arrived before the label was stored, which buyLabel picks up. */
  labelEarlyEvents: CarrierEvent[];
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
    exchangePrices: {},
    refundCents: 1500,
    refusesRefunds: false,
    supplier: fakeSupplier(),
    labelEarlyEvents: [],
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
        earlyEvents: world.labelEarlyEvents,
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
      return { orders: 0, receipts: 0, returns: 0 };
    },
    // Adjustments: applying succeeds unless the world says the stock is below reserved now.
    async applyAdjustment(input) {
      await record('applyAdjustment', input);
      return world.adjustmentBelowReserved ? { status: 'PENDING_APPROVAL', refusal: 'below_reserved' } : { status: 'APPLIED' };
    },
    async closeAdjustment(input) {
      await record('closeAdjustment', input);
      return input.status;
    },
    async wakeForAdjustment(input) {
      await record('wakeForAdjustment', input);
    },
    async planCycleCounts(input) {
      await record('planCycleCounts', input);
      return { locations: 0, tasksCreated: 0 };
    },
    ...fakeReturnActivities(world, record),
    ...fakeTransferActivities(record),
    ...fakeDropshipActivities(world.supplier, record),
    ...fakePurchaseOrderActivities(record),
    ...fakeReplenishmentActivities(record),
    ...fakeWebhookActivities(record),
    ...fakeForecastActivities(record),
    ...fakeSupplierFeedActivities(record),
  };
  return activities;
}

type Recorder = (name: keyof Activities, input: unknown) => Promise<void>;

/** The return workflow's activities: the carrier and gateway answer as the world says; amounts are the world's. */
function fakeReturnActivities(world: FakeWorld, record: Recorder) {
  return {
    async recordReturnStatus(input: ReturnStatusChange) {
      await record('recordReturnStatus', input);
    },
    async buyReturnLabel(input: { returnId: string }) {
      await record('buyReturnLabel', input);
      if (world.carrier === 'refuses') {
        throw ApplicationFailure.create({ type: 'carrier_refused', message: 'address_not_served', nonRetryable: true });
      }
      if (world.carrier === 'down') throw new Error('connect ECONNREFUSED carrier');
      return { trackingNumber: `SBX-${input.returnId}`, labelUrl: `https://labels.invalid/${input.returnId}`, earlyEvents: [] };
    },
    async voidReturnLabel(input: { returnId: string }) {
      await record('voidReturnLabel', input);
      return world.carrierHasParcel ? ('in_use' as const) : ('voided' as const);
    },
    async receiveReturn(input: ReceiveReturnInput) {
      await record('receiveReturn', input);
    },
    async refundReturn(input: { returnId: string; exchanged: ExchangedUnits[] }) {
      await record('refundReturn', input);
      if (world.refusesRefunds) {
        throw ApplicationFailure.create({ type: 'payment_refused', message: 'amount_exceeds_captured', nonRetryable: true });
      }
      return { refundedCents: world.refundCents };
    },
    async refundExchangeShortfall(input: { returnId: string; exchangeOrderId: string; credits: unknown[] }) {
      await record('refundExchangeShortfall', input);
      return { refundedCents: 0 };
    },
    async quoteExchange(input: { returnId: string }) {
      await record('quoteExchange', input);
      return Object.entries(world.exchangePrices).map(([lineNo, unitPriceCents]) => ({ lineNo: Number(lineNo), sku: `X-${lineNo}`, unitPriceCents }));
    },
    async createExchangeOrder(input: { returnId: string; lines: ReplacementLine[] }): Promise<OrderInput> {
      await record('createExchangeOrder', input);
      const lines = input.lines.map((line, index) => ({ lineNo: index + 1, ...line }));
      const totalCents = lines.reduce((sum, line) => sum + line.quantity * line.unitPriceCents, 0);
      return {
        orderId: `ord_${input.returnId}`,
        customerId: 'cus_1',
        channel: 'web',
        currency: 'USD',
        lines,
        shippingCents: 0,
        totalCents,
        backorderPolicy: 'wait',
        // Real time: the test server's clock may be days ahead, so without stock this deadline has passed.
        backorderDeadline: new Date(Date.now() + 3 * 24 * 3_600_000).toISOString(),
        captureMode: 'on_shipment',
      };
    },
  };
}

/** A stable fake barcode per SKU, so scans can be addressed in tests. */
export function upcOf(sku: string): string {
  let hash = 0;
  for (const char of sku) hash = (hash * 31 + char.charCodeAt(0)) % 100_000_000_000;
  return String(hash).padStart(12, '0');
}

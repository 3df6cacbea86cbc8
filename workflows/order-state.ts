import { allHandlersFinished, condition, continueAsNew, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { orderStatusFromShipments } from '../domain/status';
import type { LineQuantity, LostResolution, OrderStatus } from '../domain/types';
import { externalServiceActivity } from './activity-options';
import { db } from './database';
import type { OrderInput, OrderView } from './definitions';
import type { orderWorkflow } from './order';
import { FailureReasonKey, OrderStatusKey } from './search-attributes';

export { db } from './database';

// Every retry is bounded (scheduleToCloseTimeout in activity-options.ts).
/** The payment gateway. */
export const gateway = proxyActivities<Activities>(externalServiceActivity);

/** Everything the order knows; plain data so it survives continue-as-new. */
export interface OrderState extends Omit<OrderView, 'orderId'> {
  allocationNo: number;
  /** Units per line that will never ship (cancelled, expired, rejected, failed). */
  cancelledUnits: Record<number, number>;
  /** Stock wake-ups received and answered: an update returns once the order has tried to reserve. */
  wakeRequests: number;
  wakesAnswered: number;
  statusChanges: number;
  settlements: number;
  /** Why the order ends, for the timeline entry of its final status. */
  closingDetail?: Record<string, unknown>;
  /** Why the first shipment that failed failed; the order's reason when it ends FAILED. */
  failureReason?: string;
  /** Lost parcels the order has yet to refund or replace. */
  lostToResolve?: { shipmentNo: number; resolution: LostResolution }[];
  /** Dropshipped lines a supplier refused, to ask for again at retryAt (until the backorder deadline). */
  dropshipWaiting?: { lines: LineQuantity[]; retryAt: string }[];
}

/** One run of the order: its input and the state it carries over continue-as-new. */
export interface OrderRun {
  input: OrderInput;
  s: OrderState;
}

const TIMELINE_LENGTH = 100;

export function newOrderState(input: OrderInput): OrderState {
  return {
    status: 'ACCEPTED',
    // Dropshipped lines never wait for our stock: their supplier ships them.
    waitingForStock: input.lines.filter((line) => !line.dropshipSupplierId).map(({ lineNo, sku, quantity }) => ({ lineNo, sku, quantity })),
    shipments: [],
    payment: { state: 'pending', authorizedCents: 0 },
    timeline: [],
    allocationNo: 0,
    cancelledUnits: {},
    wakeRequests: 0,
    wakesAnswered: 0,
    statusChanges: 0,
    settlements: 0,
  };
}

export function derivedStatus(s: OrderState): OrderStatus {
  return orderStatusFromShipments(
    s.shipments.filter((shipment) => !shipment.backordered).map((shipment) => shipment.status),
    units(s.waitingForStock) + dropshipUnitsWaiting(s),
  );
}

export function dropshipUnitsWaiting(s: OrderState): number {
  return (s.dropshipWaiting ?? []).reduce((sum, waiting) => sum + units(waiting.lines), 0);
}

/** Records the status the shipments and waiting units add up to, when it changed (or with a detail to note). */
export async function recordDerivedStatus(o: OrderRun, detail?: Record<string, unknown>): Promise<void> {
  const status = derivedStatus(o.s);
  if (status !== o.s.status || detail) await recordStatus(o, status, detail);
}

/** The search attribute ops filter on, the live timeline, and the projection (versioned: a late write never wins). */
export async function recordStatus(o: OrderRun, status: OrderStatus, detail: Record<string, unknown> = {}): Promise<void> {
  const { input, s } = o;
  s.status = status;
  s.statusChanges += 1;
  const failureReason = status === 'FAILED' ? s.failureReason : undefined;
  upsertSearchAttributes([
    { key: OrderStatusKey, value: status },
    ...(failureReason ? [{ key: FailureReasonKey, value: failureReason }] : []),
  ]);
  note(s, status.toLowerCase(), Object.keys(detail).length ? JSON.stringify(detail) : undefined);
  await db.recordOrderStatus({
    orderId: input.orderId,
    status,
    eventKey: `status:${s.statusChanges}`,
    version: s.statusChanges,
    failureReason,
    detail,
    cancelledQuantities: Object.entries(s.cancelledUnits).map(([lineNo, quantity]) => ({ lineNo: Number(lineNo), quantity })),
  });
}

/**
 * Continues as new when Temporal suggests it (or past the input's historyLimit). Wake-up handlers
 * wait for the main flow to try a reservation, so pending ones are answered here first: waiting for
 * every handler to finish while one waits for the main flow would never end.
 */
export async function continueAsNewIfDue(o: OrderRun, answerWakes: () => Promise<void>): Promise<void> {
  const info = workflowInfo();
  if (!info.continueAsNewSuggested && info.historyLength < (o.input.historyLimit ?? Infinity)) return;
  for (;;) {
    await condition(() => allHandlersFinished() || o.s.wakeRequests > o.s.wakesAnswered);
    if (allHandlersFinished()) break;
    await answerWakes();
  }
  await continueAsNew<typeof orderWorkflow>(o.input, o.s);
}

export function addCancelled(s: OrderState, lines: LineQuantity[]): void {
  for (const line of lines) s.cancelledUnits[line.lineNo] = (s.cancelledUnits[line.lineNo] ?? 0) + line.quantity;
}

export function units(lines: LineQuantity[]): number {
  return lines.reduce((sum, line) => sum + line.quantity, 0);
}

export function note(s: OrderState, type: string, detail?: string): void {
  s.timeline.push({ at: new Date(Date.now()).toISOString(), type, detail });
  if (s.timeline.length > TIMELINE_LENGTH) s.timeline.splice(0, s.timeline.length - TIMELINE_LENGTH);
}

import { Context } from '@temporalio/activity';
import { expectedQuantity, type PurchaseOrderLineState, type PurchaseOrderProgress } from '../../workflows/purchase-order-definitions';

/** Days after submission the fake POs are due. */
export const FAKE_LEAD_TIME_DAYS = 7;

/**
 * In-memory purchase orders for workflow tests: what the PO activities would leave in Postgres, keyed
 * by PO id (tests add a PO's lines before starting its workflow).
 */
export const fakePurchaseOrders = new Map<string, PurchaseOrderProgress>();

export function addFakePurchaseOrder(purchaseOrderId: string, lines: { sku: string; quantity: number }[]): PurchaseOrderLineState[] {
  const states = lines.map((line, index) => ({ lineNo: index + 1, ...line, supplierSku: `S-${line.sku}`, confirmedQuantity: null, received: 0 }));
  fakePurchaseOrders.set(purchaseOrderId, { status: 'DRAFT', lines: states, late: false });
  return states;
}

type PurchaseOrderActivityName =
  | 'submitPurchaseOrder'
  | 'confirmPurchaseOrder'
  | 'receivePurchaseOrder'
  | 'markPurchaseOrderLate'
  | 'endPurchaseOrder'
  | 'wakeForPurchaseOrderReceipt';

export function fakePurchaseOrderActivities(record: (name: PurchaseOrderActivityName, input: unknown) => Promise<void>) {
  const current = (id: string) => {
    const found = fakePurchaseOrders.get(id);
    if (!found) throw new Error(`fake purchase order ${id} was never added`);
    return found;
  };
  const save = (id: string, progress: PurchaseOrderProgress) => {
    fakePurchaseOrders.set(id, progress);
    return progress;
  };
  return {
    async submitPurchaseOrder(input: { purchaseOrderId: string }): Promise<PurchaseOrderProgress> {
      await record('submitPurchaseOrder', input);
      const po = current(input.purchaseOrderId);
      if (po.status !== 'DRAFT') return po;
      // Server time, which the time-skipping server moves ahead of the clock here.
      const expectedAt = new Date(Context.current().info.currentAttemptScheduledTimestampMs + FAKE_LEAD_TIME_DAYS * 86_400_000).toISOString();
      return save(input.purchaseOrderId, { ...po, status: 'SUBMITTED', expectedAt });
    },
    async confirmPurchaseOrder(input: { purchaseOrderId: string; lines: { sku: string; quantity: number }[]; expectedAt?: string }): Promise<PurchaseOrderProgress> {
      await record('confirmPurchaseOrder', input);
      const po = current(input.purchaseOrderId);
      const lines = po.lines.map((line) => ({ ...line, confirmedQuantity: input.lines.find((c) => c.sku === line.sku)?.quantity ?? line.confirmedQuantity }));
      return save(input.purchaseOrderId, { ...po, lines, status: 'CONFIRMED', ...(input.expectedAt ? { expectedAt: input.expectedAt, late: false } : {}) });
    },
    async receivePurchaseOrder(input: { purchaseOrderId: string; lines: { sku: string; quantity: number }[] }): Promise<PurchaseOrderProgress> {
      await record('receivePurchaseOrder', input);
      const po = current(input.purchaseOrderId);
      const lines = po.lines.map((line) => ({ ...line, received: line.received + (input.lines.find((r) => r.sku === line.sku)?.quantity ?? 0) }));
      const complete = lines.every((line) => line.received >= expectedQuantity(line));
      return save(input.purchaseOrderId, { ...po, lines, status: complete ? 'CLOSED' : 'PARTIALLY_RECEIVED' });
    },
    async markPurchaseOrderLate(input: { purchaseOrderId: string }): Promise<PurchaseOrderProgress> {
      await record('markPurchaseOrderLate', input);
      return save(input.purchaseOrderId, { ...current(input.purchaseOrderId), late: true });
    },
    async endPurchaseOrder(input: { purchaseOrderId: string; to: 'CANCELLED' | 'CLOSED' }): Promise<PurchaseOrderProgress> {
      await record('endPurchaseOrder', input);
      return save(input.purchaseOrderId, { ...current(input.purchaseOrderId), status: input.to });
    },
    async wakeForPurchaseOrderReceipt(input: { purchaseOrderId: string; receiptNo: number; skus: string[] }): Promise<void> {
      await record('wakeForPurchaseOrderReceipt', input);
    },
  };
}

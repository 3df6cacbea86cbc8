/**
 * The purchasing scenarios of `npm run record-histories`: purchase orders driven through the HTTP API
 * at the manual warehouse (saved as `<scenario>.purchase-order.json`).
 */
import { purchaseOrderWorkflowId } from '../../workflows/purchase-order-definitions';
import type { Recorder } from './return-scenarios';

const DOCK = 'WH-MAN';

export class PurchasingScenarios {
  constructor(private readonly recorder: Recorder) {}

  /** Approved, confirmed by ops, received in two parts (the second closes it). */
  async received(scenario: string): Promise<void> {
    const { id, sku } = await this.draft(scenario, 'approval');
    await this.call('POST', `/v1/purchase-orders/${id}/approve`, {}, 200);
    await this.call('POST', `/v1/purchase-orders/${id}/confirm`, { lines: [{ sku, quantity: 10, expectedDate: '2099-01-31' }] }, 200);
    await this.call('POST', `/v1/purchase-orders/${id}/receive`, { lines: [{ sku, quantity: 4 }] }, 200, 'warehouse');
    const closed = await this.call('POST', `/v1/purchase-orders/${id}/receive`, { lines: [{ sku, quantity: 6 }] }, 200, 'warehouse');
    if (closed.status !== 'CLOSED') throw new Error(`${scenario}: expected CLOSED, got ${closed.status}`);
    await this.recorder.write(`${scenario}.purchase-order`, purchaseOrderWorkflowId(id));
  }

  /** Submitted at once (submit auto), then cancelled by ops. */
  async cancelled(scenario: string): Promise<void> {
    const { id } = await this.draft(scenario, 'auto');
    await this.until(id, 'SUBMITTED');
    await this.call('POST', `/v1/purchase-orders/${id}/cancel`, { reason: 'recorded: ordered by mistake' }, 200);
    await this.recorder.write(`${scenario}.purchase-order`, purchaseOrderWorkflowId(id));
  }

  private async draft(scenario: string, submit: 'auto' | 'approval'): Promise<{ id: string; sku: string }> {
    const supplier = await this.call('POST', '/v1/suppliers', { name: `Recorded ${scenario}`, contact: {}, currency: 'USD', leadTimeDays: 5, paymentTerms: 'net 30' }, 201);
    const product = await this.recorder.product(`PO-${scenario}`);
    await this.call('PUT', `/v1/suppliers/${supplier.id}/products/${product.sku}`, { supplierSku: `S-${product.sku}`, unitCostCents: 100, packSize: 5 }, 200);
    const po = await this.call('POST', '/v1/purchase-orders', { supplierId: supplier.id, locationId: DOCK, lines: [{ sku: product.sku, quantity: 10 }], submit }, 201);
    return { id: po.id, sku: product.sku };
  }

  private async until(id: string, status: string): Promise<void> {
    for (let tries = 0; tries < 300; tries += 1) {
      if ((await this.call('GET', `/v1/purchase-orders/${id}`, undefined, 200)).status === status) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`purchase order ${id} never became ${status}`);
  }

  private async call(method: string, path: string, body: object | undefined, expected: number, role: 'ops' | 'warehouse' = 'ops') {
    const answer = await this.recorder.engine.call(role, method, path, body);
    if (answer.status !== expected) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}

/**
 * The replenishment scenario of `npm run record-histories`: a SKU below its min–max minimum at the
 * auto warehouse, planned by one replenishment run (as the Schedule starts it) that drafts its PO and
 * starts the PO's workflow (saved as `<scenario>.replenishment.json`).
 */
import { replenishmentWorkflowId } from '../../workflows/replenishment-definitions';
import type { Recorder } from './return-scenarios';

const AUTO = 'WH-AUTO';

export class ReplenishmentScenarios {
  constructor(private readonly recorder: Recorder) {}

  async drafted(scenario: string): Promise<void> {
    const { engine } = this.recorder;
    const supplier = await this.call('POST', '/v1/suppliers', { name: 'Recorded supplier', contact: {}, currency: 'USD', leadTimeDays: 3, paymentTerms: 'net 30' }, 201, {
      'idempotency-key': `recorded-supplier-${scenario}`,
    });
    const product = await this.recorder.product('RPL-A');
    await this.call('PUT', `/v1/suppliers/${supplier.id}/products/${product.sku}`, { supplierSku: `S-${product.sku}`, unitCostCents: 100, packSize: 5, preferred: true }, 200);
    await this.recorder.receive(AUTO, [product]);
    await this.call('PUT', `/v1/replenishment/settings/${AUTO}/${product.sku}`, { method: 'min_max', minLevel: 6, maxLevel: 20 }, 200);
    const workflowId = replenishmentWorkflowId(`recorded-${Date.now()}`);
    const result = await engine.temporal.workflow.execute('replenishmentWorkflow', {
      taskQueue: engine.taskQueue,
      workflowId,
      args: [{ locationId: AUTO, cause: 'schedule' }],
    });
    if (result.purchaseOrderIds.length !== 1) throw new Error(`${scenario}: expected one draft, got ${JSON.stringify(result)}`);
    await this.recorder.write(`${scenario}.replenishment`, workflowId);
  }

  private async call(method: string, path: string, body: object, expected: number, headers: Record<string, string> = {}) {
    const answer = await this.recorder.engine.call('ops', method, path, body, headers);
    if (answer.status !== expected) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}
